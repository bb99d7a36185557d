// The fake Vertex AI upstream speaks the wire formats the official SDKs expect, with tokens from the fake Google token
// endpoint: the Anthropic publisher checked with @anthropic-ai/sdk (the Vertex flavour, @anthropic-ai/vertex-sdk, is
// not installed: a custom fetch does what its client does — rawPredict / streamRawPredict URL, `model` out of the
// body, `anthropic_version: "vertex-2023-10-16"` in, a Google OAuth bearer token from google-auth-library), the
// Google publisher with @google/genai in Vertex mode (project, location, baseUrl, googleAuthOptions), text embeddings
// included: the SDK's models.embedContent in Vertex mode posts to :predict for gemini-embedding-001 and the
// text-embedding models (instances / predictions; its tIsVertexEmbedContentModel sends other Gemini models to
// :embedContent, which the fake does not serve).
import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI } from '@google/genai';
import { JWT } from 'google-auth-library';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenUriFetch } from '../../pkg/providers/vertex-ai/auth.ts';
import { startFakeGoogleTokenServer } from '../support/fake-google-token-server.ts';
import type { FakeGoogleTokenServer, ServiceAccount } from '../support/fake-google-token-server.ts';
import { startFakeVertex, VERTEX_ANTHROPIC_VERSION, vertexVector } from '../support/fake-vertex-server.ts';
import type { FakeVertex } from '../support/fake-vertex-server.ts';

const CLAUDE = 'claude-sonnet-4-5@20250929';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

let tokens: FakeGoogleTokenServer;
let sa: ServiceAccount;
let vx: FakeVertex;
let jwt: JWT;

