// The cohere × openai-embeddings pair: the canonical embeddings request → POST /v2/embed, and its answer back.
// - texts = the inputs; input_type from the canonical inputType (query → search_query; document, or none given →
//   search_document, Cohere's type for texts stored to be searched). Cohere's classification / clustering types have
//   no canonical spelling and are not reachable through the OpenAI Embeddings API.
// - embedding_types ["float"] always: the core encodes base64 itself from floats. dimensions → output_dimension.
// - More than 96 texts (Cohere's documented per-call limit) are refused with 400 naming `input`, rather than split.
// - Usage: meta.billed_units.input_tokens (what Cohere bills), else meta.tokens.input_tokens, else none (the core
//   then estimates).
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../../canonical/embeddings.ts';
import { GatewayError } from '../../errors/errors.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, EmbeddingsAdapter, UpstreamRequest } from '../types.ts';
import { UpstreamFailureError } from '../types.ts';
import { cohereEndpoints, cohereHeaders } from './request.ts';

export const MAX_EMBED_TEXTS = 96;

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(message: string): never {
  throw new UpstreamFailureError({ kind: 'invalid', message });
}

/** The /v2/embed body for `model` (pure). */
export function encodeEmbedRequest(req: CanonicalEmbeddingsRequest, model: string): Record<string, unknown> {
  if (req.inputs.length > MAX_EMBED_TEXTS) {
    throw new GatewayError('invalid_request', { param: 'input', message: `Cohere embeds at most ${MAX_EMBED_TEXTS} inputs per request; ${req.inputs.length} were given.` });
  }
  return {
    model,
    texts: [...req.inputs],
    input_type: req.inputType === 'query' ? 'search_query' : 'search_document',
    embedding_types: ['float'],
    ...(req.dimensions !== undefined ? { output_dimension: req.dimensions } : {}),
  };
}

function tokens(meta: unknown): number | undefined {
  if (!isObj(meta)) return undefined;
  for (const k of ['billed_units', 'tokens']) {
    const u = meta[k];
    if (isObj(u) && typeof u.input_tokens === 'number' && Number.isFinite(u.input_tokens) && u.input_tokens >= 0) return u.input_tokens;
  }
  return undefined;
}

/** A /v2/embed answer → vectors (embeddings.float) and usage. */
export function decodeEmbedResponse(body: unknown): CanonicalEmbeddingsResponse {
  if (!isObj(body) || !isObj(body.embeddings)) return invalid('The upstream answer is not a Cohere embed response.');
  const float = body.embeddings.float;
  if (!Array.isArray(float) || !float.every((v) => Array.isArray(v))) return invalid('The upstream embed response has no float embeddings.');
  const n = tokens(body.meta);
  return { vectors: float as number[][], usage: n === undefined ? null : { inputTokens: n } };
}

export function cohereEmbeddings(baseURL: string): EmbeddingsAdapter {
  const endpoint = cohereEndpoints(baseURL).embed;
  return {
    build(req: CanonicalEmbeddingsRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
      const { headers, path } = cohereHeaders(target.provider, endpoint, ctx.requestId, false);
      const body = memoBody(ctx, `cohere-embed|${target.model}`, () => encodeEmbedRequest(req, target.model));
      return { method: 'POST', origin: endpoint.origin, path, headers, body, stream: false };
    },
    decode: decodeEmbedResponse,
  };
}
