// The provider adapter contract (ADR 0016): one small typed module per provider (pkg/providers/<type>/).
// The proxy core owns routing, retries, fallback, client I/O, accounting and sending; an adapter owns the wire
// format. Request building is pure — (request, target) → UpstreamRequest — and comes in two flavours:
//   - native: the client API is one the provider speaks (`nativeApis`): the client's body is passed through with
//     only what must change patched, answers and SSE events are forwarded as received (usage extracted on the way);
//   - canonical: every other client API: the ingress codec decodes the body once per request, the adapter encodes
//     it with its provider codec, and answers go back through the provider codec's decoder.
import type { Dispatcher } from 'undici';
import type { ProviderCodec } from '../canonical/codec.ts';
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../canonical/embeddings.ts';
import type { CanonicalRequest, ClientApi } from '../canonical/types.ts';
import type { IngressRequest } from '../ingress/types.ts';
import type { TableProvider, TableTimeouts } from '../table/types.ts';
import type { CredentialSources } from './http/credential-sources.ts';

export type Operation = 'chat' | 'embeddings';

export interface Usage {
  /** All input tokens, cached and cache-write included. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly cachedInputTokens?: number;
  /** Input tokens written to the provider's prompt cache (Anthropic cache_creation_input_tokens). */
  readonly cacheWriteTokens?: number;
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

/** What a builder needs besides the request and the target. */
export interface BuildContext {
  readonly requestId: string;
  /**
   * Upstream bodies already serialised for this request, keyed by the adapter (its dialect variant and the upstream
   * model): a body is serialised once per upstream model, never once per attempt.
   */
  readonly bodies: Map<string, string | Uint8Array>;
}

/** A request ready to send: pure data. `origin` + `path` is the URL (kept apart so the pool is found without parsing). */
export interface UpstreamRequest {
  readonly method: 'POST';
  /** e.g. "https://api.openai.com". */
  readonly origin: string;
  /** Path and query, e.g. "/v1/chat/completions". Never built from client input. */
  readonly path: string;
  /** Lower-case names. Holds the credential: never log this object. */
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text, or the client's original bytes on a native pair that needed no patch (IngressRequest.rawBody). */
  readonly body: string | Uint8Array;
  /** The answer is an SSE stream. */
  readonly stream: boolean;
}

export interface UpstreamResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: AsyncIterable<Uint8Array>;
  /** Release the body without reading it (on error paths). */
  dump(): Promise<void>;
}

/** Sends one request; resolves at the response head. Throws UpstreamFailureError, or the signal's reason when aborted. */
export type Transport = (req: UpstreamRequest, timeouts: TableTimeouts, signal: AbortSignal) => Promise<UpstreamResponse>;

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
  /**
   * Whether the request may have reached the upstream when no answer came back (ADR 0023). 'pre-dispatch': nothing
   * was sent (connect refused, DNS, connect or TLS handshake failure, no free pooled connection in time): safe to
   * replay anywhere, nothing billed. 'uncertain': it may have been received and billed (reset after send, first-byte
   * or idle timeout, body cut short): flagged in the access log, not retried on the same target. Absent: the upstream
   * answered (a status code or an in-band error).
   */
  readonly delivery?: 'pre-dispatch' | 'uncertain';
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
  /** Body to send to the client, in the client's dialect. */
  readonly body: string | Uint8Array;
  readonly usage: Usage | null;
}

export interface StreamEndResult {
  /** Bytes still to send (may be empty). Never contains the success terminator when outcome is not 'complete'. */
  readonly tail: string;
  /** complete: saw the terminal marker; truncated: upstream closed early. */
  readonly outcome: 'complete' | 'truncated';
  readonly usage: Usage | null;
  /** An in-band error event the upstream sent, if any (translated to our terminal error by the core). */
  readonly error?: UpstreamFailure;
}

/** Per-request stream state: raw upstream bytes in, the client's SSE bytes out. */
export interface StreamTranslator {
  /** Feed upstream bytes; returns what to write to the client now ('' when nothing is complete yet). */
  push(chunk: Uint8Array): string;
  /** Upstream body ended. */
  end(): StreamEndResult;
  /** True once at least one event was produced for the client. */
  readonly started: boolean;
  /**
   * True once an event carrying content (text, a tool call, reasoning) was produced: the response head is held
   * until then (design §3), so that anything failing before it can fail over.
   */
  readonly contentSeen: boolean;
  /** An in-band error seen so far (the translator produces nothing after it). */
  readonly inBandError: UpstreamFailure | undefined;
}

/**
 * Embeddings through the canonical form (issue 9), for a provider that lists 'openai-embeddings' in its descriptor's
 * translatedApis (and 'embeddings' in its operations). Pure, like the other builders.
 */
export interface EmbeddingsAdapter {
  /** The upstream request (e.g. Gemini batchEmbedContents, Cohere v2 embed) for `target.model`; throws GatewayError invalid_request when inexpressible. */
  build(req: CanonicalEmbeddingsRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest;
  /** A complete 2xx JSON body (parsed) → one vector per input; throws UpstreamFailureError kind 'invalid' on garbage. */
  decode(body: unknown): CanonicalEmbeddingsResponse;
}

export interface ProviderAdapter {
  readonly type: string;
  /** Client APIs served by passthrough; every other one goes through the canonical form and `providerCodec`. */
  readonly nativeApis: ReadonlySet<ClientApi>;
  /**
   * Whether this request to this target is passed through; absent = `nativeApis.has(req.api)`. For provider types
   * whose models speak different APIs (vertex-ai: Claude models take Anthropic Messages bodies, Gemini models do not).
   */
  isNative?(req: IngressRequest, target: BoundTarget): boolean;
  /** The provider's dialect codec; null when the provider has none (it then serves only its native APIs). */
  readonly providerCodec: ProviderCodec | null;
  /** The upstream request for a native pair: the client's body with only what must change patched. */
  buildNative(req: IngressRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest;
  /** The upstream request for a translated pair, from the canonical request (decoded once per client request). */
  buildCanonical(creq: CanonicalRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest;
  /** Classify a non-2xx response (the body is already read, capped). */
  classifyError(target: BoundTarget, status: number, headers: UpstreamResponse['headers'], body: Uint8Array): UpstreamFailure;
  /** A complete 2xx body of a native pair: passed through, usage extracted. Throws UpstreamFailureError('invalid') on garbage. */
  nativeResponse(req: IngressRequest, target: BoundTarget, body: Uint8Array): TranslatedResponse;
  /** A fresh passthrough translator for one streamed response of a native pair. */
  nativeStream(req: IngressRequest, target: BoundTarget): StreamTranslator;
  /** How requests reach the upstream (HTTP through sendUpstream; in-process for `fake`). */
  readonly transport: Transport;
  /** Translated embeddings (the OpenAI Embeddings API for a provider that does not serve it natively); absent = none. */
  readonly embeddings?: EmbeddingsAdapter;
}

/** Resources adapters share, built by the proxy's composition root. */
export interface AdapterDeps {
  /** Returns the connection pool for an origin with the provider's connect timeout. */
  dispatcherFor(provider: TableProvider): Dispatcher;
  /**
   * Credentials fetched and refreshed in the background (OAuth tokens, assumed-role keys), one per
   * credentialKey(provider) (pkg/providers/http/credential-sources.ts); kept across table swaps.
   */
  readonly sources: CredentialSources;
}

export type AdapterFactory = (provider: TableProvider, deps: AdapterDeps) => ProviderAdapter;
