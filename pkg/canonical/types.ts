// The one typed canonical form every translation goes through (design §3, ADR 0016). A client API that a provider
// does not serve natively is decoded into these types by the client API's codec and encoded into the provider's
// dialect by the provider's codec; responses and stream events travel back the same way. Plain readonly data:
// codecs are pure functions over it, golden-tested per pair.
//
// The model follows Anthropic's Messages API where the two big dialects differ, because it is the richer of the two:
// system prompts apart from messages, tool results as parts of a user turn, thinking blocks with signatures,
// cache_control on parts. OpenAI chat maps onto it without loss for everything OpenAI chat can express.

/** The client APIs the gateway accepts (one ingress each under pkg/ingress/<api>/). */
export type ClientApi = 'openai-chat' | 'openai-completions' | 'openai-embeddings' | 'openai-responses' | 'anthropic-messages';

export const CLIENT_APIS: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses', 'anthropic-messages'];

/** Anthropic prompt-caching marker; kept on the part it was set on, dropped by dialects that have no such thing. */
export interface CacheControl {
  readonly type: 'ephemeral';
  /** e.g. "5m", "1h". */
  readonly ttl?: string;
}

export type MediaSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'base64'; readonly mediaType: string; readonly data: string }
  /** A provider-side file id (OpenAI file_id, Anthropic file_id). */
  | { readonly kind: 'file'; readonly fileId: string };

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
  readonly cacheControl?: CacheControl;
}

export interface ImagePart {
  readonly type: 'image';
  readonly source: MediaSource;
  /** OpenAI image_url.detail ("auto" | "low" | "high"). */
  readonly detail?: string;
  readonly cacheControl?: CacheControl;
}

export interface DocumentPart {
  readonly type: 'document';
  readonly source: MediaSource | { readonly kind: 'text'; readonly mediaType: string; readonly data: string };
  readonly title?: string;
  readonly filename?: string;
  readonly cacheControl?: CacheControl;
}

export interface ToolUsePart {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  /** The parsed arguments (a JSON object). A dialect that carries arguments as a string re-serialises them. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly cacheControl?: CacheControl;
}

export interface ToolResultPart {
  readonly type: 'tool_result';
  readonly toolUseId: string;
  readonly content: readonly (TextPart | ImagePart)[];
  readonly isError?: boolean;
  readonly cacheControl?: CacheControl;
}

export interface ThinkingPart {
  readonly type: 'thinking';
  readonly text: string;
  /** Anthropic's signature: must reach the provider unchanged on the next turn. */
  readonly signature?: string;
}

export interface RedactedThinkingPart {
  readonly type: 'redacted_thinking';
  readonly data: string;
}

export type Part = TextPart | ImagePart | DocumentPart | ToolUsePart | ToolResultPart | ThinkingPart | RedactedThinkingPart;

/** Tool results are parts of a user turn (OpenAI `role: "tool"` messages decode to them). */
export interface Message {
  readonly role: 'user' | 'assistant';
  readonly content: readonly Part[];
}

export interface Tool {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly strict?: boolean;
  readonly cacheControl?: CacheControl;
}

export type ToolChoice =
  | { readonly type: 'auto' }
  | { readonly type: 'none' }
  /** The model must call some tool (OpenAI "required", Anthropic "any"). */
  | { readonly type: 'required' }
  | { readonly type: 'tool'; readonly name: string };

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | { readonly type: 'json_schema'; readonly name: string; readonly schema: Readonly<Record<string, unknown>>; readonly strict?: boolean; readonly description?: string };

export interface Reasoning {
  /** OpenAI reasoning_effort / reasoning.effort. */
  readonly effort?: 'minimal' | 'low' | 'medium' | 'high';
  /** Anthropic thinking.budget_tokens. */
  readonly budgetTokens?: number;
  /** Ask for a reasoning summary (Responses API reasoning.summary). */
  readonly summary?: boolean;
}