/** What @anthropic-ai/vertex-sdk's client does to each request, as a fetch around the plain SDK's. */
function vertexFetch(): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    let body = init?.body;
    if (url.pathname === '/v1/messages' && typeof body === 'string') {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const { model, ...rest } = parsed;
      const stream = rest.stream === true;
      body = JSON.stringify({ ...rest, anthropic_version: VERTEX_ANTHROPIC_VERSION });
      url.pathname = `/v1/projects/${vx.project}/locations/${vx.location}/publishers/anthropic/models/${String(model)}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
      url.search = '';
    }
    const { token } = await jwt.getAccessToken();
    headers.set('authorization', `Bearer ${token ?? ''}`);
    headers.delete('x-api-key');
    return fetch(url, { ...init, headers, body: body ?? null });
  };
}

let claude: Anthropic;
let genai: GoogleGenAI;

beforeAll(async () => {
  tokens = await startFakeGoogleTokenServer({ ttlSeconds: 300 });
  sa = tokens.createServiceAccount({ project: 'switchyard-test' });
  vx = await startFakeVertex({ project: 'switchyard-test', location: 'us-east5', checkToken: (t) => tokens.isValid(t) });
  jwt = new JWT({ email: sa.key.client_email, key: sa.key.private_key, scopes: [SCOPE], transporterOptions: { fetchImplementation: tokenUriFetch(() => sa.key.token_uri) } });
  claude = new Anthropic({ baseURL: vx.origin, apiKey: 'unused', maxRetries: 0, fetch: vertexFetch() });
  // Vertex mode: project + location in the path, a service-account key for google-auth-library (its token request
  // sent to the key's token_uri, the fake token endpoint, by our fetch wrapper), the API version Vertex serves.
  genai = new GoogleGenAI({
    vertexai: true, project: vx.project, location: vx.location, httpOptions: { baseUrl: vx.origin, apiVersion: 'v1' },
    googleAuthOptions: { credentials: sa.key, scopes: [SCOPE], clientOptions: { transporterOptions: { fetchImplementation: tokenUriFetch(() => sa.key.token_uri) } } },
  });
});
afterEach(() => {
  vx.setFault(undefined);
  vx.anthropic.setFault(undefined);
  vx.gemini.setFault(undefined);
});
afterAll(async () => {
  await vx.close();
  await tokens.close();
});

const weather = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };

describe('fake Vertex AI: the Anthropic publisher, checked with @anthropic-ai/sdk', () => {
  it('rawPredict: the SDK reads the message; the fake saw a bearer token from the token endpoint and a Vertex body', async () => {
    const msg = await claude.messages.create({ model: CLAUDE, max_tokens: 100, messages: [{ role: 'user', content: 'Say hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: Say hi' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    const rec = vx.requests.at(-1)!;
    expect(rec).toMatchObject({ publisher: 'anthropic', model: CLAUDE, action: 'rawPredict' });
    expect(rec.path).toBe(`/v1/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`);
    expect(rec.body).toMatchObject({ anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 100 });
    expect(rec.body).not.toHaveProperty('model');
    const bearer = String(rec.headers.authorization).slice('Bearer '.length);
    expect(tokens.issued.map((t) => t.token)).toContain(bearer);
    expect(tokens.issued.at(-1)).toMatchObject({ email: sa.key.client_email, scope: SCOPE });
    // The model the Anthropic fake behind it answered for is the one named in the URL.
    expect(vx.anthropic.requests.at(-1)?.body).toMatchObject({ model: CLAUDE });
  });

  it('streamRawPredict: Anthropic SSE events the SDK assembles, tools included', async () => {
    const stream = claude.messages.stream({ model: CLAUDE, max_tokens: 100, messages: [{ role: 'user', content: 'Count to three' }] });
    let text = '';
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: Count to three');
    expect(final.usage.output_tokens).toBeGreaterThan(1);
    expect(vx.requests.at(-1)).toMatchObject({ action: 'streamRawPredict' });
    const tool = await claude.messages.stream({ model: CLAUDE, max_tokens: 100, tools: [weather], messages: [{ role: 'user', content: 'Use the tool for Paris' }] }).finalMessage();
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
  });

  it('refuses what Vertex refuses: no or unknown token (401), a body with model, another project', async () => {
    const noAuth = await fetch(`${vx.url}/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ya29.not-issued' }, body: JSON.stringify({ anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 5, messages: [] }),
    });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
    const { token } = await jwt.getAccessToken();
    const withModel = await fetch(`${vx.url}/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` }, body: JSON.stringify({ model: CLAUDE, anthropic_version: VERTEX_ANTHROPIC_VERSION, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(withModel.status).toBe(400);
    const otherProject = await fetch(`${vx.url}/projects/other/locations/us-east5/publishers/anthropic/models/${CLAUDE}:rawPredict`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` }, body: '{}',
    });
    expect(otherProject.status).toBe(403);
  });

  it('errors: a Vertex 429 is google.rpc JSON (the SDK raises RateLimitError); an Anthropic error passes through', async () => {
    vx.setFault({ status: 429, message: 'Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model', headers: { 'retry-after': '7' } });
    const limited = await claude.messages.create({ model: CLAUDE, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    vx.setFault(undefined);
    vx.anthropic.setFault({ status: 529 });
    const overloaded = await claude.messages.create({ model: CLAUDE, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((overloaded as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('count-tokens:rawPredict answers input_tokens for the model named in the body', async () => {
    const { token } = await jwt.getAccessToken();
    const res = await fetch(`${vx.url}/projects/switchyard-test/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
      body: JSON.stringify({ model: CLAUDE, anthropic_version: VERTEX_ANTHROPIC_VERSION, messages: [{ role: 'user', content: 'How many tokens is this?' }] }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });
});

