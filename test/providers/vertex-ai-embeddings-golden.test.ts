// Golden files for vertex-ai embeddings (:predict on Google's text embedding models), one folder per case under
// testdata/vertex-ai/:
//   embeddings-request   in.json ({upstreamModel, body: OpenAI embeddings body}) → out.json (the :predict request
//                        without its token: url, accept, body — or the 400 {error} the client gets)
//   embeddings-response  in.json (a :predict answer) → out.json (canonical vectors and usage, or {error})
// plus the per-request limits (gemini-embedding-001 one instance, the others 250). UPDATE_GOLDEN=1 rewrites the outputs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOpenAIEmbeddingsRequest } from '../../pkg/canonical/embeddings.ts';
import type { BoundTarget } from '../../pkg/providers/types.ts';
import { decodePredictEmbeddingsResponse, encodePredictEmbeddingsBody, MAX_PREDICT_INSTANCES, vertexEmbeddings } from '../../pkg/providers/vertex-ai/embeddings.ts';
import { VERTEX_DEFAULT_BASE_URL } from '../../pkg/providers/vertex-ai/endpoint.ts';
import { errorAsData, expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';
import { makeProvider, TIMEOUTS } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'vertex-ai');
const PROVIDER = makeProvider({
  id: 'team-a/vertex', name: 'vertex', type: 'vertex-ai', baseURL: VERTEX_DEFAULT_BASE_URL, region: 'us-central1', project: 'acme-ml',
  headers: { 'x-goog-user-project': 'acme-billing' },
  credential: { kind: 'google', source: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
});
const adapter = vertexEmbeddings(PROVIDER);

const eachCase = goldenCaseRunner(ROOT, 4);

const target = (model: string): BoundTarget => ({ provider: PROVIDER, model, timeouts: TIMEOUTS });

describe('vertex-ai embeddings golden', () => {
  describe('OpenAI embeddings body → :predict request', () => {
    eachCase('embeddings-request', (d) => {
      const input = readJson(join(d, 'in.json')) as { upstreamModel: string; body: Record<string, unknown> };
      expectGolden(join(d, 'out.json'), errorAsData(() => {
        const up = adapter.build(decodeOpenAIEmbeddingsRequest(input.body), target(input.upstreamModel), { requestId: 'req-golden-embed', bodies: new Map() });
        return { url: up.origin + up.path, stream: up.stream, headers: up.headers, body: JSON.parse(String(up.body)) as unknown };
      }));
    });
  });
  describe(':predict answer → canonical', () => {
    eachCase('embeddings-response', (d) => {
      expectGolden(join(d, 'out.json'), errorAsData(() => decodePredictEmbeddingsResponse(readJson(join(d, 'in.json')))));
    });
  });
});

describe('vertex-ai embeddings: limits', () => {
  it('text-embedding-005 takes 250 inputs and refuses 251 with 400 naming input', () => {
    const inputs = Array.from({ length: MAX_PREDICT_INSTANCES }, (_, i) => `text ${i}`);
    expect((encodePredictEmbeddingsBody({ model: 'e', inputs, encodingFormat: 'float' }, 'text-embedding-005').instances as unknown[]).length).toBe(250);
    expect(errorAsData(() => encodePredictEmbeddingsBody({ model: 'e', inputs: [...inputs, 'x'], encodingFormat: 'float' }, 'text-embedding-005')))
      .toEqual({ error: { code: 'invalid_request', param: 'input', message: 'Vertex AI embeds at most 250 inputs per request; 251 were given.' } });
  });

  it('no token is in a built request: the transport adds it', () => {
    const up = adapter.build(decodeOpenAIEmbeddingsRequest({ model: 'e', input: 'x' }), target('text-embedding-005'), { requestId: 'r', bodies: new Map() });
    expect(up.headers.authorization).toBeUndefined();
  });
});
