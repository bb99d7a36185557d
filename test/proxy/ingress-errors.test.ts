// Every ingress over real HTTP: validation errors in the caller's own envelope (OpenAI for the OpenAI APIs,
// Anthropic's with request-id for /v1/messages), 401s via x-api-key and via Bearer, Retry-After on a 429, the
// client-API capability check, count_tokens on non-Anthropic routes, and GET /v1/models in both shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoutingTable, TableProvider } from '../../pkg/table/types.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { apiKey, compileTable, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const KEY = 'sk-ingress-7c1d93e0a4b5f268';
const MSGS = [{ role: 'user', content: 'hi' }];
let up: FakeOpenAI;
let gw: Gateway;

function objects(): unknown[] {
  return [
    ...provider('up', up.url, { key: 'sk-upstream-0a9b8c7d6e5f4321' }),
    route('m', { model: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    route('limited', { model: 'limited', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'status-429' }] }),
    apiKey('k', KEY),
  ];
}

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway(objects());
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const bearer = { authorization: `Bearer ${KEY}` };
const xApiKey = { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };

interface AnthropicError {
  type: string;
  error: { type: string; message: string };
  request_id: string;
}

/** Asserts the Anthropic envelope and its ids; returns the body. */
async function anthropicError(res: Response, status: number, type: string): Promise<AnthropicError> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const id = res.headers.get('x-request-id');
  expect(id).toBeTruthy();
  expect(res.headers.get('request-id')).toBe(id);
  const body = (await res.json()) as AnthropicError;
  expect(Object.keys(body).sort()).toEqual(['error', 'request_id', 'type']);
  expect(body.type).toBe('error');
  expect(body.error.type).toBe(type);
  expect(body.request_id).toBe(id);
  return body;
}

async function openaiError(res: Response, status: number, code: string): Promise<{ message: string; type: string; param: string | null; code: string }> {
  expect(res.status).toBe(status);
  expect(res.headers.get('request-id')).toBeNull();
  const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(['message', 'type', 'param', 'code']);
  expect(body.error.code).toBe(code);
  return body.error;
}

describe('validation errors in each ingress\'s envelope', () => {
  it.each([
    ['/v1/chat/completions', { model: 'm' }, 'messages'],
    ['/v1/completions', { model: 'm' }, 'prompt'],
    ['/v1/embeddings', { model: 'm' }, 'input'],
    ['/v1/responses', { model: 'm' }, 'input'],
    ['/v1/responses', { input: 'hi' }, 'model'],
  ])('%s %j → 400 OpenAI envelope, param %s', async (path, body, param) => {
    const e = await openaiError(await postJson(`${gw.origin}${path}`, body, bearer), 400, 'invalid_request');
    expect(e).toEqual({ message: `'${param}' is required.`, type: 'invalid_request_error', param, code: 'invalid_request' });
  });

  it('/v1/messages without max_tokens → 400 invalid_request_error in Anthropic wording, request-id', async () => {
    const body = await anthropicError(await postJson(`${gw.origin}/v1/messages`, { model: 'm', messages: MSGS }, xApiKey), 400, 'invalid_request_error');
    expect(body.error.message).toBe('max_tokens: Field required');
  });

  it('/v1/messages with max_tokens 0 and with no messages', async () => {
    const zero = await anthropicError(await postJson(`${gw.origin}/v1/messages`, { model: 'm', messages: MSGS, max_tokens: 0 }, xApiKey), 400, 'invalid_request_error');
    expect(zero.error.message).toBe('max_tokens: Input should be greater than or equal to 1');
    const none = await anthropicError(await postJson(`${gw.origin}/v1/messages`, { model: 'm', messages: [], max_tokens: 5 }, xApiKey), 400, 'invalid_request_error');
    expect(none.error.message).toBe('messages: at least one message is required');
  });

  it('/v1/messages body errors from the parser (bad JSON, wrong media type, too deep) are Anthropic-shaped too', async () => {
    const bad = await anthropicError(await postJson(`${gw.origin}/v1/messages`, '{"model":', xApiKey), 400, 'invalid_request_error');
    expect(bad.error.message).toBe('The request body is not valid JSON.');
    const media = await fetch(`${gw.origin}/v1/messages`, { method: 'POST', headers: { ...xApiKey, 'content-type': 'text/plain' }, body: 'x' });
    await anthropicError(media, 415, 'invalid_request_error');
  });

  it('/v1/messages/count_tokens needs messages but no max_tokens', async () => {
    const body = await anthropicError(await postJson(`${gw.origin}/v1/messages/count_tokens`, { model: 'm' }, xApiKey), 400, 'invalid_request_error');
    expect(body.error.message).toBe('messages: Field required');
  });
});

describe('authentication on /v1/messages: x-api-key and Bearer both work for our keys', () => {
  it.each([
    ['no key', { 'anthropic-version': '2023-06-01' }],
    ['a wrong x-api-key', { 'x-api-key': 'sk-wrong', 'anthropic-version': '2023-06-01' }],
    ['a wrong Bearer', { authorization: 'Bearer sk-wrong', 'anthropic-version': '2023-06-01' }],
  ])('%s → 401 authentication_error', async (_what, headers) => {
    await anthropicError(await postJson(`${gw.origin}/v1/messages`, { model: 'm', messages: MSGS, max_tokens: 5 }, headers), 401, 'authentication_error');
  });

  it.each([['x-api-key', xApiKey], ['Bearer', { ...bearer, 'anthropic-version': '2023-06-01' }]])('a valid key via %s gets past auth (unknown model → 404 not_found_error)', async (_how, headers) => {
    const body = await anthropicError(await postJson(`${gw.origin}/v1/messages`, { model: 'nope', messages: MSGS, max_tokens: 5 }, headers), 404, 'not_found_error');
    expect(body.error.message).toBe('The model does not exist or you do not have access to it.');
  });
});

