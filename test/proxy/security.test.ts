// Catalogue E: key handling (E1, E3, E6), path normalisation (E7), route inventory (E9), secret canaries (E11).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, apiKey, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { errorCode, rawRequest } from './raw-http.ts';

const ALICE = 'sk-alice-4c1f9e07b2d85a36';
const BOB = 'sk-bob-9d27a4e1c6f3b805';
const EXPIRED = 'sk-expired-b1e6d3a97c240f58';
let up: FakeOpenAI;
let gw: Gateway;
let port: number;
const now = Date.parse('2026-06-01T00:00:00Z');

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, { key: 'sk-upstream-e5a1c90b7d3f2648' }),
    route('m', { model: 'm', aliases: ['m-alias'], targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    route('other', { model: 'other', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    apiKey('alice', ALICE, { models: 'm' }),
    apiKey('bob', BOB),
    apiKey('old', EXPIRED, { expiresAt: '2026-01-01T00:00:00Z' }),
  ], { now: () => now });
  port = Number(new URL(gw.origin).port);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const chatURL = (): string => `${gw.baseURL}/chat/completions`;
const chat = (headers: Record<string, string>, model = 'm'): Promise<Response> => postJson(chatURL(), { ...CHAT, model }, headers);

describe('E1/E3 unknown, expired and hostile keys', () => {
  it('E1 unknown, prefix-sharing, expired and malformed keys get identical 401 bytes and headers', async () => {
    const keys = ['sk-random-0123456789abcdef', `${ALICE.slice(0, 8)}ffffffffffffffff`, EXPIRED, '%%%', 'Bearer'];
    const answers: string[] = [];
    const headerSets: string[] = [];
    for (const k of keys) {
      const res = await chat({ authorization: `Bearer ${k}` });
      expect(res.status).toBe(401);
      answers.push(await res.text());
      headerSets.push([...res.headers.keys()].filter((h) => h !== 'x-request-id' && h !== 'date').sort().join(','));
    }
    expect(new Set(answers).size).toBe(1);
    expect(new Set(headerSets).size).toBe(1);
    expect(errorCode(answers[0] ?? '')).toBe('invalid_api_key');
  });

  it.each([
    ["' OR '1'='1", "' OR '1'='1"],
    ['NoSQL operator', '{"$gt":""}'],
    ['LDAP wildcard', '*)(uid=*))(|(uid=*'],
    ['quotes and backslashes', '"\\"\\\\\''],
    ['8 KB key', 'k'.repeat(8192)],
    ['unicode', 'ключ-🔑'],
  ])('E3 %s → 401 fixed body, never 5xx', async (_n, key) => {
    const res = await fetch(chatURL(), { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': encodeURIComponent(key) }, body: JSON.stringify({ ...CHAT, model: 'm' }) });
    expect(res.status).toBe(401);
    expect(errorCode(await res.text())).toBe('invalid_api_key');
  });

  it.each([
    ['NUL', 'sk-abc\u0000def'],
    ['CRLF', 'sk-abc\r\nx-injected: 1'],
    ['1 MB key', 'k'.repeat(1024 * 1024)],
  ])('E3 %s in the header → 4xx envelope from the parser, never 5xx', async (_n, key) => {
    const body = JSON.stringify({ ...CHAT, model: 'm' });
    const r = await rawRequest(port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer ${key}\r\ncontent-length: ${body.length}\r\n\r\n${body}`, { waitMs: 1500 });
    expect([400, 401, 431]).toContain(r.status);
    expect(errorCode(r.body)).toMatch(/^(bad_request|invalid_api_key|headers_too_large)$/);
    expect(r.headers['x-injected']).toBeUndefined();
  });

  it('E3 no key at all → 401 missing_api_key', async () => {
    const res = await chat({});
    expect(res.status).toBe(401);
    expect(errorCode(await res.text())).toBe('missing_api_key');
  });
});

describe('E6 alternate credential inputs', () => {
  it('E6 Authorization: Bearer and x-api-key both work; scheme is case-insensitive', async () => {
    expect((await chat({ authorization: `Bearer ${BOB}` })).status).toBe(200);
    expect((await chat({ authorization: `bearer ${BOB}` })).status).toBe(200);
    expect((await chat({ 'x-api-key': BOB })).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${BOB}`, 'x-api-key': BOB })).status).toBe(200);
  });

  it('E6 api-key header and ?key= query are not credentials', async () => {
    const viaHeader = await chat({ 'api-key': BOB });
    expect(viaHeader.status).toBe(401);
    expect(errorCode(await viaHeader.text())).toBe('missing_api_key');
    const viaQuery = await postJson(`${chatURL()}?key=${BOB}`, { ...CHAT, model: 'm' });
    expect(viaQuery.status).toBe(401);
    expect(errorCode(await viaQuery.text())).toBe('missing_api_key');
  });

  it('E6 both headers present and disagreeing → 400 conflicting_credentials', async () => {
    const res = await chat({ authorization: `Bearer ${BOB}`, 'x-api-key': ALICE });
    expect(res.status).toBe(400);
    expect(errorCode(await res.text())).toBe('conflicting_credentials');
  });

  it('E6 restrictions apply the same whichever header carried the key', async () => {
    for (const h of [{ authorization: `Bearer ${ALICE}` }, { 'x-api-key': ALICE }] as Record<string, string>[]) {
      expect((await chat(h, 'm')).status).toBe(200);
      expect((await chat(h, 'other')).status).toBe(403);
      // E5: an alias is a different name: the key lists only "m".
      expect((await chat(h, 'm-alias')).status).toBe(403);
    }
  });

  it('E6 a non-Bearer Authorization scheme → 401', async () => {
    const res = await chat({ authorization: `Basic ${Buffer.from(`x:${BOB}`).toString('base64')}` });
    expect(res.status).toBe(401);
  });
});

describe('E7 path normalisation bypass', () => {
  const variants = ['/v1//chat/completions', '/V1/Chat/Completions', '/v1/chat/completions/', '/v1/%63hat/completions', '/v1/./chat/completions', '/v1/chat/completions;x', '/v1/chat%2fcompletions', '//v1/chat/completions', '/v1/chat/completions%00'];
  it.each(variants)('E7 POST %s without a key → 404 or the canonical route with auth (401)', async (path) => {
    const body = JSON.stringify({ ...CHAT, model: 'm' });
    const r = await rawRequest(port, `POST ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    expect([401, 404]).toContain(r.status);
    expect(errorCode(r.body)).toMatch(/^(not_found|missing_api_key)$/);
    expect(r.headers['x-request-id']).toBeTruthy();
  });

  it('E7 /v1/models/..%2f..%2fadmin → 404 model_not_found (exact lookup)', async () => {
    const res = await fetch(`${gw.baseURL}/models/..%2f..%2fadmin`, { headers: { authorization: `Bearer ${BOB}` } });
    expect(res.status).toBe(404);
    expect(errorCode(await res.text())).toBe('model_not_found');
  });

  it('E7 method-override and rewrite headers are ignored', async () => {
    const override = await fetch(`${gw.baseURL}/models`, { method: 'POST', headers: { 'x-http-method-override': 'GET', authorization: `Bearer ${BOB}` } });
    expect(override.status).toBe(405);
    expect(override.headers.get('allow')).toBe('GET');
    for (const h of ['x-original-url', 'x-rewrite-url']) {
      const res = await fetch(`${gw.origin}/admin`, { headers: { [h]: '/v1/models', authorization: `Bearer ${BOB}` } });
      expect(res.status).toBe(404);
      expect(errorCode(await res.text())).toBe('not_found');
    }
    const getChat = await fetch(chatURL(), { headers: { 'x-http-method-override': 'POST' } });
    expect(getChat.status).toBe(405);
    expect(errorCode(await getChat.text())).toBe('method_not_allowed');
  });
});

describe('E9 route inventory', () => {
  it('E9 the data listener exposes exactly the documented routes, each with the auth hook', () => {
    expect(gw.app.printRoutes({ commonPrefix: false, includeHooks: true })).toBe(
      [
        '├── /v1/chat/completions (POST)',
        '│   • (onRequest) ["initRequest()","authenticateRequest()"]',
        '├── /v1/completions (POST)',
        '│   • (onRequest) ["initRequest()","authenticateRequest()"]',
        '├── /v1/embeddings (POST)',
        '│   • (onRequest) ["initRequest()","authenticateRequest()"]',
        '├── /v1/responses (POST)',
        '│   • (onRequest) ["initRequest()","authenticateRequest()"]',
        '├── /v1/messages (POST)',
        '│   • (onRequest) ["initRequest()","authenticateRequest()"]',
        '│   └── /count_tokens (POST)',
        '│       • (onRequest) ["initRequest()","authenticateRequest()"]',
        '└── /v1/models (GET)',
        '    • (onRequest) ["initRequest()","authenticateRequest()"]',
        '    └── /:model (GET)',
        '        • (onRequest) ["initRequest()","authenticateRequest()"]',
        '',
      ].join('\n'),
    );
  });

  it.each(['/metrics', '/healthz', '/readyz', '/debug/table', '/debug/explain?model=m', '/admin', '/', '/v1', '/v1/message', '/v1/responses/r1', '/v1/messages/batches', '/documentation'])(
    'E9/E10 GET %s on the data port → 404 envelope',
    async (path) => {
      const res = await fetch(`${gw.origin}${path}`);
      expect(res.status).toBe(404);
      expect(errorCode(await res.text())).toBe('not_found');
    },
  );

  it('E9 HEAD is not auto-exposed and unknown methods get the envelope', async () => {
    const head = await fetch(`${gw.baseURL}/models`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    const del = await fetch(`${gw.baseURL}/models`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(errorCode(await del.text())).toBe('method_not_allowed');
  });

  it.each(['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/responses'])('E9 GET %s → 405 OpenAI envelope, Allow: POST', async (path) => {
    const res = await fetch(`${gw.origin}${path}`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(errorCode(await res.text())).toBe('method_not_allowed');
  });

  it.each(['/v1/messages', '/v1/messages/count_tokens'])('E9 GET %s → 405 in Anthropic\'s envelope with request-id', async (path) => {
    const res = await fetch(`${gw.origin}${path}`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
    expect(await res.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Method not allowed on this endpoint.' }, request_id: res.headers.get('x-request-id') });
  });
});

describe('x-request-id', () => {
  it('keeps a safe client id and replaces an unsafe one', async () => {
    const safe = await chat({ authorization: `Bearer ${BOB}`, 'x-request-id': 'client-abc.123:x' });
    expect(safe.headers.get('x-request-id')).toBe('client-abc.123:x');
    const unsafe = await chat({ authorization: `Bearer ${BOB}`, 'x-request-id': 'a b"<script>' });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(up.requests.at(-1)?.headers['x-request-id']).toBe(unsafe.headers.get('x-request-id'));
  });
});