describe('fake Vertex AI: the Google publisher, checked with @google/genai in Vertex mode', () => {
  it('generateContent: text and usage; the fake saw the Vertex path and a token the token endpoint issued', async () => {
    const r = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hi', config: { systemInstruction: 'Be brief.' } });
    expect(r.text).toBe('Echo: Say hi');
    expect(r.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    expect(r.candidates?.[0]?.finishReason).toBe('STOP');
    const rec = vx.requests.at(-1)!;
    expect(rec.path).toBe('/v1/projects/switchyard-test/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(rec.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'Say hi' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
    const bearer = String(rec.headers.authorization).slice('Bearer '.length);
    expect(tokens.isValid(bearer)).toBe(true);
    expect(tokens.refused).toEqual([]);
  });

  it('generateContentStream: SSE events (alt=sse) the SDK reads chunk by chunk', async () => {
    let text = '';
    let last: { finishReason?: string } | undefined;
    for await (const chunk of await genai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Count to three' })) {
      text += chunk.text ?? '';
      last = chunk.candidates?.[0];
    }
    expect(text).toBe('Echo: Count to three');
    expect(last?.finishReason).toBe('STOP');
    expect(vx.requests.at(-1)).toMatchObject({ action: 'streamGenerateContent', query: 'alt=sse' });
  });

  it('tools: a function call the SDK exposes as functionCalls', async () => {
    const r = await genai.models.generateContent({
      model: 'gemini-2.5-flash', contents: 'Use the tool for Paris',
      config: { tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }] },
    });
    expect(r.functionCalls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
  });

  it('errors: a Vertex 429 and a Gemini 400 reach the SDK as ApiError with their status', async () => {
    vx.setFault({ status: 429, publisher: 'google', details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '9s' }] });
    const limited = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(ApiError);
    expect((limited as ApiError).status).toBe(429);
    vx.setFault(undefined);
    vx.gemini.setFault({ status: 400, message: 'The input token count (2000000) exceeds the maximum number of tokens allowed (1048576).' });
    const tooLong = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e);
    expect((tooLong as ApiError).status).toBe(400);
    expect((tooLong as ApiError).message).toContain('exceeds the maximum number of tokens');
  });
});

describe('fake Vertex AI: text embeddings (:predict), checked with @google/genai embedContent in Vertex mode', () => {
  it('text-embedding-005: one prediction per content, task type and output size honoured, token counts as statistics', async () => {
    const r = await genai.models.embedContent({ model: 'text-embedding-005', contents: ['first text', 'second'], config: { taskType: 'RETRIEVAL_QUERY', outputDimensionality: 16 } });
    expect(r.embeddings?.map((e) => e.values)).toEqual([vertexVector('first text', 'RETRIEVAL_QUERY', 16), vertexVector('second', 'RETRIEVAL_QUERY', 16)]);
    expect(r.embeddings?.map((e) => e.statistics?.tokenCount)).toEqual([3, 2]);
    expect(r.metadata?.billableCharacterCount).toBe(16);
    const rec = vx.requests.at(-1)!;
    expect(rec).toMatchObject({ publisher: 'google', model: 'text-embedding-005', action: 'predict' });
    expect(rec.path).toBe('/v1/projects/switchyard-test/locations/us-east5/publishers/google/models/text-embedding-005:predict');
    expect(rec.body).toEqual({ instances: [{ content: 'first text', task_type: 'RETRIEVAL_QUERY' }, { content: 'second', task_type: 'RETRIEVAL_QUERY' }], parameters: { outputDimensionality: 16 } });
    expect(tokens.isValid(String(rec.headers.authorization).slice('Bearer '.length))).toBe(true);
  });

  it('gemini-embedding-001 goes to :predict too, one instance per request at its default 3072 dimensions; two are refused with 400', async () => {
    const one = await genai.models.embedContent({ model: 'gemini-embedding-001', contents: 'only one' });
    expect(one.embeddings?.[0]?.values).toEqual(vertexVector('only one', '', 3072));
    expect(vx.requests.at(-1)).toMatchObject({ model: 'gemini-embedding-001', action: 'predict' });
    const two = await genai.models.embedContent({ model: 'gemini-embedding-001', contents: ['a', 'b'] }).catch((e: unknown) => e);
    expect(two).toBeInstanceOf(ApiError);
    expect((two as ApiError).status).toBe(400);
  });

  it('a Vertex quota error reaches the SDK as ApiError 429', async () => {
    vx.setFault({ status: 429, publisher: 'google' });
    const limited = await genai.models.embedContent({ model: 'text-embedding-005', contents: 'x' }).catch((e: unknown) => e);
    expect((limited as ApiError).status).toBe(429);
  });
});
