// Deterministic embeddings for the fake provider: unit vectors seeded by a hash of each input.
import { estimateTokens, fnv1a, prng } from './content.ts';

function inputsOf(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input)) return [''];
  if (input.every((x) => typeof x === 'number')) return [JSON.stringify(input)];
  return input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** A unit-length vector of `dims` floats (6 decimals) derived only from `text`. */
export function embeddingFor(text: string, dims: number): number[] {
  const rand = prng(fnv1a(text));
  const raw: number[] = [];
  let norm = 0;
  for (let i = 0; i < dims; i++) {
    const v = rand() * 2 - 1;
    raw.push(v);
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return raw.map((v) => Math.round(v * scale * 1e6) / 1e6);
}

function base64Floats(values: readonly number[]): string {
  const f = Float32Array.from(values);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

/** The OpenAI `/embeddings` response for a request body. Honours encoding_format "base64" (what the OpenAI SDK asks for). */
export function fakeEmbeddingsResponse(body: Readonly<Record<string, unknown>>, model: string, dims: number): Record<string, unknown> {
  const inputs = inputsOf(body.input);
  const b64 = body.encoding_format === 'base64';
  const promptTokens = inputs.reduce((n, s) => n + estimateTokens(s), 0);
  return {
    object: 'list',
    data: inputs.map((text, index) => {
      const vector = embeddingFor(text, dims);
      return { object: 'embedding', index, embedding: b64 ? base64Floats(vector) : vector };
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
