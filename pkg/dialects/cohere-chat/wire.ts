// Typed wire schemas of Cohere's Chat API v2 (POST /v2/chat), the parts the codec reads and writes.
// Sources: Cohere's public API reference ("Chat", "Chat with Streaming", "Streaming responses", "Tool use",
// "Structured outputs", "Reasoning", "Errors") and the official `cohere-ai` SDK's wire (serialization) types
// (serialization/types/*.d.ts, serialization/resources/v2/*): the SDK's camelCase names map onto these snake_case
// ones. Fields we never send or read (documents, citation_options, safety_mode, logprobs, priority) are absent.

export interface WireTextContent {
  readonly type: 'text';
  readonly text: string;
}

export interface WireImageContent {
  readonly type: 'image_url';
  readonly image_url: { readonly url: string; readonly detail?: 'auto' | 'low' | 'high' };
}

export interface WireThinkingContent {
  readonly type: 'thinking';
  readonly thinking: string;
}

export interface WireToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; /** JSON text of the arguments. */ readonly arguments: string };
}

export type WireMessage =
  | { readonly role: 'system'; readonly content: string | readonly WireTextContent[] }
  | { readonly role: 'user'; readonly content: string | readonly (WireTextContent | WireImageContent)[] }
  | {
      readonly role: 'assistant';
      readonly content?: string | readonly (WireTextContent | WireThinkingContent)[];
      readonly tool_plan?: string;
      readonly tool_calls?: readonly WireToolCall[];
    }
  | { readonly role: 'tool'; readonly tool_call_id: string; readonly content: string | readonly WireTextContent[] };

export interface WireTool {
  readonly type: 'function';
  readonly function: { readonly name: string; readonly description?: string; readonly parameters: Readonly<Record<string, unknown>> };
}

/** v2 has one JSON mode: `json_object`, with an optional `json_schema` that constrains it. */
export type WireResponseFormat = { readonly type: 'text' } | { readonly type: 'json_object'; readonly json_schema?: Readonly<Record<string, unknown>> };

export interface WireThinking {
  readonly type: 'enabled' | 'disabled';
  readonly token_budget?: number;
}

export interface WireChatRequest {
  readonly model: string;
  readonly messages: readonly WireMessage[];
  readonly tools?: readonly WireTool[];
  readonly strict_tools?: boolean;
  /** Only REQUIRED and NONE exist; absent = the model decides. */
  readonly tool_choice?: 'REQUIRED' | 'NONE';
  readonly response_format?: WireResponseFormat;
  readonly max_tokens?: number;
  readonly stop_sequences?: readonly string[];
  readonly temperature?: number;
  readonly seed?: number;
  /** top-p, documented range 0.01–0.99. */
  readonly p?: number;
  /** top-k, documented range 0–500. */
  readonly k?: number;
  readonly thinking?: WireThinking;
  readonly stream?: boolean;
}

export type WireFinishReason = 'COMPLETE' | 'STOP_SEQUENCE' | 'MAX_TOKENS' | 'TOOL_CALL' | 'ERROR' | 'TIMEOUT';

/**
 * `billed_units` are the tokens Cohere charges for; `tokens` also count what Cohere adds to the prompt itself
 * (preamble, special tokens), which is not billed. `cached_tokens` counts prompt tokens read from Cohere's cache.
 */
export interface WireUsage {
  readonly billed_units?: { readonly input_tokens?: number; readonly output_tokens?: number } | null;
  readonly tokens?: { readonly input_tokens?: number; readonly output_tokens?: number } | null;
  readonly cached_tokens?: number | null;
}

export interface WireChatResponse {
  readonly id: string;
  readonly finish_reason: WireFinishReason;
  readonly message: {
    readonly role: 'assistant';
    readonly content?: readonly (WireTextContent | WireThinkingContent)[] | null;
    readonly tool_plan?: string | null;
    readonly tool_calls?: readonly WireToolCall[] | null;
    /** Dropped: the canonical form has no citations (documented in pkg/providers/cohere/README.md). */
    readonly citations?: readonly unknown[] | null;
  };
  readonly usage?: WireUsage | null;
}

/**
 * Stream events (SSE `event:` name = `type`, `data:` the JSON below). Content and tool calls are numbered apart:
 * content-* `index` counts content items, tool-call-* `index` counts tool calls.
 */
export type WireStreamEvent =
  | { readonly type: 'message-start'; readonly id?: string; readonly delta?: { readonly message?: { readonly role?: 'assistant' } } }
  | { readonly type: 'content-start'; readonly index?: number; readonly delta?: { readonly message?: { readonly content?: { readonly type?: 'text' | 'thinking'; readonly text?: string; readonly thinking?: string } } } }
  | { readonly type: 'content-delta'; readonly index?: number; readonly delta?: { readonly message?: { readonly content?: { readonly text?: string; readonly thinking?: string } } } }
  | { readonly type: 'content-end'; readonly index?: number }
  | { readonly type: 'tool-plan-delta'; readonly delta?: { readonly message?: { readonly tool_plan?: string } } }
  | { readonly type: 'tool-call-start'; readonly index?: number; readonly delta?: { readonly message?: { readonly tool_calls?: Partial<WireToolCall> } } }
  | { readonly type: 'tool-call-delta'; readonly index?: number; readonly delta?: { readonly message?: { readonly tool_calls?: { readonly function?: { readonly arguments?: string } } } } }
  | { readonly type: 'tool-call-end'; readonly index?: number }
  | { readonly type: 'citation-start'; readonly index?: number }
  | { readonly type: 'citation-end'; readonly index?: number }
  | { readonly type: 'message-end'; readonly id?: string; readonly delta?: { readonly error?: string | null; readonly finish_reason?: WireFinishReason | null; readonly usage?: WireUsage | null } }
  | { readonly type: 'debug'; readonly prompt?: string };

/** Error bodies: `{message}`, sometimes `{id, message}`. */
export interface WireError {
  readonly id?: string;
  readonly message: string;
}
