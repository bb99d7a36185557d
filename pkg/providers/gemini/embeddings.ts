// The gemini × openai-embeddings pair: the canonical embeddings request → POST <baseURL>/models/<model>:batchEmbedContents
// (body from the Gemini dialect, pkg/dialects/gemini/embeddings.ts), and its answer back as vectors. Usage is null:
// the Gemini API reports no token count for embeddings, so the core estimates it (marked estimated).
import type { CanonicalEmbeddingsRequest } from '../../canonical/embeddings.ts';
import { decodeEmbeddingsResponse, encodeEmbeddingsRequest } from '../../dialects/gemini/embeddings.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, EmbeddingsAdapter, UpstreamRequest } from '../types.ts';
import { geminiEndpoint, geminiHeaders } from './request.ts';

export function geminiEmbeddings(baseURL: string): EmbeddingsAdapter {
  return {
    build(req: CanonicalEmbeddingsRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
      const endpoint = geminiEndpoint(baseURL, target.model, 'batchEmbedContents');
      const { headers, path } = geminiHeaders(target.provider, endpoint, ctx.requestId, false);
      const body = memoBody(ctx, `gemini-embed|${target.model}`, () => encodeEmbeddingsRequest(req, target.model));
      return { method: 'POST', origin: endpoint.origin, path, headers, body, stream: false };
    },
    decode: decodeEmbeddingsResponse,
  };
}
