// The ingress contract (ADR 0016): one per client API, in pkg/ingress/<api>/. An ingress owns everything that is
// the client dialect's business — validation, the error envelope, the stream's success terminator and its terminal
// error event, and (through its ClientCodec) translation to and from the canonical form. The handler and the
// dispatch core take an ingress; they never test which API a request arrived in.
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCodec } from '../canonical/codec.ts';
import type { EmbeddingsClientCodec } from '../canonical/embeddings.ts';
import type { ClientApi } from '../canonical/types.ts';
import type { Operation } from '../providers/types.ts';

/** A gateway error as every dialect needs it (the fields of pkg/proxy/error-reply.ts ErrorOut). */
export interface IngressError {
  readonly status: number;
  /** Our OpenAI-style error type (pkg/errors OpenAIErrorType). */
  readonly type: string;
  /** Stable code. */
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
  /** Seconds, sent as Retry-After by the core. */
  readonly retryAfter?: number;
}

/** What validation extracts; the body itself is kept by reference, never copied. */
export interface IngressRequest {
  readonly api: ClientApi;
  readonly op: Operation;
  /** The client's parsed body (adapters copy before patching). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly model: string;
  readonly stream: boolean;
  /** The client wants usage in the stream (OpenAI stream_options.include_usage); always true for dialects that always send it. */
  readonly wantsUsage: boolean;
  /** Client headers a native passthrough forwards (e.g. anthropic-beta, anthropic-version), lower-case names. */
  readonly forwardHeaders: Readonly<Record<string, string>>;
  /**
   * Anthropic's POST /v1/messages/count_tokens (api 'anthropic-messages'): sent natively to the upstream's
   * /v1/messages/count_tokens and answered with its JSON as received; never translated, never streamed. The handler
   * only dispatches it when every target serves anthropic-messages natively.
   */
  readonly countTokens?: boolean;
  /**
   * The client's body bytes exactly as received (after content decoding), set by the handler when `body` is the
   * parse of these bytes. A native passthrough forwards them unchanged when no field must change (issue 7 point 8).
   */
  readonly rawBody?: Uint8Array;
}

export interface Ingress {
  readonly api: ClientApi;
  /** Canonical path, e.g. "/v1/messages". */
  readonly path: string;
  readonly op: Operation;
  /** Validates a parsed JSON body; throws GatewayError (invalid_request with param) on a bad one. */
  parse(body: unknown, headers: IncomingHttpHeaders): IngressRequest;
  /** Translation to and from the canonical (chat) form; null for APIs that have none (embeddings). */
  readonly codec: ClientCodec | null;
  /** Translation to and from the canonical embeddings form (pkg/canonical/embeddings.ts); absent for chat-family APIs. */
  readonly embeddingsCodec?: EmbeddingsClientCodec;
  /** The error response in this dialect: body text and extra headers (e.g. Anthropic's `request-id`). */
  errorResponse(e: IngressError, requestId: string): { readonly body: string; readonly headers: Readonly<Record<string, string>> };
  /** The terminal error event of a stream that already started (no success terminator follows). */
  streamErrorEvent(e: IngressError): string;
  /** Response content type of a stream in this dialect. */
  readonly streamContentType: string;
}

/** The part of an ingress that words errors: what the error handler and dispatch write with (OpenAI before a route matched). */
export type ErrorDialect = Pick<Ingress, 'errorResponse' | 'streamErrorEvent'>;
