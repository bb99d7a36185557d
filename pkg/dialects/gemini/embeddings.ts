// Embeddings on the Gemini API: the canonical embeddings request → a batchEmbedContents body (one request per input,
// each naming the model, as the API requires), and its answer {embeddings: [{values}]} → one vector per input. Pure;
// the URL and credential are the caller's. The Gemini API reports no token count for embeddings: usage is null and
// the core estimates it. input_type query / document → taskType RETRIEVAL_QUERY / RETRIEVAL_DOCUMENT;
// dimensions → outputDimensionality. More than MAX_BATCH inputs (batchEmbedContents' documented limit) are refused
// with 400 naming `input`, rather than split.
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../../canonical/embeddings.ts';
import { GatewayError } from '../../errors/errors.ts';
import { invalid, isObj } from './decode-response.ts';
import type { WireBatchEmbedContentsRequest, WireTaskType } from './wire.ts';

const TASK: Readonly<Record<NonNullable<CanonicalEmbeddingsRequest['inputType']>, WireTaskType>> = { query: 'RETRIEVAL_QUERY', document: 'RETRIEVAL_DOCUMENT' };

/** "gemini-embedding-001" → "models/gemini-embedding-001"; a name that already has a collection prefix is kept. */
export function modelResource(model: string): string {
  return /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
}

/** The most requests one batchEmbedContents call takes. */
export const MAX_BATCH = 100;

export function encodeEmbeddingsRequest(req: CanonicalEmbeddingsRequest, model: string): WireBatchEmbedContentsRequest {
  if (req.inputs.length > MAX_BATCH) {
    throw new GatewayError('invalid_request', { param: 'input', message: `Gemini embeds at most ${MAX_BATCH} inputs per request; ${req.inputs.length} were given.` });
  }
  const name = modelResource(model);
  return {
    requests: req.inputs.map((text) => ({
      model: name,
      content: { parts: [{ text }] },
      ...(req.inputType === undefined ? {} : { taskType: TASK[req.inputType] }),
      ...(req.dimensions === undefined ? {} : { outputDimensionality: req.dimensions }),
    })),
  };
}

export function decodeEmbeddingsResponse(body: unknown): CanonicalEmbeddingsResponse {
  if (!isObj(body) || !Array.isArray(body.embeddings)) invalid('The upstream answer is not a Gemini batchEmbedContents response.');
  const vectors = (body.embeddings as unknown[]).map((e) => {
    const values = isObj(e) ? e.values : undefined;
    if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) invalid('The upstream sent an embedding without numeric "values".');
    return values as number[];
  });
  return { vectors, usage: null };
}
