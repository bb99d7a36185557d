// Gemini models on Vertex AI (publisher google): the Gemini codec's generateContent body (pkg/dialects/gemini, the
// same JSON as the Gemini API) sent to …/publishers/google/models/{model}:generateContent, or to
// :streamGenerateContent?alt=sse for a stream. The bearer token is added by the transport. Pure.
import type { CanonicalRequest } from '../../canonical/types.ts';
import { encodeRequest } from '../../dialects/gemini/index.ts';
import type { TableProvider } from '../../table/types.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, UpstreamRequest } from '../types.ts';
import { vertexEndpoint } from './endpoint.ts';
import type { VertexProvider } from './endpoint.ts';

// Framing, hop-by-hop and credential headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization', 'authorization']);

/** The Provider's extra headers, then ours. */
export function vertexGeminiHeaders(provider: Pick<TableProvider, 'headers'>, requestId: string, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = requestId;
  return headers;
}

export function buildVertexGeminiCanonical(provider: VertexProvider & Pick<TableProvider, 'headers'>, creq: CanonicalRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
  const to = vertexEndpoint(provider, 'google', target.model, creq.stream ? 'streamGenerateContent' : 'generateContent');
  const body = memoBody(ctx, `vertex-gemini|${target.model}`, () => encodeRequest(creq, target.model));
  return { method: 'POST', origin: to.origin, path: to.path, headers: vertexGeminiHeaders(provider, ctx.requestId, creq.stream), body, stream: creq.stream };
}
