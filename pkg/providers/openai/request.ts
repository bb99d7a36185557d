// Building the upstream request for OpenAI-dialect providers: headers and the patched client body.
import type { AttemptContext } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';

/** Differences between OpenAI-compatible servers that change the request. */
export interface WireQuirks {
  /** The server accepts `stream_options` (include_usage). When false it is removed from the body. */
  readonly streamOptions: boolean;
}

export const OPENAI_QUIRKS: WireQuirks = { streamOptions: true };

/**
 * The client body patched, not copied field by field (unknown fields pass through): `model` is the target's model;
 * for streams, `stream_options.include_usage` is forced on when the provider reports stream usage.
 */
export function patchBody(ctx: AttemptContext, quirks: WireQuirks): Record<string, unknown> {
  const body: Record<string, unknown> = { ...ctx.body, model: ctx.target.model };
  if (ctx.op !== 'chat' || !ctx.stream) return body;
  if (!quirks.streamOptions) {
    delete body.stream_options;
  } else if (ctx.target.provider.streamUsage) {
    const current = body.stream_options;
    const base = typeof current === 'object' && current !== null && !Array.isArray(current) ? current : {};
    body.stream_options = { ...base, include_usage: true };
  }
  return body;
}

// Framing and hop-by-hop headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);

/**
 * Request headers: the provider's extra headers, then ours (which win), then the credential.
 * The credential value must never be logged: callers pass this object only to undici.
 */
export function buildHeaders(provider: TableProvider, ctx: AttemptContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED_HEADERS.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = ctx.stream ? 'text/event-stream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = ctx.requestId;
  if (provider.credential !== null) headers[provider.credential.header] = provider.credential.value;
  return headers;
}