export interface CanonicalRequest {
  /** The model as the client asked for it; the upstream model comes from the target. */
  readonly model: string;
  readonly system: readonly TextPart[];
  readonly messages: readonly Message[];
  readonly tools?: readonly Tool[];
  readonly toolChoice?: ToolChoice;
  readonly parallelToolCalls?: boolean;
  readonly responseFormat?: ResponseFormat;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly topK?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  readonly reasoning?: Reasoning;
  readonly stream: boolean;
  /** End-user id for abuse tracking (OpenAI user, Anthropic metadata.user_id). */
  readonly user?: string;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'content_filter' | 'refusal' | 'pause_turn';

export interface CanonicalUsage {
  /** All input tokens, cached and cache-write included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Input tokens read from the provider's prompt cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens). */
  readonly cachedInputTokens?: number;
  /** Input tokens written to the prompt cache (Anthropic cache_creation_input_tokens). */
  readonly cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (OpenAI reasoning_tokens). */
  readonly reasoningTokens?: number;
}

export interface CanonicalResponse {
  readonly id: string;
  /** The model the upstream reports. */
  readonly model: string;
  /** Epoch seconds, when the upstream says. */
  readonly created?: number;
  readonly content: readonly (TextPart | ToolUsePart | ThinkingPart | RedactedThinkingPart)[];
  readonly stopReason: StopReason;
  readonly stopSequence?: string;
  readonly usage: CanonicalUsage | null;
}

export type BlockStart =
  | { readonly type: 'text' }
  | { readonly type: 'thinking' }
  | { readonly type: 'redacted_thinking'; readonly data: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string };

/**
 * Stream events, in order: `start`, then content blocks (`block_start`, deltas, `block_stop`; indexes count from 0
 * in the order blocks start, and blocks may interleave only as the upstream interleaves them), then `finish`, any
 * number of `usage` events (the last one wins, values are totals so far), and `done` once the upstream's success
 * terminator arrived. `error` is an in-band upstream error: the last event of a failed stream.
 */
export type StreamEvent =
  | { readonly type: 'start'; readonly id: string; readonly model: string; readonly created?: number }
  | { readonly type: 'block_start'; readonly index: number; readonly block: BlockStart }
  | { readonly type: 'text_delta'; readonly index: number; readonly text: string }
  | { readonly type: 'thinking_delta'; readonly index: number; readonly text: string }
  | { readonly type: 'signature_delta'; readonly index: number; readonly signature: string }
  /** A fragment of a tool call's arguments as JSON text; fragments concatenate to the whole object. */
  | { readonly type: 'tool_input_delta'; readonly index: number; readonly json: string }
  | { readonly type: 'block_stop'; readonly index: number }
  | { readonly type: 'finish'; readonly stopReason: StopReason; readonly stopSequence?: string }
  | { readonly type: 'usage'; readonly usage: CanonicalUsage }
  | { readonly type: 'error'; readonly error: StreamError }
  | { readonly type: 'done' };

/** An in-band error from the upstream stream, classified like an HTTP failure (pkg/providers/types.ts FailureKind). */
export interface StreamError {
  readonly kind: 'rate_limited' | 'server' | 'client' | 'invalid' | 'auth' | 'timeout';
  /** The provider's error type, e.g. "overloaded_error". */
  readonly upstreamType?: string;
  /** Safe to show the client. */
  readonly message: string;
  readonly retryAfter?: number;
}

/** True for the events that carry content for the client: the stream's head is held until the first one (design §3). */
export function isContentEvent(ev: StreamEvent): boolean {
  switch (ev.type) {
    case 'text_delta':
    case 'thinking_delta':
      return ev.text !== '';
    case 'tool_input_delta':
      return true;
    case 'block_start':
      return ev.block.type === 'tool_use' || ev.block.type === 'redacted_thinking';
    default:
      return false;
  }
}
