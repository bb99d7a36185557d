// The canonical embeddings form (issue 9) and the OpenAI Embeddings client side of it. A provider that does not
// serve the OpenAI Embeddings API natively (Gemini embedContent / batchEmbedContents, Cohere v2 embed, …) lists
// 'openai-embeddings' in its descriptor's translatedApis and gives its adapter an `embeddings` member
// (pkg/providers/types.ts EmbeddingsAdapter): the ingress decodes the client body into CanonicalEmbeddingsRequest
// once per request, the adapter builds the upstream request and decodes the upstream answer into
// CanonicalEmbeddingsResponse, and the core encodes the OpenAI answer (float arrays, or base64 of little-endian
// float32 as OpenAI sends for encoding_format "base64" — what the official SDK asks for by default).
//
// Pure functions, no I/O. Errors: a body that cannot be expressed canonically throws GatewayError('invalid_request')
// with its param (token-id input, a bad dimensions / encoding_format / input_type).
import { GatewayError } from '../errors/errors.ts';

export type EmbeddingsEncodingFormat = 'float' | 'base64';

/** What the vectors are for (Cohere's input_type, Gemini's taskType): a search query or a document to search. */
export type EmbeddingsInputType = 'query' | 'document';

export interface CanonicalEmbeddingsRequest {
  /** The model name the client asked for (the route); the upstream model is BoundTarget.model. */
  readonly model: string;
  /** One entry per vector wanted, in order; never empty, no empty strings. */
  readonly inputs: readonly string[];
  /** Output dimensionality the client asked for (OpenAI `dimensions`); absent = the model's default. */
  readonly dimensions?: number;
  /** How the client wants vectors encoded; the core does the encoding, adapters only ever see floats. */
  readonly encodingFormat: EmbeddingsEncodingFormat;
  /** OpenAI `user` (an end-user id), for providers that have such a field. */
  readonly user?: string;
  /** From the request's `input_type` extension field; absent = the provider's default for documents. */
  readonly inputType?: EmbeddingsInputType;
}

export interface CanonicalEmbeddingsUsage {
  readonly inputTokens: number;
}

export interface CanonicalEmbeddingsResponse {
  /** One vector per input, in input order. */
  readonly vectors: readonly (readonly number[])[];
  /** The provider's token count; null when it reports none (the core then estimates from the input text, marked so). */
  readonly usage: CanonicalEmbeddingsUsage | null;
}

/** The client side of an embeddings API: its body in, the canonical answer back in its dialect (JSON text). */
export interface EmbeddingsClientCodec {
  /** Throws GatewayError invalid_request (with param) when the body cannot be translated. */
  decodeRequest(body: Readonly<Record<string, unknown>>): CanonicalEmbeddingsRequest;
  /** `model` is the name reported back: the one the client asked for. */
  encodeResponse(resp: CanonicalEmbeddingsResponse, req: CanonicalEmbeddingsRequest, model: string): string;
}

/** The 400 message for token-id input to a provider that takes text only. */
export const TOKEN_INPUT_REFUSED =
  'This model is served by a provider that embeds text, not token ids: send input as a string or an array of strings. '
  + 'Token-id arrays are only accepted when every provider of the model serves the OpenAI Embeddings API natively.';

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

function decodeInputs(input: unknown): string[] {
  if (typeof input === 'string') {
    if (input === '') throw invalid('input', 'input must not be an empty string.');
    return [input];
  }
  if (!Array.isArray(input) || input.length === 0) throw invalid('input', 'input must be a non-empty string or a non-empty array of strings.');
  const out: string[] = [];
  for (const x of input as readonly unknown[]) {
    if (typeof x === 'number' || Array.isArray(x)) throw invalid('input', TOKEN_INPUT_REFUSED);
    if (typeof x !== 'string') throw invalid('input', 'input must be a non-empty string or a non-empty array of strings.');
    if (x === '') throw invalid('input', `input[${out.length}] must not be an empty string.`);
    out.push(x);
  }
  return out;
}

function decodeDimensions(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid('dimensions', 'dimensions must be a positive integer.');
  return v;
}

function decodeFormat(v: unknown): EmbeddingsEncodingFormat {
  if (v === undefined || v === null || v === 'float') return 'float';
  if (v === 'base64') return 'base64';
  throw invalid('encoding_format', 'encoding_format must be "float" or "base64".');
}

// Accepted spellings of the input_type extension: ours, and Cohere's (which LiteLLM-style clients already send).
const INPUT_TYPES: Readonly<Record<string, EmbeddingsInputType>> = {
  query: 'query', document: 'document', search_query: 'query', search_document: 'document',
};

function decodeInputType(v: unknown): EmbeddingsInputType | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && Object.hasOwn(INPUT_TYPES, v)) return INPUT_TYPES[v];
  throw invalid('input_type', 'input_type must be "query" or "document" (or "search_query" / "search_document").');
}

/** OpenAI Embeddings body → canonical. Fields the canonical form has no place for are dropped. */
export function decodeOpenAIEmbeddingsRequest(body: Readonly<Record<string, unknown>>): CanonicalEmbeddingsRequest {
  const model = body.model;
  if (typeof model !== 'string' || model === '') throw invalid('model', 'model must be a non-empty string.');
  const inputs = decodeInputs(body.input);
  const dimensions = decodeDimensions(body.dimensions);
  const encodingFormat = decodeFormat(body.encoding_format);
  const user = body.user;
  if (user !== undefined && user !== null && typeof user !== 'string') throw invalid('user', 'user must be a string.');
  const inputType = decodeInputType(body.input_type);
  return {
    model,
    inputs,
    encodingFormat,
    ...(dimensions !== undefined ? { dimensions } : {}),
    ...(typeof user === 'string' ? { user } : {}),
    ...(inputType !== undefined ? { inputType } : {}),
  };
}

/** A vector as OpenAI's base64 encoding: the bytes of little-endian IEEE-754 float32 values. */
export function float32Base64(vector: readonly number[]): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i] as number, i * 4);
  return buf.toString('base64');
}

/** The inverse of float32Base64 (tests, and clients of ours that decode). */
export function float32FromBase64(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}

/** The OpenAI Embeddings answer: {object:'list', data:[{object:'embedding', index, embedding}], model, usage}. */
export function encodeOpenAIEmbeddingsResponse(resp: CanonicalEmbeddingsResponse, req: CanonicalEmbeddingsRequest, model: string): string {
  const b64 = req.encodingFormat === 'base64';
  const data = resp.vectors.map((v, index) => ({ object: 'embedding', index, embedding: b64 ? float32Base64(v) : v }));
  const tokens = resp.usage?.inputTokens ?? 0;
  return JSON.stringify({ object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

export const openAIEmbeddingsCodec: EmbeddingsClientCodec = {
  decodeRequest: decodeOpenAIEmbeddingsRequest,
  encodeResponse: encodeOpenAIEmbeddingsResponse,
};
