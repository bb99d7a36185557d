// Golden files for the cohere provider, one folder per direction under testdata/cohere/:
//   provider-request  in.json ({upstreamModel, request: canonical}) → out.json (Cohere /v2/chat body, or {error})
//   provider-response in.json (Cohere chat response)              → out.json (canonical response, or {error})
//   provider-stream   in.sse  (Cohere SSE)                        → out.json (canonical events; a thrown error as {error})
//   errors            in.json ({status, headers, body|bodyText})  → out.json (UpstreamFailure)
//   pair-request      in.json ({api, upstreamModel, body})        → out.json (the Cohere body for that client API)
//   pair-stream       in.sse + api.json                           → out.sse  (the client's SSE, decoded then encoded)
// plus the embed request/answer mapping and the stream decoder at every byte split (fast-check). UPDATE_GOLDEN=1
// rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientCodec, EncodeContext } from '../../pkg/canonical/codec.ts';
import type { ClientApi, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec as anthropicCodec } from '../../pkg/dialects/anthropic-messages/index.ts';
import { providerCodec } from '../../pkg/dialects/cohere-chat/index.ts';
import { clientCodec as chatCodec } from '../../pkg/dialects/openai-chat/index.ts';
import { clientCodec as completionsCodec } from '../../pkg/dialects/openai-completions/index.ts';
import { clientCodec as responsesCodec } from '../../pkg/dialects/openai-responses/index.ts';
import { decodeEmbedResponse, encodeEmbedRequest, MAX_EMBED_TEXTS } from '../../pkg/providers/cohere/embeddings.ts';
import { classifyCohereError } from '../../pkg/providers/cohere/errors.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { TableProvider } from '../../pkg/table/types.ts';
import { splitAt } from '../support/byte-splits.ts';
import { decodeResponseGolden, encodeRequestGolden, errorAsData, expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'cohere');
const CTX: EncodeContext = { model: 'cohere-route', requestId: 'req_golden_cohere', nowSec: 1735689600, streamUsage: true };
const NOW = Date.parse('2026-12-03T00:00:00Z');
const CANARY = 'co-secret-canary-value-9f8e7d';

const CODECS: Readonly<Partial<Record<ClientApi, ClientCodec>>> = {
  'openai-chat': chatCodec, 'openai-completions': completionsCodec, 'openai-responses': responsesCodec, 'anthropic-messages': anthropicCodec,
};

const PROVIDER = {
  id: 'default/co', type: 'cohere', baseURL: 'https://api.cohere.com', headers: {},
  credential: { kind: 'header', header: 'authorization', value: `Bearer ${CANARY}` },
} as unknown as TableProvider;

const eachCase = goldenCaseRunner(ROOT, 3);

function decodeChunks(chunks: readonly Uint8Array[]): StreamEvent[] | { error: unknown } {
  const dec = providerCodec.createStreamDecoder();
  const out: StreamEvent[] = [];
  try {
    for (const c of chunks) out.push(...dec.push(c));
    out.push(...dec.end());
  } catch (err) {
    if (err instanceof UpstreamFailureError) return { error: err.failure };
    throw err;
  }
  return out;
}

function codecFor(api: ClientApi): ClientCodec {
  const c = CODECS[api];
  if (c === undefined) throw new Error(`no client codec for ${api}`);
  return c;
}

describe('cohere golden: provider codec', () => {
  describe('encodeRequest', () => {
    eachCase('provider-request', encodeRequestGolden(providerCodec));
  });
  describe('decodeResponse', () => {
    eachCase('provider-response', decodeResponseGolden(providerCodec));
  });
  describe('stream decoder', () => {
    eachCase('provider-stream', (d) => {
      expectGolden(join(d, 'out.json'), decodeChunks([readFileSync(join(d, 'in.sse'))]));
    });
  });
});

describe('cohere golden: error classification', () => {
  eachCase('errors', (d) => {
    const input = readJson(join(d, 'in.json')) as { status: number; headers: Record<string, string>; body?: unknown; bodyText?: string };
    const body = new TextEncoder().encode(input.bodyText ?? JSON.stringify(input.body));
    const failure = classifyCohereError(PROVIDER, input.status, input.headers, body, NOW);
    expect(JSON.stringify(failure)).not.toContain(CANARY);
    expectGolden(join(d, 'out.json'), failure);
  });
});

