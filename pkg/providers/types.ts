// The provider adapter contract: one small typed module per provider (pkg/providers/<name>/).
// The proxy core owns routing, retries, fallback, client I/O and accounting; an adapter owns the wire format.
import type { Dispatcher } from 'undici';
import type { TableProvider, TableTimeouts } from '../table/types.ts';

export type Operation = 'chat' | 'embeddings';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly cachedInputTokens?: number;
  readonly reasoningTokens?: number;
  /** True when estimated by us rather than reported by the provider. */
  readonly estimated?: boolean;
}

/** One upstream target, resolved for the hot path. */
export interface BoundTarget {
  readonly provider: TableProvider;
  /** Model name sent upstream. */
  readonly model: string;
  /** Provider timeouts merged with the route's overrides. */
  readonly timeouts: TableTimeouts;
}

export interface AttemptContext {
  readonly op: Operation;
  /** Parsed client body in the OpenAI dialect. Adapters must not mutate it (copy, then patch). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly stream: boolean;
  /** The client asked for usage in the stream (stream_options.include_usage === true). */
  readonly clientWantsUsage: boolean;
  readonly target: BoundTarget;
  /** Aborted when the client disconnects or a gateway deadline passes. */
  readonly signal: AbortSignal;
  readonly requestId: string;
}

export interface UpstreamResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /** Release the body without reading it (on error paths). */
  dump(): Promise<void>;
}

/** Why an attempt failed; drives retry, fallback and the client-facing error. */
export type FailureKind =
  | 'connect' // nothing reached the upstream: safe to retry anywhere
  | 'timeout' // connect, first-byte or idle deadline passed
  | 'rate_limited' // 429
  | 'server' // 5xx / 529
  | 'auth' // upstream 401/403: our credentials are wrong
  | 'client' // upstream 4xx caused by the request: never retried, returned to the client
  | 'invalid' // upstream answered garbage
  | 'tls';

export interface UpstreamFailure {
  readonly kind: FailureKind;
  readonly status?: number;
  /** Seconds the upstream asked us to wait (Retry-After, seconds or HTTP-date, already converted). */
  readonly retryAfter?: number;
  /** A message safe to show the client (sanitised: no credentials, hostnames or raw bodies beyond the provider's error message). */
  readonly message?: string;
  /** The provider's error type/code, if any, for client-facing 4xx passthrough. */
  readonly upstreamCode?: string;
  readonly param?: string | null;
}

export class UpstreamFailureError extends Error {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure, cause?: unknown) {
    super(`upstream failure: ${failure.kind}${failure.status ? ` ${failure.status}` : ''}`, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamFailureError';
    this.failure = failure;
  }
}

export interface TranslatedResponse {
  /** Body to send to the client (OpenAI dialect JSON). */
  readonly body: string | Uint8Array;
  readonly usage: Usage | null;
}

export interface StreamEndResult {
  /** Bytes still to send (may be empty). Never contains [DONE] when outcome is not 'complete'. */
  readonly tail: string;
  /** complete: saw the terminal marker; truncated: upstream closed early. */
  readonly outcome: 'complete' | 'truncated';
  readonly usage: Usage | null;
  /** An in-band error event the upstream sent, if any (translated to our terminal error by the core). */
  readonly error?: UpstreamFailure;
}

/** Per-request stream state: raw upstream bytes in, OpenAI SSE bytes out. */
export interface StreamTranslator {
  /** Feed upstream bytes; returns what to write to the client now ('' when nothing is complete yet). */
  push(chunk: Uint8Array): string;
  /** Upstream body ended. */
  end(): StreamEndResult;
  /** True once at least one content event was produced for the client. */
  readonly started: boolean;
}

export interface ProviderAdapter {
  readonly type: string;
  /** Send one attempt; resolves when the response head arrives. Throws UpstreamFailureError for connect/timeout/TLS faults. */
  send(ctx: AttemptContext): Promise<UpstreamResponse>;
  /** Classify a non-2xx response (the body is already read, capped). */
  classifyError(ctx: AttemptContext, status: number, headers: UpstreamResponse['headers'], body: Uint8Array): UpstreamFailure;
  /** Translate a complete 2xx non-stream body. Throws UpstreamFailureError(kind 'invalid') on garbage. */
  translateResponse(ctx: AttemptContext, body: Uint8Array): TranslatedResponse;
  /** A fresh translator for one streamed response. */
  createStreamTranslator(ctx: AttemptContext): StreamTranslator;
}

/** Resources adapters share, built by the proxy's composition root. */
export interface AdapterDeps {
  /** Returns the connection pool for an origin with the provider's connect timeout. */
  dispatcherFor(provider: TableProvider): Dispatcher;
}

export type AdapterFactory = (provider: TableProvider, deps: AdapterDeps) => ProviderAdapter;
