// The bedrock × openai-embeddings pair: the canonical embeddings request → InvokeModel (POST /model/{modelId}/invoke,
// SigV4-signed by the adapter's transport like Converse) with the body of the model's family, and its answer back as
// vectors. Bedrock has no one embeddings API: each family takes its own InvokeModel body. Two are served:
// - Amazon Titan Text Embeddings (amazon.titan-embed-text-v2:0; v1 and the G1 id): {inputText, dimensions?,
//   normalize: true} → {embedding, inputTextTokenCount}. ONE text per call, and one client request is one upstream
//   call: a request with several inputs is refused with 400 naming the model and `input` (route batches to a Cohere
//   Embed model on Bedrock, which takes up to 96). V1 takes neither dimensions nor normalize: dimensions refused.
// - Cohere Embed on Bedrock (cohere.embed-english-v3, cohere.embed-multilingual-v3, cohere.embed-v4:0, and inference
//   profile ids naming them): {texts, input_type, embedding_types: ["float"], output_dimension? (v4 only)} →
//   {embeddings: {float: [[…]]}} (or a bare array of float vectors when embedding_types is absent). input_type as the
//   cohere provider maps it (query → search_query, else search_document), so both give the same vectors. More than
//   96 texts refused with 400. Bedrock reports the token count in the X-Amzn-Bedrock-Input-Token-Count response
//   header only, which the embeddings seam does not hand to decode: usage is null and the core estimates it.
// The family is read from the model id (also inside inference profile ids and ARNs); any other model (application
// inference profile ARNs, Nova and Titan multimodal embeddings, …) is refused with 400 naming it. Pure, no I/O.
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../../canonical/embeddings.ts';
import { GatewayError } from '../../errors/errors.ts';
import { memoBody } from '../openai/request.ts';
import type { BoundTarget, BuildContext, EmbeddingsAdapter, UpstreamRequest } from '../types.ts';
import { UpstreamFailureError } from '../types.ts';
import type { BedrockProvider } from './request.ts';
import { bedrockBaseURL, buildBedrockHeaders, encodeLabel } from './request.ts';

/** The InvokeModel body families the gateway speaks for embeddings. */
export type BedrockEmbedFamily = 'titan-v2' | 'titan-v1' | 'cohere-v3' | 'cohere-v4';

/** Cohere Embed's documented per-call limit on Bedrock (texts per call). */
export const MAX_COHERE_TEXTS = 96;

/** The family of an embeddings model id (base id, inference profile id or ARN naming the model), or null. */
export function bedrockEmbedFamily(model: string): BedrockEmbedFamily | null {
  const m = model.toLowerCase();
  if (m.includes('amazon.titan-embed-text-v2')) return 'titan-v2';
  if (m.includes('amazon.titan-embed-text-v1') || m.includes('amazon.titan-embed-g1-text')) return 'titan-v1';
  if (m.includes('cohere.embed-v4')) return 'cohere-v4';
  if (m.includes('cohere.embed-english-v3') || m.includes('cohere.embed-multilingual-v3')) return 'cohere-v3';
  return null;
}

function refuse(param: string, message: string): never {
  throw new GatewayError('invalid_request', { param, message });
}

function titanBody(req: CanonicalEmbeddingsRequest, model: string, v2: boolean): Record<string, unknown> {
  if (req.inputs.length > 1) {
    refuse('input', `The Bedrock model ${model} (Amazon Titan Text Embeddings) embeds one input per request; ${req.inputs.length} were given. `
      + 'Send one string, or route batches to a Cohere Embed model on Bedrock (up to 96 inputs).');
  }
  if (!v2) {
    if (req.dimensions !== undefined) refuse('dimensions', `The Bedrock model ${model} (Titan Text Embeddings v1) has a fixed output size: dimensions is not accepted.`);
    return { inputText: req.inputs[0] };
  }
  // normalize: true is Titan's default, sent so the vectors are unit length like OpenAI's whatever the default becomes.
  return { inputText: req.inputs[0], ...(req.dimensions === undefined ? {} : { dimensions: req.dimensions }), normalize: true };
}