describe('cohere golden: client API × cohere pairs', () => {
  describe('client body → Cohere body', () => {
    eachCase('pair-request', (d) => {
      const input = readJson(join(d, 'in.json')) as { api: ClientApi; upstreamModel: string; body: Record<string, unknown> };
      expectGolden(join(d, 'out.json'), errorAsData(() => providerCodec.encodeRequest(codecFor(input.api).decodeRequest(input.body), input.upstreamModel)));
    });
  });
  describe('Cohere stream → client SSE', () => {
    eachCase('pair-stream', (d) => {
      const { api } = readJson(join(d, 'api.json')) as { api: ClientApi };
      const events = decodeChunks([readFileSync(join(d, 'in.sse'))]);
      if (!Array.isArray(events)) throw new Error('the pair stream did not decode');
      const enc = codecFor(api).createStreamEncoder(CTX);
      expectGolden(join(d, 'out.sse'), events.map((ev) => enc.encode(ev)).join(''));
    });
  });
});

describe('cohere stream decoder at every byte split', () => {
  for (const name of ['text', 'tool-plan-and-calls', 'citations-ignored-done-line', 'error-before-content']) {
    it(`${name}: any split gives the events of the whole`, () => {
      const bytes = readFileSync(join(ROOT, 'provider-stream', name, 'in.sse'));
      const whole = decodeChunks([bytes]);
      expect(Array.isArray(whole) && whole.length).toBeGreaterThanOrEqual(2);
      fc.assert(
        fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 40 }), (cuts) => {
          expect(decodeChunks(splitAt(bytes, cuts))).toEqual(whole);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('cohere embeddings mapping', () => {
  it('input_type: query → search_query, document and none → search_document; dimensions → output_dimension; floats only', () => {
    expect(encodeEmbedRequest({ model: 'e', inputs: ['a'], encodingFormat: 'base64', inputType: 'query', dimensions: 256 }, 'embed-v4.0'))
      .toStrictEqual({ model: 'embed-v4.0', texts: ['a'], input_type: 'search_query', embedding_types: ['float'], output_dimension: 256 });
    expect(encodeEmbedRequest({ model: 'e', inputs: ['a', 'b'], encodingFormat: 'float', inputType: 'document' }, 'm').input_type).toBe('search_document');
    expect(encodeEmbedRequest({ model: 'e', inputs: ['a'], encodingFormat: 'float' }, 'm')).toStrictEqual({ model: 'm', texts: ['a'], input_type: 'search_document', embedding_types: ['float'] });
  });

  it(`more than ${MAX_EMBED_TEXTS} inputs are refused naming input`, () => {
    const inputs = Array.from({ length: MAX_EMBED_TEXTS + 1 }, (_, i) => `t${i}`);
    expect(errorAsData(() => encodeEmbedRequest({ model: 'e', inputs, encodingFormat: 'float' }, 'm'))).toMatchObject({ error: { code: 'invalid_request', param: 'input' } });
  });

  it('answers: float vectors with billed units, tokens as the fallback, none without meta; garbage is invalid', () => {
    expect(decodeEmbedResponse({ id: 'x', embeddings: { float: [[0.1, 0.2]] }, meta: { billed_units: { input_tokens: 3 }, tokens: { input_tokens: 9 } } }))
      .toStrictEqual({ vectors: [[0.1, 0.2]], usage: { inputTokens: 3 } });
    expect(decodeEmbedResponse({ embeddings: { float: [[1]] }, meta: { tokens: { input_tokens: 9 } } }).usage).toStrictEqual({ inputTokens: 9 });
    expect(decodeEmbedResponse({ embeddings: { float: [[1]] } }).usage).toBeNull();
    expect(errorAsData(() => decodeEmbedResponse({ embeddings: { int8: [[1]] } }))).toMatchObject({ error: { kind: 'invalid' } });
    expect(errorAsData(() => decodeEmbedResponse({ message: 'nope' }))).toMatchObject({ error: { kind: 'invalid' } });
  });
});
