// Building upstream requests for OpenAI-dialect providers: the endpoint per client API, headers, and the patched
// client body (native pairs) or the provider codec's body (translated pairs). Pure: no I/O.
import type { ClientApi } from '../../canonical/types.ts';
import type { IngressRequest } from '../../ingress/types.ts';
import type { BoundTarget, BuildContext, UpstreamRequest } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { authorize } from '../http/authorize.ts';
import { forwardableRaw } from '../http/raw-body.ts';
import { resolveEndpoint } from '../http/send.ts';
import type { Endpoint } from '../http/send.ts';

/** Differences between OpenAI-compatible servers that change the request. */
export interface WireQuirks {
  /** The server accepts `stream_options` (include_usage). When false it is removed from the body. */
  readonly streamOptions: boolean;
  /** The chat output-cap field the server takes (absent: `max_completion_tokens`, bodies as sent). See applyMaxTokensField. */
  readonly maxTokensField?: 'max_completion_tokens' | 'max_tokens';
}

export const OPENAI_QUIRKS: WireQuirks = { streamOptions: true };

const SUFFIX: Readonly<Partial<Record<ClientApi, string>>> = {
  'openai-chat': '/chat/completions',
  'openai-completions': '/completions',
  'openai-embeddings': '/embeddings',
  'openai-responses': '/responses',
};

export type Endpoints = Readonly<Partial<Record<ClientApi, Endpoint>>>;

/** The endpoints of `apis` under the provider's baseURL, resolved once per adapter. */
export function openAIEndpoints(baseURL: string, apis: Iterable<ClientApi>): Endpoints {
  const out: Partial<Record<ClientApi, Endpoint>> = {};
  for (const api of apis) {
    const suffix = SUFFIX[api];
    if (suffix !== undefined) out[api] = resolveEndpoint(baseURL, suffix);
  }
  return out;
}

/** Streams of these APIs carry usage only when asked with stream_options.include_usage. */
const STREAM_OPTIONS_APIS: ReadonlySet<ClientApi> = new Set(['openai-chat', 'openai-completions']);

/** True when a chat body must have its output cap renamed for a server that knows only `max_tokens`. */
function needsMaxTokensRename(body: Readonly<Record<string, unknown>>, api: ClientApi, quirks: WireQuirks): boolean {
  return quirks.maxTokensField === 'max_tokens' && api === 'openai-chat' && body.max_completion_tokens !== undefined;
}

/**
 * The output-cap quirk (the preset descriptor's `maxTokensField`), applied to a chat body about to be sent: for a
 * server that knows only `max_tokens`, `max_completion_tokens` becomes `max_tokens` (it wins over a `max_tokens`
 * also sent, as OpenAI documents; null stays null). Other APIs and servers are left alone.
 */
export function applyMaxTokensField(out: Record<string, unknown>, api: ClientApi, quirks: WireQuirks): void {
  if (!needsMaxTokensRename(out, api, quirks)) return;
  out.max_tokens = out.max_completion_tokens;
  delete out.max_completion_tokens;
}

/**
 * A body patched, not copied field by field (unknown fields pass through): `model` is the target's model; the
 * output cap is renamed for servers that know only `max_tokens` (applyMaxTokensField); for chat and completions
 * streams, `stream_options.include_usage` is forced on when the provider reports stream usage (or `stream_options`
 * removed when the server rejects it).
 */
export function patchBody(body: Readonly<Record<string, unknown>>, api: ClientApi, stream: boolean, target: BoundTarget, quirks: WireQuirks): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body, model: target.model };
  applyMaxTokensField(out, api, quirks);
  if (!stream || !STREAM_OPTIONS_APIS.has(api)) return out;
  if (!quirks.streamOptions) {
    delete out.stream_options;
  } else if (target.provider.streamUsage) {
    const current = out.stream_options;
    const base = typeof current === 'object' && current !== null && !Array.isArray(current) ? current : {};
    out.stream_options = { ...base, include_usage: true };
  }
  return out;
}

