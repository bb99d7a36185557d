// Golden files for bedrock embeddings (InvokeModel), one folder per case under testdata/bedrock/:
//   embeddings-request   in.json ({upstreamModel, body: OpenAI embeddings body}) → out.json (the unsigned InvokeModel
//                        request: url, accept, body — or the 400 {error} the client gets)
//   embeddings-response  in.json (an InvokeModel answer) → out.json (canonical vectors and usage, or {error})
// plus the per-call limits (Titan one input, Cohere 96) and the body serialised once per upstream model. UPDATE_GOLDEN=1
// rewrites the outputs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOpenAIEmbeddingsRequest } from '../../pkg/canonical/embeddings.ts';
import { bedrockEmbedFamily, bedrockEmbeddings, decodeInvokeEmbeddingsResponse, encodeInvokeEmbeddingsBody, MAX_COHERE_TEXTS } from '../../pkg/providers/bedrock/embeddings.ts';
import { bedrockBaseURL } from '../../pkg/providers/bedrock/request.ts';
import type { BoundTarget, BuildContext } from '../../pkg/providers/types.ts';
import { errorAsData, expectGolden, goldenCaseRunner, readJson } from '../support/golden.ts';
import { makeProvider, TIMEOUTS } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'bedrock');
const RAW = makeProvider({
  id: 'team-a/bedrock', name: 'bedrock', type: 'bedrock', baseURL: 'https://bedrock-runtime.{region}.amazonaws.com', region: 'eu-central-1',
  credential: { kind: 'sigv4', service: 'bedrock', region: 'eu-central-1', accessKeyId: 'AKIDEXAMPLE', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
});
const PROVIDER = { ...RAW, baseURL: bedrockBaseURL(RAW) };
const adapter = bedrockEmbeddings(PROVIDER);

const eachCase = goldenCaseRunner(ROOT, 4);

const target = (model: string): BoundTarget => ({ provider: PROVIDER, model, timeouts: TIMEOUTS });
const ctx = (): BuildContext => ({ requestId: 'req-golden-embed', bodies: new Map() });

describe('bedrock embeddings golden', () => {
  describe('OpenAI embeddings body → InvokeModel request', () => {
    eachCase('embeddings-request', (d) => {
      const input = readJson(join(d, 'in.json')) as { upstreamModel: string; body: Record<string, unknown> };
      expectGolden(join(d, 'out.json'), errorAsData(() => {
        const up = adapter.build(decodeOpenAIEmbeddingsRequest(input.body), target(input.upstreamModel), ctx());
        return { url: up.origin + up.path, stream: up.stream, accept: up.headers.accept, contentType: up.headers['content-type'], body: JSON.parse(String(up.body)) as unknown };
      }));
    });
  });
  describe('InvokeModel answer → canonical', () => {
    eachCase('embeddings-response', (d) => {
      expectGolden(join(d, 'out.json'), errorAsData(() => decodeInvokeEmbeddingsResponse(readJson(join(d, 'in.json')))));
    });
  });
});

describe('bedrock embeddings: families and limits', () => {
  it('the family is read from base ids, inference profile ids and ARNs; other models have none', () => {
    expect(bedrockEmbedFamily('amazon.titan-embed-text-v2:0')).toBe('titan-v2');
    expect(bedrockEmbedFamily('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0')).toBe('titan-v2');
    expect(bedrockEmbedFamily('amazon.titan-embed-g1-text-02')).toBe('titan-v1');
    expect(bedrockEmbedFamily('global.cohere.embed-v4:0')).toBe('cohere-v4');
    expect(bedrockEmbedFamily('cohere.embed-multilingual-v3')).toBe('cohere-v3');
    expect(bedrockEmbedFamily('amazon.titan-embed-image-v1')).toBeNull();
    expect(bedrockEmbedFamily('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3')).toBeNull();
  });

  it('Cohere takes 96 inputs and refuses 97 with 400 naming the model and input', () => {
    const inputs = Array.from({ length: MAX_COHERE_TEXTS }, (_, i) => `text ${i}`);
    expect((encodeInvokeEmbeddingsBody({ model: 'e', inputs, encodingFormat: 'float' }, 'cohere.embed-english-v3').texts as string[]).length).toBe(96);
    const err = errorAsData(() => encodeInvokeEmbeddingsBody({ model: 'e', inputs: [...inputs, 'one more'], encodingFormat: 'float' }, 'cohere.embed-english-v3'));
    expect(err).toEqual({ error: { code: 'invalid_request', param: 'input', message: 'The Bedrock model cohere.embed-english-v3 (Cohere Embed) embeds at most 96 inputs per request; 97 were given.' } });
  });

  it('the body is serialised once per upstream model and request (BuildContext.bodies), the path encoded per model', () => {
    const c = ctx();
    const req = decodeOpenAIEmbeddingsRequest({ model: 'emb', input: 'once' });
    const a = adapter.build(req, target('amazon.titan-embed-text-v2:0'), c);
    const b = adapter.build(req, target('amazon.titan-embed-text-v2:0'), c);
    const other = adapter.build(req, target('cohere.embed-english-v3'), c);
    expect(b.body).toBe(a.body);
    expect(c.bodies.size).toBe(2);
    expect(other.path).toBe('/model/cohere.embed-english-v3/invoke');
    expect(JSON.parse(String(other.body))).toMatchObject({ texts: ['once'] });
  });
});
