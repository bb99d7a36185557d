// What a dialect codec provides (ADR 0016). A dialect is one wire format: openai-chat, anthropic-messages (both
// directions: they are client APIs and provider APIs), openai-responses and openai-completions (client side only for
// now). Codecs are pure: no I/O, no clock (ids and timestamps come in through the context), no logging. They live in
// pkg/dialects/<dialect>/ with the dialect's typed wire schemas beside them; provider adapters and ingresses compose
// them in their per-pair files (pkg/providers/<type>/<client-api>.ts).
//
// Errors: a request a client sent that cannot be expressed canonically (or in the target dialect) throws
// GatewayError('invalid_request', {param}) from pkg/errors; an upstream body that does not parse throws
// UpstreamFailureError({kind: 'invalid'}) from pkg/providers/types.ts.
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from './types.ts';

/** Values a codec must not invent: the proxy supplies them (the request id becomes the response id prefix). */
export interface EncodeContext {
  /** The model name the client asked for (responses report it back, not the upstream's name). */
  readonly model: string;
  /** Used for ids the client dialect needs and the upstream did not supply ("chatcmpl-…", "msg_…", "resp_…"). */
  readonly requestId: string;
  /** Epoch seconds for `created` fields the upstream did not supply. */
  readonly nowSec: number;
  /** The client asked for usage in the stream (OpenAI stream_options.include_usage); other dialects always send it. */
  readonly streamUsage: boolean;
  /**
   * The decoded client request, for dialects whose answers echo the request's settings (the Responses API's
   * `response` object repeats tools, tool_choice, temperature, text.format, …). Optional: without it they report
   * their defaults.
   */
  readonly request?: CanonicalRequest;
}

/** Client side: the client's body in, canonical out; canonical answers back in the client's dialect. */
export interface ClientCodec {
  /** Throws GatewayError invalid_request (with param) when the body cannot be translated. */
  decodeRequest(body: Readonly<Record<string, unknown>>): CanonicalRequest;
  /** The complete (non-stream) answer as the client's dialect JSON text. */
  encodeResponse(resp: CanonicalResponse, ctx: EncodeContext): string;
  createStreamEncoder(ctx: EncodeContext): StreamEncoder;
}

/** Provider side: canonical in, the provider's dialect body out; the provider's answers back to canonical. */
export interface ProviderCodec {
  /** The upstream request body (JSON value) for `model`; throws GatewayError invalid_request when inexpressible. */
  encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown>;
  /** A complete 2xx JSON body; throws UpstreamFailureError kind 'invalid' on garbage. */
  decodeResponse(body: unknown): CanonicalResponse;
  createStreamDecoder(): StreamDecoder;
}

/** Upstream stream bytes → canonical events. Must give the same events for any split of the bytes into chunks. */
export interface StreamDecoder {
  /** Throws UpstreamFailureError kind 'invalid' on a malformed stream. */
  push(chunk: Uint8Array): StreamEvent[];
  /** The upstream body ended: any events still buffered. A stream that ended without its terminator yields no `done`. */
  end(): StreamEvent[];
}

/** Canonical events → the client's SSE bytes. */
export interface StreamEncoder {
  /** Text to write for `ev` ('' when the dialect has nothing to say for it). `done` produces the success terminator. */
  encode(ev: StreamEvent): string;
  /**
   * The dialect's terminal error event for a stream that fails after its head went out (no success terminator
   * follows). `status`/`code`/`type` are the gateway's error (pkg/errors) for the failure.
   */
  error(e: { readonly status: number; readonly type: string; readonly code: string; readonly message: string }): string;
}