describe('upstream errors in the Anthropic dialect', () => {
  it('an upstream 429 → 429 rate_limit_error with Retry-After and request-id', async () => {
    const res = await postJson(`${gw.origin}/v1/messages`, { model: 'limited', messages: MSGS, max_tokens: 5 }, xApiKey);
    await anthropicError(res, 429, 'rate_limit_error');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('x-switchyard-route')).toBe('limited');
  });

  it('the same 429 on /v1/chat/completions stays in the OpenAI envelope', async () => {
    const res = await postJson(`${gw.origin}/v1/chat/completions`, { model: 'limited', messages: MSGS }, bearer);
    await openaiError(res, 429, 'upstream_rate_limited');
    expect(res.headers.get('retry-after')).not.toBeNull();
  });
});

describe('client APIs a route cannot serve', () => {
  it('count_tokens on a route without Anthropic targets → 400 invalid_request_error, nothing sent upstream', async () => {
    const before = up.requests.length;
    const body = await anthropicError(
      await postJson(`${gw.origin}/v1/messages/count_tokens`, { model: 'm', messages: MSGS }, xApiKey), 400, 'invalid_request_error',
    );
    expect(body.error.message).toBe('count_tokens is only available for Anthropic models');
    expect(up.requests.length).toBe(before);
  });

  it('per the provider\'s declared client APIs: none → 400 unsupported_operation in each dialect, nothing sent', async () => {
    const table = compileTable(objects(), 2);
    const only = (p: TableProvider, nativeApis: string[], translatedApis: string[]): TableProvider => ({ ...p, nativeApis, translatedApis } as unknown as TableProvider);
    const providers = Object.fromEntries(Object.entries(table.providers).map(([id, p]) => [id, only(p, ['openai-chat'], ['openai-completions'])]));
    const other = await startGateway(objects());
    try {
      other.holder.load({ ...table, providers } as RoutingTable);
      const before = up.requests.length;
      const msg = await anthropicError(await postJson(`${other.origin}/v1/messages`, { model: 'm', messages: MSGS, max_tokens: 5 }, xApiKey), 400, 'invalid_request_error');
      expect(msg.error.message).toBe('The model "m" cannot be called through the Anthropic Messages API: its providers (openai-compatible) serve it neither natively nor through translation.');
      const resp = await openaiError(await postJson(`${other.origin}/v1/responses`, { model: 'm', input: 'hi' }, bearer), 400, 'unsupported_operation');
      expect(resp.param).toBe('model');
      const emb = await openaiError(await postJson(`${other.origin}/v1/embeddings`, { model: 'm', input: 'hi' }, bearer), 400, 'unsupported_operation');
      expect(emb.message).toContain('OpenAI Embeddings API');
      expect(up.requests.length).toBe(before);
      const ok = await postJson(`${other.origin}/v1/chat/completions`, { model: 'm', messages: MSGS }, bearer);
      expect(ok.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('GET /v1/models in both shapes', () => {
  it('OpenAI shape by default', async () => {
    const res = await fetch(`${gw.origin}/v1/models`, { headers: bearer });
    expect(await res.json()).toEqual({
      object: 'list',
      data: [
        { id: 'limited', object: 'model', created: expect.any(Number), owned_by: 'switchyard' },
        { id: 'm', object: 'model', created: expect.any(Number), owned_by: 'switchyard' },
      ],
    });
  });

  it('Anthropic shape when the request carries anthropic-version, also for one model', async () => {
    const list = (await (await fetch(`${gw.origin}/v1/models`, { headers: xApiKey })).json()) as { data: { created_at: string }[] };
    expect(list).toEqual({
      data: [
        { type: 'model', id: 'limited', display_name: 'limited', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
        { type: 'model', id: 'm', display_name: 'm', created_at: expect.any(String) },
      ],
      has_more: false, first_id: 'limited', last_id: 'm',
    });
    const one = await (await fetch(`${gw.origin}/v1/models/m`, { headers: xApiKey })).json();
    expect(one).toEqual({ type: 'model', id: 'm', display_name: 'm', created_at: list.data[1]?.created_at });
    const openai = await (await fetch(`${gw.origin}/v1/models/m`, { headers: bearer })).json();
    expect(openai).toMatchObject({ id: 'm', object: 'model' });
  });

  it('errors follow the shape: Anthropic 404 and 401 with anthropic-version, OpenAI without', async () => {
    await anthropicError(await fetch(`${gw.origin}/v1/models/nope`, { headers: xApiKey }), 404, 'not_found_error');
    await anthropicError(await fetch(`${gw.origin}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } }), 401, 'authentication_error');
    await openaiError(await fetch(`${gw.origin}/v1/models/nope`, { headers: bearer }), 404, 'model_not_found');
  });
});
