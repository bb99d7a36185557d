// The OpenAI Embeddings client side of the canonical embeddings form (pkg/canonical/embeddings.ts), golden-tested:
// request bodies → canonical requests, refusals with their param and wording, canonical answers → OpenAI JSON
// (base64 = little-endian float32, as OpenAI sends and its SDK decodes).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeOpenAIEmbeddingsRequest, encodeOpenAIEmbeddingsResponse, float32Base64, float32FromBase64,
} from '../../pkg/canonical/embeddings.ts';
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse } from '../../pkg/canonical/embeddings.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { createIngresses } from '../../pkg/ingress/index.ts';

function fixture<T>(name: string): T[] {
  return JSON.parse(readFileSync(new URL(`./testdata/embeddings/${name}`, import.meta.url), 'utf8')) as T[];
}

interface RequestCase { name: string; body: Record<string, unknown>; canonical: CanonicalEmbeddingsRequest }
interface RefusalCase { name: string; body: Record<string, unknown>; param: string; message: string }
interface ResponseCase { name: string; request: CanonicalEmbeddingsRequest; response: CanonicalEmbeddingsResponse; model: string; openai: unknown }

describe('decodeOpenAIEmbeddingsRequest', () => {
  it.each(fixture<RequestCase>('requests.json').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(decodeOpenAIEmbeddingsRequest(c.body)).toStrictEqual(c.canonical);
  });

  it.each(fixture<RefusalCase>('refusals.json').map((c) => [c.name, c] as const))('refuses %s with 400 invalid_request', (_name, c) => {
    let err: unknown;
    try {
      decodeOpenAIEmbeddingsRequest(c.body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    const g = err as GatewayError;
    expect({ status: g.status, code: g.code, param: g.param, message: g.message }).toEqual({ status: 400, code: 'invalid_request', param: c.param, message: c.message });
  });

  it('is the codec the OpenAI Embeddings ingress carries, and token input still passes the ingress (for native providers)', () => {
    const ing = createIngresses().embeddings;
    expect(ing.embeddingsCodec?.decodeRequest({ model: 'm', input: 'x' })).toStrictEqual({ model: 'm', inputs: ['x'], encodingFormat: 'float' });
    expect(ing.parse({ model: 'm', input: [1, 2] }, {}).model).toBe('m');
  });
});

describe('encodeOpenAIEmbeddingsResponse', () => {
  it.each(fixture<ResponseCase>('responses.json').map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(JSON.parse(encodeOpenAIEmbeddingsResponse(c.response, c.request, c.model))).toStrictEqual(c.openai);
  });

  it('base64 holds float32 values little-endian whatever the platform, and round-trips at float32 precision', () => {
    const v = [0.1, -3.5, 1e-7, 12345.678, 0];
    const b64 = float32Base64(v);
    const bytes = Buffer.from(b64, 'base64');
    expect(bytes.length).toBe(20);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < v.length; i++) expect(view.getFloat32(i * 4, true)).toBe(Math.fround(v[i] as number));
    expect(float32FromBase64(b64)).toEqual(v.map((x) => Math.fround(x)));
  });
});