// Framing and hop-by-hop headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);

/** The provider's extra headers, minus the reserved ones (lower-case names). */
export function providerHeaders(provider: TableProvider): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  return headers;
}

/** The static part of a provider's request headers (non-stream, stream), built once per table Provider object. */
const staticHeaders = new WeakMap<TableProvider, readonly [Readonly<Record<string, string>>, Readonly<Record<string, string>>]>();

function staticHeadersOf(provider: TableProvider): readonly [Readonly<Record<string, string>>, Readonly<Record<string, string>>] {
  let pair = staticHeaders.get(provider);
  if (pair === undefined) {
    const make = (accept: string): Record<string, string> => {
      const headers = providerHeaders(provider);
      headers['content-type'] = 'application/json';
      headers.accept = accept;
      headers['accept-encoding'] = 'identity';
      return headers;
    };
    pair = [make('application/json'), make('text/event-stream')];
    staticHeaders.set(provider, pair);
  }
  return pair;
}

/**
 * Request headers: the provider's extra headers, then ours (which win). The credential is added by authorize().
 * Everything but the request id is built once per Provider object of the table (staticHeadersOf) and copied.
 */
export function buildHeaders(provider: TableProvider, requestId: string, stream: boolean): Record<string, string> {
  const headers = { ...staticHeadersOf(provider)[stream ? 1 : 0] };
  headers['x-request-id'] = requestId;
  return headers;
}

/** The body text for `key`, serialised at most once per request (BuildContext.bodies). */
export function memoBody(ctx: BuildContext, key: string, make: () => unknown): string {
  let body = ctx.bodies.get(key);
  if (body === undefined) {
    body = JSON.stringify(make());
    ctx.bodies.set(key, body);
  }
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

/**
 * A native pair's body for `key`, at most once per request: the client's original bytes when `unchanged` (no field
 * must change) and they are forwardable (raw-body.ts), otherwise `patch()` serialised.
 */
export function memoNativeBody(ctx: BuildContext, key: string, req: IngressRequest, unchanged: boolean, patch: () => unknown): string | Uint8Array {
  let body = ctx.bodies.get(key);
  if (body === undefined) {
    body = (unchanged ? forwardableRaw(req) : null) ?? JSON.stringify(patch());
    ctx.bodies.set(key, body);
  }
  return body;
}

/** True when patchBody would return a body equal to the client's (so the original bytes can be forwarded). */
export function patchIsNoop(body: Readonly<Record<string, unknown>>, api: ClientApi, stream: boolean, target: BoundTarget, quirks: WireQuirks): boolean {
  if (body.model !== target.model || needsMaxTokensRename(body, api, quirks)) return false;
  if (!stream || !STREAM_OPTIONS_APIS.has(api)) return true;
  const so = body.stream_options;
  if (!quirks.streamOptions) return so === undefined;
  if (!target.provider.streamUsage) return true;
  return typeof so === 'object' && so !== null && !Array.isArray(so) && (so as Record<string, unknown>).include_usage === true;
}

/** The native (passthrough) request of an OpenAI-dialect provider. */
export function buildOpenAINative(endpoints: Endpoints, quirks: WireQuirks, req: IngressRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
  const endpoint = endpoints[req.api];
  if (endpoint === undefined) throw new Error(`OpenAI adapter: no native endpoint for ${req.api}`);
  const key = `openai-native|${req.api}|${quirks.streamOptions}|${quirks.maxTokensField ?? ''}|${target.provider.streamUsage}|${target.model}`;
  const headers = buildHeaders(target.provider, ctx.requestId, req.stream);
  return {
    method: 'POST',
    origin: endpoint.origin,
    path: authorize(target.provider.credential, headers, endpoint),
    headers,
    body: memoNativeBody(ctx, key, req, patchIsNoop(req.body, req.api, req.stream, target, quirks), () => patchBody(req.body, req.api, req.stream, target, quirks)),
    stream: req.stream,
  };
}
