// Pure request building for the anthropic provider: (request, target) → {method, origin, path, url, headers, body}.
// Native pairs (an inbound /v1/messages or /v1/messages/count_tokens body) are passed through with only `model`
// patched, every other field kept; translated pairs are encoded by the Anthropic provider codec. No I/O.
import type { CanonicalRequest } from '../../canonical/types.ts';
import { encodeRequest } from '../../dialects/anthropic-messages/encode-request.ts';
import type { TableProvider } from '../../table/types.ts';
import { ANTHROPIC_VERSION } from './descriptor.ts';

export type AnthropicEndpoint = 'messages' | 'count_tokens';

const SUFFIX: Readonly<Record<AnthropicEndpoint, string>> = { messages: '/messages', count_tokens: '/messages/count_tokens' };

/** What request building needs of a Provider. */
export type AnthropicProvider = Pick<TableProvider, 'baseURL' | 'headers' | 'credential'>;

/** Structurally an UpstreamRequest of the core (pkg/providers/types.ts), plus the full URL for convenience. */
export interface AnthropicRequest {
  readonly method: 'POST';
  readonly origin: string;
  readonly path: string;
  readonly url: string;
  /** Lower-case names. Holds the credential: never log this object. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly stream: boolean;
}

// Framing and hop-by-hop headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);

/** "<origin>" and "<path>" of an endpoint under the base URL (which includes /v1). */
export function anthropicEndpoint(baseURL: string, endpoint: AnthropicEndpoint): { readonly origin: string; readonly path: string } {
  const u = new URL(baseURL);
  return { origin: u.origin, path: `${u.pathname.replace(/\/+$/, '')}${SUFFIX[endpoint]}` };
}

/** Comma-separated beta flags merged without duplicates, order kept (the Provider's first). */
function mergeBeta(...values: (string | undefined)[]): string | undefined {
  const flags: string[] = [];
  for (const v of values) for (const f of (v ?? '').split(',').map((s) => s.trim())) if (f !== '' && !flags.includes(f)) flags.push(f);
  return flags.length === 0 ? undefined : flags.join(',');
}

export interface HeaderOptions {
  readonly requestId: string;
  readonly stream: boolean;
  /**
   * Client headers of a native pair (lower-case names): `anthropic-beta` is merged with the Provider's,
   * `anthropic-version` is kept when the Provider does not pin one. Translated pairs pass none.
   */
  readonly client?: Readonly<Record<string, string>>;
}

/**
 * Headers: the Provider's extra headers, then ours, then anthropic-version / anthropic-beta, then the credential
 * (x-api-key from the descriptor's auth scheme, already formatted by the compiler).
 */
export function buildAnthropicHeaders(provider: AnthropicProvider, opts: HeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = opts.stream ? 'text/event-stream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = opts.requestId;
  headers['anthropic-version'] = headers['anthropic-version'] ?? opts.client?.['anthropic-version'] ?? ANTHROPIC_VERSION;
  const beta = mergeBeta(headers['anthropic-beta'], opts.client?.['anthropic-beta']);
  if (beta !== undefined) headers['anthropic-beta'] = beta;
  const c = provider.credential;
  if (c !== null && 'header' in c) headers[c.header] = c.value;
  return headers;
}

function request(provider: AnthropicProvider, endpoint: AnthropicEndpoint, headers: Record<string, string>, body: string, stream: boolean): AnthropicRequest {
  const { origin, path } = anthropicEndpoint(provider.baseURL, endpoint);
  return { method: 'POST', origin, path, url: origin + path, headers, body, stream };
}

export interface NativeInput {
  /** The client's parsed body (not mutated). */
  readonly body: Readonly<Record<string, unknown>>;
  /** The client's body bytes as text: forwarded unchanged when `model` needs no patch. */
  readonly rawBody?: string;
  /** The upstream model (the target's). */
  readonly model: string;
  readonly requestId: string;
  readonly clientHeaders?: Readonly<Record<string, string>>;
}

function nativeBody(input: NativeInput): string {
  if (input.rawBody !== undefined && input.body.model === input.model) return input.rawBody;
  return JSON.stringify({ ...input.body, model: input.model });
}

/** POST <baseURL>/messages for an inbound Messages body: only `model` patched, unknown fields and beta headers kept. */
export function buildNativeMessages(provider: AnthropicProvider, input: NativeInput): AnthropicRequest {
  const stream = input.body.stream === true;
  const headers = buildAnthropicHeaders(provider, { requestId: input.requestId, stream, ...(input.clientHeaders !== undefined ? { client: input.clientHeaders } : {}) });
  return request(provider, 'messages', headers, nativeBody(input), stream);
}

/** POST <baseURL>/messages/count_tokens for an inbound count_tokens body: only `model` patched. */
export function buildNativeCountTokens(provider: AnthropicProvider, input: NativeInput): AnthropicRequest {
  const headers = buildAnthropicHeaders(provider, { requestId: input.requestId, stream: false, ...(input.clientHeaders !== undefined ? { client: input.clientHeaders } : {}) });
  return request(provider, 'count_tokens', headers, nativeBody(input), false);
}

/** POST <baseURL>/messages for a translated pair: the canonical request encoded by the Anthropic provider codec. */
export function buildCanonicalMessages(provider: AnthropicProvider, creq: CanonicalRequest, model: string, requestId: string): AnthropicRequest {
  const headers = buildAnthropicHeaders(provider, { requestId, stream: creq.stream });
  return request(provider, 'messages', headers, JSON.stringify(encodeRequest(creq, model)), creq.stream);
}

/** Fields of a Messages body that count_tokens accepts (its documented parameters). */
const COUNT_TOKENS_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'output_config', 'cache_control'];

/** POST <baseURL>/messages/count_tokens for a canonical request: the encoded body narrowed to count_tokens' fields. */
export function buildCanonicalCountTokens(provider: AnthropicProvider, creq: CanonicalRequest, model: string, requestId: string): AnthropicRequest {
  const full = encodeRequest({ ...creq, stream: false }, model);
  const body: Record<string, unknown> = {};
  for (const k of COUNT_TOKENS_FIELDS) if (full[k] !== undefined) body[k] = full[k];
  const headers = buildAnthropicHeaders(provider, { requestId, stream: false });
  return request(provider, 'count_tokens', headers, JSON.stringify(body), false);
}
