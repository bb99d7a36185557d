// Typed wire schemas of Amazon Bedrock's Converse and ConverseStream APIs (POST /model/{modelId}/converse and
// /converse-stream, REST-JSON), the parts the codec reads and writes. Sources: the Bedrock API Reference (Converse,
// ConverseStream, ContentBlock, ToolConfiguration, InferenceConfiguration, OutputConfig, TokenUsage,
// ConverseStreamOutput) and the official @aws-sdk/client-bedrock-runtime type definitions (models_0.d.ts), whose
// member names are the JSON names. Blobs (image / document bytes, redacted reasoning) travel as base64 strings;
// document-typed members (tool input, JSON schema of a tool) as plain JSON. Unions are objects with exactly one
// member set, e.g. `{text: "…"}` or `{toolUse: {…}}`.

export interface WireCachePoint {
  readonly cachePoint: { readonly type: 'default'; readonly ttl?: '5m' | '1h' };
}

export type WireImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';
export type WireDocumentFormat = 'pdf' | 'csv' | 'doc' | 'docx' | 'xls' | 'xlsx' | 'html' | 'txt' | 'md';

export type WireMediaSource = { readonly bytes: string } | { readonly s3Location: { readonly uri: string } };

export interface WireImageBlock {
  readonly format: WireImageFormat;
  readonly source: WireMediaSource;
}

export interface WireDocumentBlock {
  readonly format?: WireDocumentFormat;
  /** Alphanumerics, single whitespace, hyphens, parentheses, square brackets only. */
  readonly name: string;
  readonly source: WireMediaSource | { readonly text: string };
}

export type WireToolResultContent = { readonly text: string } | { readonly image: WireImageBlock } | { readonly json: unknown };

export interface WireToolUse {
  readonly toolUseId: string;
  readonly name: string;
  readonly input: unknown;
}

export interface WireToolResult {
  readonly toolUseId: string;
  readonly content: readonly WireToolResultContent[];
  readonly status?: 'success' | 'error';
}

export type WireReasoningContent =
  | { readonly reasoningText: { readonly text: string; readonly signature?: string } }
  /** base64 */
  | { readonly redactedContent: string };

export type WireContentBlock =
  | { readonly text: string }
  | { readonly image: WireImageBlock }
  | { readonly document: WireDocumentBlock }
  | { readonly toolUse: WireToolUse }
  | { readonly toolResult: WireToolResult }
  | { readonly reasoningContent: WireReasoningContent }
  | WireCachePoint;

export interface WireMessage {
  readonly role: 'user' | 'assistant';
  readonly content: WireContentBlock[];
}

export type WireSystemBlock = { readonly text: string } | WireCachePoint;

export type WireTool =
  | {
      readonly toolSpec: {
        readonly name: string;
        readonly description?: string;
        readonly inputSchema: { readonly json: Readonly<Record<string, unknown>> };
        readonly strict?: boolean;
      };
    }
  | WireCachePoint;

export type WireToolChoice = { readonly auto: Record<string, never> } | { readonly any: Record<string, never> } | { readonly tool: { readonly name: string } };

export interface WireInferenceConfig {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
}

export interface WireOutputConfig {
  readonly textFormat: {
    readonly type: 'json_schema';
    /** `schema` is the JSON Schema as JSON text (a string, not an object). */
    readonly structure: { readonly jsonSchema: { readonly schema: string; readonly name?: string; readonly description?: string } };
  };
}

/** The request body (the model id is in the URL path, not the body). */
export interface WireConverseRequest {
  readonly messages: WireMessage[];
  readonly system?: WireSystemBlock[];
  readonly inferenceConfig?: WireInferenceConfig;
  readonly toolConfig?: { readonly tools: WireTool[]; readonly toolChoice?: WireToolChoice };
  readonly outputConfig?: WireOutputConfig;
  /** Model-specific fields (Anthropic: thinking, top_k). */
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
  /** JSON Pointers into the model's native answer to return in additionalModelResponseFields. */
  readonly additionalModelResponseFieldPaths?: readonly string[];
}

export type WireStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded';

export interface WireTokenUsage {
  /** Input tokens not read from or written to the prompt cache (Anthropic's input_tokens). */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheWriteInputTokens?: number;
}

export interface WireConverseResponse {
  readonly output: { readonly message: WireMessage };
  readonly stopReason: WireStopReason;
  readonly usage: WireTokenUsage;
  readonly metrics: { readonly latencyMs: number };
  readonly additionalModelResponseFields?: Readonly<Record<string, unknown>>;
}

/**
 * ConverseStream event payloads, keyed by the `:event-type` header of an event-stream message whose `:message-type`
 * is `event`; the payload is the JSON of the event's members (the service may add a padding member `p`).
 */
export interface WireStreamEvents {
  readonly messageStart: { readonly role: 'assistant' };
  readonly contentBlockStart: { readonly contentBlockIndex: number; readonly start: { readonly toolUse?: { readonly toolUseId: string; readonly name: string } } };
  readonly contentBlockDelta: {
    readonly contentBlockIndex: number;
    readonly delta: {
      readonly text?: string;
      readonly toolUse?: { readonly input: string };
      readonly reasoningContent?: { readonly text?: string; readonly signature?: string; readonly redactedContent?: string };
    };
  };
  readonly contentBlockStop: { readonly contentBlockIndex: number };
  readonly messageStop: { readonly stopReason: WireStopReason; readonly additionalModelResponseFields?: Readonly<Record<string, unknown>> };
  readonly metadata: { readonly usage: WireTokenUsage; readonly metrics: { readonly latencyMs: number } };
}

/**
 * In-stream exceptions: messages with `:message-type: exception` and `:exception-type` one of these, payload
 * `{message}`. (A `:message-type: error` message carries `:error-code` / `:error-message` headers instead.)
 */
export type WireStreamExceptionType =
  | 'internalServerException'
  | 'modelStreamErrorException'
  | 'validationException'
  | 'throttlingException'
  | 'serviceUnavailableException'
  | 'modelTimeoutException';
