// The vertex-ai × openai-embeddings pair: Google's text embedding models on Vertex AI (gemini-embedding-001,
// text-embedding-005, text-multilingual-embedding-002) through the prediction endpoint:
//   POST …/publishers/google/models/{model}:predict
//   {instances: [{content, task_type?}], parameters?: {outputDimensionality}}
//   → {predictions: [{embeddings: {values, statistics: {token_count, truncated}}}]}
// - One instance per input, in order; input_type query / document → task_type RETRIEVAL_QUERY / RETRIEVAL_DOCUMENT
//   (none given: none sent, as the gemini provider does, so the same model gives the same vectors through either).
// - dimensions → parameters.outputDimensionality. `user` has no place: dropped.
// - gemini-embedding-001 takes one instance per request on Vertex: several inputs are refused with 400 naming the
//   model and `input`; the other models take up to 250 (more refused with 400 rather than split).
// - Usage: the sum of statistics.token_count over the predictions; when one lacks it, none (the core estimates).
// - Claude models do not embed; Gemini models other than gemini-embedding-001 are served by Vertex's embedContent
//   method instead (as @google/genai decides: tIsVertexEmbedContentModel), which the gateway does not call: both
//   refused with 400 naming the model before anything is sent.
// The bearer token is added by the transport. Pure.
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../../canonical/embeddings.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { TableProvider } from '../../table/types.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, EmbeddingsAdapter, UpstreamRequest } from '../types.ts';
import { UpstreamFailureError } from '../types.ts';
import { vertexEndpoint, vertexFamily } from './endpoint.ts';
import type { VertexProvider } from './endpoint.ts';
import { vertexGeminiHeaders } from './gemini.ts';

/** The documented per-request limit of the text embeddings API (instances per :predict call). */
export const MAX_PREDICT_INSTANCES = 250;

/** Models that take one instance per request on Vertex AI. */
const SINGLE_INSTANCE = /^gemini-embedding-001(@|$)/;

const TASK: Readonly<Record<NonNullable<CanonicalEmbeddingsRequest['inputType']>, string>> = { query: 'RETRIEVAL_QUERY', document: 'RETRIEVAL_DOCUMENT' };

function refuse(param: string, message: string): never {
  throw new GatewayError('invalid_request', { param, message });
}

/** The :predict body for `model` (pure); throws GatewayError invalid_request when the request cannot be sent to it. */
export function encodePredictEmbeddingsBody(req: CanonicalEmbeddingsRequest, model: string): Record<string, unknown> {
  if (vertexFamily(model) === 'anthropic') refuse('model', `The Vertex AI model ${model} is a Claude model: it does not embed.`);
  if ((/gemini/i.test(model) && !SINGLE_INSTANCE.test(model)) || /maas/i.test(model)) {
    refuse('model', `The Vertex AI model ${model} embeds through the embedContent method, which the gateway does not call: `
      + 'use gemini-embedding-001, text-embedding-005 or text-multilingual-embedding-002.');
  }
  const max = SINGLE_INSTANCE.test(model) ? 1 : MAX_PREDICT_INSTANCES;
  if (req.inputs.length > max) {
    refuse('input', max === 1
      ? `The Vertex AI model ${model} embeds one input per request; ${req.inputs.length} were given.`
      : `Vertex AI embeds at most ${max} inputs per request; ${req.inputs.length} were given.`);
  }
  const task = req.inputType === undefined ? undefined : TASK[req.inputType];
  return {
    instances: req.inputs.map((content) => ({ content, ...(task === undefined ? {} : { task_type: task }) })),
    ...(req.dimensions === undefined ? {} : { parameters: { outputDimensionality: req.dimensions } }),
  };
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(message: string): never {
  throw new UpstreamFailureError({ kind: 'invalid', message });
}

/** A :predict answer → one vector per prediction and the summed token counts. */
export function decodePredictEmbeddingsResponse(body: unknown): CanonicalEmbeddingsResponse {
  if (!isObj(body) || !Array.isArray(body.predictions) || body.predictions.length === 0) return invalid('The upstream answer is not a Vertex AI embeddings prediction.');
  let tokens: number | null = 0;
  const vectors = (body.predictions as unknown[]).map((p) => {
    const e = isObj(p) ? p.embeddings : undefined;
    const values = isObj(e) ? e.values : undefined;
    if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return invalid('The upstream sent a prediction without numeric embeddings.values.');
    }
    const n = isObj(e) && isObj(e.statistics) ? e.statistics.token_count : undefined;
    tokens = tokens !== null && typeof n === 'number' && Number.isFinite(n) && n >= 0 ? tokens + Math.round(n) : null;
    return values as number[];
  });
  return { vectors, usage: tokens === null ? null : { inputTokens: tokens } };
}

export function vertexEmbeddings(provider: VertexProvider & Pick<TableProvider, 'headers'>): EmbeddingsAdapter {
  return {
    build(req: CanonicalEmbeddingsRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
      const body = memoBody(ctx, `vertex-embed|${target.model}`, () => encodePredictEmbeddingsBody(req, target.model));
      const to = vertexEndpoint(provider, 'google', target.model, 'predict');
      return { method: 'POST', origin: to.origin, path: to.path, headers: vertexGeminiHeaders(provider, ctx.requestId, false), body, stream: false };
    },
    decode: decodePredictEmbeddingsResponse,
  };
}
