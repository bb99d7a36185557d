// The core's half of translated embeddings (pkg/proxy/dispatch/embeddings.ts): an adapter's decoded answer is
// checked (one finite vector per input, else 'invalid' so the run loop fails over) and encoded for the client with
// the usage the core records; a provider without a token count gets the input estimate, reported and marked.
import { describe, expect, it } from 'vitest';
import { openAIEmbeddingsCodec } from '../../pkg/canonical/embeddings.ts';
import type { CanonicalEmbeddingsRequest } from '../../pkg/canonical/embeddings.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { embeddingsAnswer } from '../../pkg/proxy/dispatch/embeddings.ts';

const REQ: CanonicalEmbeddingsRequest = { model: 'emb', inputs: ['abcdefgh', 'xyz'], encodingFormat: 'float' };

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    if (e instanceof UpstreamFailureError) return e.failure;
    throw e;
  }
  throw new Error('expected a failure');
}

describe('embeddingsAnswer', () => {
  it('reports the provider\'s token count as input and total tokens', () => {
    const out = embeddingsAnswer(openAIEmbeddingsCodec, REQ, { vectors: [[1], [2]], usage: { inputTokens: 7 } }, 'route-a');
    expect(out.usage).toStrictEqual({ inputTokens: 7, outputTokens: 0, totalTokens: 7 });
    expect(JSON.parse(out.body as string)).toMatchObject({ model: 'route-a', usage: { prompt_tokens: 7, total_tokens: 7 } });
  });

  it('estimates one token per 4 input characters when the provider reports none, in the body and marked estimated', () => {
    const out = embeddingsAnswer(openAIEmbeddingsCodec, REQ, { vectors: [[1], [2]], usage: null }, 'emb');
    // 8 + 3 characters → ceil(11 / 4) = 3.
    expect(out.usage).toStrictEqual({ inputTokens: 3, outputTokens: 0, totalTokens: 3, estimated: true });
    expect(JSON.parse(out.body as string).usage).toStrictEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it.each([
    ['fewer vectors than inputs', [[1]], 'The upstream provider returned 1 embeddings for 2 inputs.'],
    ['an empty vector', [[1], []], 'The upstream provider returned an embedding that is not a list of numbers.'],
    ['a non-finite value', [[1], [Number.NaN]], 'The upstream provider returned an embedding that is not a list of numbers.'],
  ])('fails the attempt as invalid on %s', (_what, vectors, message) => {
    expect(failure(() => embeddingsAnswer(openAIEmbeddingsCodec, REQ, { vectors, usage: null }, 'emb'))).toStrictEqual({ kind: 'invalid', message });
  });
});
