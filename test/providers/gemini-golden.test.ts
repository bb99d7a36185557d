// Golden files for the gemini provider type, one folder per concern under testdata/gemini/:
//   provider-request    in.json ({upstreamModel, request: canonical}) → out.json (generateContent body, or {error})
//   provider-response   in.json (GenerateContentResponse)            → out.json ({response: canonical, usage: the
//                                                                        accounting's Usage}, or {error})
//   provider-stream     in.sse (streamGenerateContent?alt=sse bytes)  → out.json (canonical events; a throw as {error})
//   errors              in.json ({status, headers, body})             → out.json (UpstreamFailure)
//   embeddings-request  in.json ({upstreamModel, request})           → out.json (batchEmbedContents body, or {error})
//   embeddings-response in.json (batchEmbedContents answer)           → out.json (canonical, or {error})
// plus the stream decoder's split independence (the same events for every split of each golden stream: B9).
// UPDATE_GOLDEN=1 rewrites the outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalEmbeddingsRequest } from '../../pkg/canonical/embeddings.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { decodeEmbeddingsResponse, encodeEmbeddingsRequest, providerCodec } from '../../pkg/dialects/gemini/index.ts';
import { classifyGeminiError } from '../../pkg/providers/gemini/errors.ts';
import { usageFromCanonical } from '../../pkg/proxy/dispatch/canonical-stream.ts';
import { encodeRequestGolden, errorAsData, expectGolden, goldenCaseRunner, goldenCases, readJson } from '../support/golden.ts';
import { makeProvider } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'gemini');
const NOW = Date.parse('2026-12-03T12:00:00Z');
const PROVIDER = makeProvider({
  id: 'team-a/gemini', name: 'gemini', type: 'gemini', baseURL: 'https://generativelanguage.googleapis.com/v1beta',
  credential: { kind: 'header', header: 'x-goog-api-key', value: 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW' },
});

const eachCase = goldenCaseRunner(ROOT, 2);

function decodeStream(chunks: readonly Uint8Array[]): unknown {
  const dec = providerCodec.createStreamDecoder();
  const events: StreamEvent[] = [];
  return errorAsData(() => {
    for (const c of chunks) events.push(...dec.push(c));
    events.push(...dec.end());
    return events;
  });
}

describe('gemini golden', () => {
  describe('encodeRequest', () => {
    eachCase('provider-request', encodeRequestGolden(providerCodec));
  });

  describe('decodeResponse', () => {
    eachCase('provider-response', (d) => {
      expectGolden(join(d, 'out.json'), errorAsData(() => {
        const response: CanonicalResponse = providerCodec.decodeResponse(readJson(join(d, 'in.json')));
        return { response, usage: usageFromCanonical(response.usage) };
      }));
    });
  });

  describe('stream decoder', () => {
    eachCase('provider-stream', (d) => {
      expectGolden(join(d, 'out.json'), decodeStream([readFileSync(join(d, 'in.sse'))]));
    });
  });

  describe('error classification', () => {
    eachCase('errors', (d) => {
      const input = readJson(join(d, 'in.json')) as { status: number; headers: Record<string, string>; body: unknown };
      const bytes = new TextEncoder().encode(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
      const failure = classifyGeminiError(PROVIDER, input.status, input.headers, bytes, NOW);
      expect(JSON.stringify(failure)).not.toContain('AIzaSy');
      expectGolden(join(d, 'out.json'), failure);
    });
  });

  describe('embeddings', () => {
    eachCase('embeddings-request', (d) => {
      const input = readJson(join(d, 'in.json')) as { upstreamModel: string; request: CanonicalEmbeddingsRequest };
      expectGolden(join(d, 'out.json'), errorAsData(() => encodeEmbeddingsRequest(input.request, input.upstreamModel)));
    });
    eachCase('embeddings-response', (d) => {
      expectGolden(join(d, 'out.json'), errorAsData(() => decodeEmbeddingsResponse(readJson(join(d, 'in.json')))));
    });
  });
});

describe('gemini stream decoder: split independence (B9)', () => {
  const streams = goldenCases(join(ROOT, 'provider-stream')).map((name) => ({ name, bytes: readFileSync(join(ROOT, 'provider-stream', name, 'in.sse')) }));

  it('every two-way split of every golden stream gives the whole-body events', () => {
    for (const { name, bytes } of streams) {
      const whole = JSON.stringify(decodeStream([bytes]));
      for (let at = 0; at <= bytes.length; at++) {
        expect(JSON.stringify(decodeStream([bytes.subarray(0, at), bytes.subarray(at)])), `${name} split at ${at}`).toBe(whole);
      }
    }
  });

  it('random many-way splits (and byte-at-a-time) give the same events', () => {
    fc.assert(fc.property(fc.constantFrom(...streams), fc.array(fc.nat(), { maxLength: 12 }), ({ bytes }, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const p of points) {
        chunks.push(bytes.subarray(from, p));
        from = p;
      }
      chunks.push(bytes.subarray(from));
      expect(JSON.stringify(decodeStream(chunks))).toBe(JSON.stringify(decodeStream([bytes])));
    }), { numRuns: 200 });
    for (const { bytes } of streams) {
      const bytewise = [...bytes].map((b) => Uint8Array.of(b));
      expect(JSON.stringify(decodeStream(bytewise))).toBe(JSON.stringify(decodeStream([bytes])));
    }
  });
});
