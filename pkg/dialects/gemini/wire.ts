// Typed wire schemas of Google's Generative Language API (generateContent, streamGenerateContent, batchEmbedContents),
// the parts the codec writes and reads. The same JSON bodies serve Gemini models on Vertex AI, only at another URL
// with another credential. Sources: the Gemini API reference ("Generating content", "Caching", "Embeddings"), the
// guides on function calling, thinking, thought signatures, structured output and file input, and the official
// `@google/genai` type definitions (dist/genai.d.ts: Part, Content, FunctionCall, FunctionResponse, GenerationConfig,
// ThinkingConfig, Candidate, GenerateContentResponseUsageMetadata), which are the ground truth for field names.
// Fields we never write or read are absent.

export interface WireBlob {
  readonly mimeType: string;
  /** Base64 bytes. */
  readonly data: string;
}

export interface WireFileData {
  readonly fileUri: string;
  readonly mimeType?: string;
}

export interface WireFunctionCall {
  readonly name: string;
  readonly args?: Readonly<Record<string, unknown>>;
  /** Set by newer models; echoed on the matching functionResponse. */
  readonly id?: string;
}

export interface WireFunctionResponse {
  readonly name: string;
  /** "Use "output" key to specify function output and "error" key to specify error details" (FunctionResponse docs). */
  readonly response: Readonly<Record<string, unknown>>;
  readonly id?: string;
}

/** One part: exactly one of text / inlineData / fileData / functionCall / functionResponse, plus the thought fields. */
export interface WirePart {
  readonly text?: string;
  readonly inlineData?: WireBlob;
  readonly fileData?: WireFileData;
  readonly functionCall?: WireFunctionCall;
  readonly functionResponse?: WireFunctionResponse;
  /** True on a thought (summary) part. */
  readonly thought?: boolean;
  /** Opaque base64 signature of the model's reasoning; must come back unchanged on the next turn. */
  readonly thoughtSignature?: string;
}

export interface WireContent {
  readonly role: 'user' | 'model';
  readonly parts: WirePart[];
}

export interface WireFunctionDeclaration {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments (mutually exclusive with the OpenAPI-subset `parameters`). */
  readonly parametersJsonSchema?: Readonly<Record<string, unknown>>;
}

export type WireFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE';

export interface WireToolConfig {
  readonly functionCallingConfig: { readonly mode: WireFunctionCallingMode; readonly allowedFunctionNames?: readonly string[] };
}

export type WireThinkingLevel = 'MINIMAL' | 'LOW' | 'MEDIUM' | 'HIGH';

export interface WireThinkingConfig {
  readonly includeThoughts?: boolean;
  /** Gemini 2.5: a token budget (0 = off where the model allows it, -1 = dynamic). */
  readonly thinkingBudget?: number;
  /** Gemini 3 and later. */
  readonly thinkingLevel?: WireThinkingLevel;
}

export interface WireGenerationConfig {
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly maxOutputTokens?: number;
  readonly stopSequences?: readonly string[];
  readonly seed?: number;
  readonly responseMimeType?: string;
  /** JSON Schema of the answer (the SDK moved JSON schemas here from the OpenAPI-subset `responseSchema`). */
  readonly responseJsonSchema?: Readonly<Record<string, unknown>>;
  readonly thinkingConfig?: WireThinkingConfig;
}

export interface WireGenerateContentRequest {
  readonly contents: WireContent[];
  readonly systemInstruction?: { readonly parts: WirePart[] };
  readonly tools?: readonly { readonly functionDeclarations: readonly WireFunctionDeclaration[] }[];
  readonly toolConfig?: WireToolConfig;
  readonly generationConfig?: WireGenerationConfig;
}

/** GenerateContentResponseUsageMetadata. promptTokenCount includes cachedContentTokenCount; thoughts are apart from candidates. */
export interface WireUsageMetadata {
  readonly promptTokenCount?: number;
  readonly candidatesTokenCount?: number;
  readonly cachedContentTokenCount?: number;
  readonly thoughtsTokenCount?: number;
  readonly toolUsePromptTokenCount?: number;
  readonly totalTokenCount?: number;
}

export interface WireCandidate {
  readonly content?: { readonly role?: string; readonly parts?: readonly WirePart[] };
  readonly finishReason?: string;
  readonly finishMessage?: string;
  readonly index?: number;
}

export interface WireGenerateContentResponse {
  readonly candidates?: readonly WireCandidate[];
  readonly promptFeedback?: { readonly blockReason?: string; readonly blockReasonMessage?: string };
  readonly usageMetadata?: WireUsageMetadata;
  readonly modelVersion?: string;
  readonly responseId?: string;
}

/** google.rpc.Status as the JSON error envelope carries it: {error: {code, message, status, details}}. */
export interface WireErrorStatus {
  readonly code?: number;
  readonly message?: string;
  /** The canonical code name, e.g. RESOURCE_EXHAUSTED. */
  readonly status?: string;
  readonly details?: readonly Readonly<Record<string, unknown>>[];
}

export type WireTaskType = 'RETRIEVAL_QUERY' | 'RETRIEVAL_DOCUMENT';

export interface WireEmbedContentRequest {
  /** "models/<model>": batchEmbedContents requires each request to name the model of the URL. */
  readonly model: string;
  readonly content: { readonly parts: readonly { readonly text: string }[] };
  readonly taskType?: WireTaskType;
  readonly outputDimensionality?: number;
}

export interface WireBatchEmbedContentsRequest {
  readonly requests: readonly WireEmbedContentRequest[];
}
