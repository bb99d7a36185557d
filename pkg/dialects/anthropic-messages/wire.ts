// Typed wire schemas of Anthropic's Messages API (POST /v1/messages), the parts the codecs read and write.
// Sources: Anthropic's public API reference ("Messages", "Streaming Messages", "Errors") and the official
// @anthropic-ai/sdk type definitions (resources/messages/messages.d.ts). Fields we do not translate are absent here;
// passthrough (pkg/providers/anthropic/request.ts) never goes through these types, so nothing is lost there.

export interface WireCacheControl {
  readonly type: 'ephemeral';
  readonly ttl?: string;
}

export type WireImageSource =
  | { readonly type: 'base64'; readonly media_type: string; readonly data: string }
  | { readonly type: 'url'; readonly url: string }
  | { readonly type: 'file'; readonly file_id: string };

export type WireDocumentSource =
  | WireImageSource
  | { readonly type: 'text'; readonly media_type: string; readonly data: string };

export interface WireTextBlock {
  readonly type: 'text';
  readonly text: string;
  readonly cache_control?: WireCacheControl;
}
export interface WireImageBlock {
  readonly type: 'image';
  readonly source: WireImageSource;
  readonly cache_control?: WireCacheControl;
}
export interface WireDocumentBlock {
  readonly type: 'document';
  readonly source: WireDocumentSource;
  readonly title?: string;
  readonly context?: string;
  readonly cache_control?: WireCacheControl;
}
export interface WireToolUseBlock {
  readonly type: 'tool_use';
  readonly id: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
  readonly cache_control?: WireCacheControl;
}
export interface WireToolResultBlock {
  readonly type: 'tool_result';
  readonly tool_use_id: string;
  readonly content?: string | readonly (WireTextBlock | WireImageBlock)[];
  readonly is_error?: boolean;
  readonly cache_control?: WireCacheControl;
}
export interface WireThinkingBlock {
  readonly type: 'thinking';
  readonly thinking: string;
  readonly signature: string;
}
export interface WireRedactedThinkingBlock {
  readonly type: 'redacted_thinking';
  readonly data: string;
}

export type WireContentBlockParam =
  | WireTextBlock
  | WireImageBlock
  | WireDocumentBlock
  | WireToolUseBlock
  | WireToolResultBlock
  | WireThinkingBlock
  | WireRedactedThinkingBlock;

export interface WireMessageParam {
  readonly role: 'user' | 'assistant';
  readonly content: string | readonly WireContentBlockParam[];
}

export interface WireTool {
  readonly name: string;
  readonly description?: string;
  readonly input_schema: Record<string, unknown>;
  readonly strict?: boolean;
  readonly cache_control?: WireCacheControl;
}

export type WireToolChoice =
  | { readonly type: 'auto'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'any'; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'tool'; readonly name: string; readonly disable_parallel_tool_use?: boolean }
  | { readonly type: 'none' };

export type WireThinkingConfig =
  | { readonly type: 'enabled'; readonly budget_tokens: number }
  | { readonly type: 'disabled' }
  | { readonly type: 'adaptive' };

export interface WireMessagesRequest {
  readonly model: string;
  readonly max_tokens: number;
  readonly messages: readonly WireMessageParam[];
  readonly system?: string | readonly WireTextBlock[];
  readonly tools?: readonly WireTool[];
  readonly tool_choice?: WireToolChoice;
  readonly temperature?: number;
  readonly top_p?: number;
  readonly top_k?: number;
  readonly stop_sequences?: readonly string[];
  readonly thinking?: WireThinkingConfig;
  readonly metadata?: { readonly user_id?: string };
  readonly stream?: boolean;
}

/** Response content blocks (no cache_control on the way back). */
export type WireContentBlock =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool_use'; readonly id: string; readonly name: string; readonly input: Record<string, unknown> }
  | { readonly type: 'thinking'; readonly thinking: string; readonly signature: string }
  | { readonly type: 'redacted_thinking'; readonly data: string };

export type WireStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';

/**
 * `input_tokens` counts only the input after the last cache breakpoint: cache reads and cache writes are reported
 * apart, so the whole prompt is input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
 */
export interface WireUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens?: number | null;
  readonly cache_creation_input_tokens?: number | null;
}

export interface WireMessage {
  readonly id: string;
  readonly type: 'message';
  readonly role: 'assistant';
  readonly model: string;
  readonly content: readonly WireContentBlock[];
  readonly stop_reason: WireStopReason | null;
  readonly stop_sequence: string | null;
  readonly usage: WireUsage;
}

export type WireDelta =
  | { readonly type: 'text_delta'; readonly text: string }
  | { readonly type: 'input_json_delta'; readonly partial_json: string }
  | { readonly type: 'thinking_delta'; readonly thinking: string }
  | { readonly type: 'signature_delta'; readonly signature: string };

/** The Anthropic error types (the `error.type` of `{type:"error",error:{type,message}}`). */
export type WireErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

export interface WireError {
  readonly type: 'error';
  readonly error: { readonly type: WireErrorType | string; readonly message: string };
}

/** Server-sent events of a streamed message; the SSE `event:` name equals `type`. */
export type WireStreamEvent =
  | { readonly type: 'message_start'; readonly message: WireMessage }
  | { readonly type: 'content_block_start'; readonly index: number; readonly content_block: WireContentBlock }
  | { readonly type: 'content_block_delta'; readonly index: number; readonly delta: WireDelta }
  | { readonly type: 'content_block_stop'; readonly index: number }
  | {
      readonly type: 'message_delta';
      readonly delta: { readonly stop_reason: WireStopReason | null; readonly stop_sequence: string | null };
      readonly usage: Partial<WireUsage> & { readonly output_tokens: number };
    }
  | { readonly type: 'message_stop' }
  | { readonly type: 'ping' }
  | WireError;