function cohereBody(req: CanonicalEmbeddingsRequest, model: string, v4: boolean): Record<string, unknown> {
  if (req.inputs.length > MAX_COHERE_TEXTS) {
    refuse('input', `The Bedrock model ${model} (Cohere Embed) embeds at most ${MAX_COHERE_TEXTS} inputs per request; ${req.inputs.length} were given.`);
  }
  if (req.dimensions !== undefined && !v4) refuse('dimensions', `The Bedrock model ${model} (Cohere Embed v3) has a fixed output size: dimensions is not accepted.`);
  return {
    texts: [...req.inputs],
    input_type: req.inputType === 'query' ? 'search_query' : 'search_document',
    embedding_types: ['float'],
    ...(req.dimensions === undefined ? {} : { output_dimension: req.dimensions }),
  };
}

/** The InvokeModel body for `model` (pure); throws GatewayError invalid_request when the request cannot be sent to it. */
export function encodeInvokeEmbeddingsBody(req: CanonicalEmbeddingsRequest, model: string): Record<string, unknown> {
  switch (bedrockEmbedFamily(model)) {
    case 'titan-v2':
      return titanBody(req, model, true);
    case 'titan-v1':
      return titanBody(req, model, false);
    case 'cohere-v4':
      return cohereBody(req, model, true);
    case 'cohere-v3':
      return cohereBody(req, model, false);
    case null:
      return refuse('model', `The Bedrock model ${model} is not an embeddings model the gateway serves: use Amazon Titan Text Embeddings `
        + '(amazon.titan-embed-text-v2:0) or Cohere Embed (cohere.embed-english-v3, cohere.embed-multilingual-v3, cohere.embed-v4:0).');
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(message: string): never {
  throw new UpstreamFailureError({ kind: 'invalid', message });
}

function isVector(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function vectors(v: unknown): number[][] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(isVector)) return invalid('The upstream embed response has no float embeddings.');
  return v;
}

/**
 * An InvokeModel embeddings answer → vectors and usage, by its shape (decode does not know the model): Titan's
 * {embedding, inputTextTokenCount} (or embeddingsByType.float), Cohere's {embeddings: {float: […]}} or
 * {embeddings: […]} (response_type embeddings_floats).
 */
export function decodeInvokeEmbeddingsResponse(body: unknown): CanonicalEmbeddingsResponse {
  if (!isObj(body)) return invalid('The upstream answer is not a Bedrock embeddings response.');
  if ('embedding' in body || 'embeddingsByType' in body) {
    const byType = isObj(body.embeddingsByType) ? body.embeddingsByType.float : undefined;
    const one = isVector(body.embedding) ? body.embedding : byType;
    if (!isVector(one) || one.length === 0) return invalid('The upstream Titan embeddings response has no float embedding.');
    const n = body.inputTextTokenCount;
    const usage = typeof n === 'number' && Number.isInteger(n) && n >= 0 ? { inputTokens: n } : null;
    return { vectors: [one], usage };
  }
  if ('embeddings' in body) {
    const e = body.embeddings;
    return { vectors: vectors(isObj(e) ? e.float : e), usage: null };
  }
  return invalid('The upstream answer is not a Bedrock embeddings response.');
}

/** "<origin>" and "<path>" of InvokeModel for `model` (the model id one percent-encoded path label). */
export function invokeEndpoint(baseURL: string, model: string): { readonly origin: string; readonly path: string } {
  const u = new URL(baseURL);
  return { origin: u.origin, path: `${u.pathname.replace(/\/+$/, '')}/model/${encodeLabel(model)}/invoke` };
}

/** The unsigned InvokeModel request for a canonical embeddings request; `body` may be given pre-serialised. */
export function buildInvokeEmbeddingsRequest(provider: BedrockProvider, req: CanonicalEmbeddingsRequest, model: string, requestId: string, body?: string): UpstreamRequest {
  const { origin, path } = invokeEndpoint(bedrockBaseURL(provider), model);
  return {
    method: 'POST',
    origin,
    path,
    headers: buildBedrockHeaders(provider, { requestId, stream: false }),
    body: body ?? JSON.stringify(encodeInvokeEmbeddingsBody(req, model)),
    stream: false,
  };
}

export function bedrockEmbeddings(provider: BedrockProvider): EmbeddingsAdapter {
  return {
    build(req: CanonicalEmbeddingsRequest, target: BoundTarget, ctx: BuildContext): UpstreamRequest {
      const body = memoBody(ctx, `bedrock-embed|${target.model}`, () => encodeInvokeEmbeddingsBody(req, target.model));
      return buildInvokeEmbeddingsRequest(provider, req, target.model, ctx.requestId, body);
    },
    decode: decodeInvokeEmbeddingsResponse,
  };
}
