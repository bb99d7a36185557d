// Anthropic models on Vertex AI (rawPredict / streamRawPredict): the body is an Anthropic Messages body without
// `model` (the model is in the URL) and with `anthropic_version: "vertex-2023-10-16"`; answers, SSE events and
// errors are Anthropic's. Everything else is the anthropic provider's: headers (request.ts), the codec
// (pkg/dialects/anthropic-messages) and the native answer and stream handling (anthropic-messages.ts). Pure.
import type { CanonicalRequest } from '../../canonical/types.ts';
import { encodeRequest } from '../../dialects/anthropic-messages/encode-request.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { IngressRequest } from '../../ingress/types.ts';
import { buildAnthropicHeaders } from '../anthropic/request.ts';
import type { AnthropicProvider } from '../anthropic/request.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, UpstreamRequest } from '../types.ts';
import { vertexCountTokensEndpoint, vertexEndpoint } from './endpoint.ts';
import type { VertexProvider } from './endpoint.ts';

/** The Messages API version Vertex AI expects in the body (Anthropic's "Claude on Vertex AI" page). */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

type Obj = Record<string, unknown>;

/** A Messages body for rawPredict: `model` dropped, the client's anthropic_version kept, else Vertex's. */
export function vertexAnthropicBody(body: Readonly<Obj>): Obj {
  const { model: _model, ...rest } = body;
  return { ...rest, anthropic_version: typeof body.anthropic_version === 'string' && body.anthropic_version !== '' ? body.anthropic_version : VERTEX_ANTHROPIC_VERSION };
}

/** A count_tokens body: Vertex keeps `model` in it (the path names the count-tokens "model"). */
export function vertexCountTokensBody(body: Readonly<Obj>, model: string): Obj {
  return { ...body, model, anthropic_version: typeof body.anthropic_version === 'string' && body.anthropic_version !== '' ? body.anthropic_version : VERTEX_ANTHROPIC_VERSION };
}

/**
 * Vertex AI refuses URL sources in document blocks (base64 and text only): refused here with the client's error
 * rather than an upstream 400, like Anthropic's Vertex SDK does.
 */
function refuseDocumentURLs(body: Readonly<Obj>): void {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  const isUrlDoc = (b: unknown): boolean => {
    if (typeof b !== 'object' || b === null) return false;
    const block = b as Obj;
    const src = block.source as Obj | undefined;
    return block.type === 'document' && typeof src === 'object' && src !== null && src.type === 'url';
  };
  for (const m of messages) {
    const content = typeof m === 'object' && m !== null ? (m as Obj).content : undefined;
    if (!Array.isArray(content)) continue;
    for (const b of content as unknown[]) {
      const nested = typeof b === 'object' && b !== null && (b as Obj).type === 'tool_result' && Array.isArray((b as Obj).content) ? ((b as Obj).content as unknown[]) : [];
      if (isUrlDoc(b) || nested.some(isUrlDoc)) {
        throw new GatewayError('invalid_request', { param: 'messages', message: 'Vertex AI does not accept URL sources for documents; send the document as base64 or text.' });
      }
    }
  }
}

/** Headers: the anthropic provider's (anthropic-beta merged on native pairs), without a credential (the transport adds the token). */
function headers(provider: VertexProvider & Pick<AnthropicProvider, 'headers'>, requestId: string, stream: boolean, client?: Readonly<Record<string, string>>): Record<string, string> {
  return buildAnthropicHeaders({ baseURL: '', headers: provider.headers, credential: null }, { requestId, stream, ...(client !== undefined ? { client } : {}) });
}

export type VertexAnthropicProvider = VertexProvider & Pick<AnthropicProvider, 'headers'>;

/** A native Messages (or count_tokens) request to a claude model: the client's body patched, nothing else changed. */
export function buildVertexAnthropicNative(provider: VertexAnthropicProvider, req: IngressRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
  refuseDocumentURLs(req.body);
  if (req.countTokens === true) {
    const to = vertexCountTokensEndpoint(provider);
    const body = memoBody(ctx, `vertex-anthropic-count|${target.model}`, () => vertexCountTokensBody(req.body, target.model));
    return { method: 'POST', origin: to.origin, path: to.path, headers: headers(provider, ctx.requestId, false, req.forwardHeaders), body, stream: false };
  }
  const to = vertexEndpoint(provider, 'anthropic', target.model, req.stream ? 'streamRawPredict' : 'rawPredict');
  const body = memoBody(ctx, `vertex-anthropic-native|${target.model}`, () => vertexAnthropicBody(req.body));
  return { method: 'POST', origin: to.origin, path: to.path, headers: headers(provider, ctx.requestId, req.stream, req.forwardHeaders), body, stream: req.stream };
}

/** The canonical request as a rawPredict body: the Anthropic provider codec's body, document URLs refused, patched. */
export function encodeVertexAnthropic(creq: CanonicalRequest, model: string): Obj {
  const encoded = encodeRequest(creq, model);
  refuseDocumentURLs(encoded);
  return vertexAnthropicBody(encoded);
}

/** A translated request to a claude model: the canonical request encoded by the Anthropic provider codec, then patched. */
export function buildVertexAnthropicCanonical(provider: VertexAnthropicProvider, creq: CanonicalRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
  const to = vertexEndpoint(provider, 'anthropic', target.model, creq.stream ? 'streamRawPredict' : 'rawPredict');
  const body = memoBody(ctx, `vertex-anthropic-canonical|${target.model}`, () => encodeVertexAnthropic(creq, target.model));
  return { method: 'POST', origin: to.origin, path: to.path, headers: headers(provider, ctx.requestId, creq.stream), body, stream: creq.stream };
}
