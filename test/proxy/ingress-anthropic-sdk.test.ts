// The official @anthropic-ai/sdk against the gateway over loopback: our errors arrive as its typed classes with the
// status, the parsed Anthropic body (err.error) and the request id (err.requestID, from the request-id header);
// models.list reads the Anthropic model list. Keys go in as x-api-key (apiKey) and as Bearer (authToken).
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { apiKey, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const KEY = 'sk-anthropic-sdk-3e8f1a6c0b2d9475';
const MSGS: Anthropic.MessageParam[] = [{ role: 'user', content: 'hi' }];
let up: FakeOpenAI;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, { key: 'sk-upstream-5f4e3d2c1b0a9988' }),
    route('m', { model: 'm', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    route('limited', { model: 'limited', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'status-429' }] }),
    apiKey('k', KEY),
  ]);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

function client(o: { apiKey?: string | null; authToken?: string | null }): Anthropic {
  return new Anthropic({ baseURL: gw.origin, maxRetries: 0, apiKey: o.apiKey ?? null, authToken: o.authToken ?? null });
}

async function caught(p: Promise<unknown>): Promise<InstanceType<typeof Anthropic.APIError>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Anthropic.APIError) return e;
    throw e;
  }
  throw new Error('expected an APIError');
}

function expectEnvelope(err: InstanceType<typeof Anthropic.APIError>, status: number, type: string): void {
  expect(err.status).toBe(status);
  expect(err.requestID).toMatch(/^[0-9a-f-]{36}$/);
  expect(err.error).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: err.requestID });
}

describe('@anthropic-ai/sdk error classes', () => {
  it.each([
    ['x-api-key', { apiKey: 'sk-wrong' }],
    ['Bearer', { authToken: 'sk-wrong' }],
  ])('a wrong key via %s → AuthenticationError', async (_how, auth) => {
    const err = await caught(client(auth).messages.create({ model: 'm', max_tokens: 5, messages: MSGS }));
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expectEnvelope(err, 401, 'authentication_error');
  });

  it.each([
    ['x-api-key', { apiKey: KEY }],
    ['Bearer', { authToken: KEY }],
  ])('an unknown model with a valid key via %s → NotFoundError', async (_how, auth) => {
    const err = await caught(client(auth).messages.create({ model: 'nope', max_tokens: 5, messages: MSGS }));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expectEnvelope(err, 404, 'not_found_error');
  });

  it('a missing max_tokens → BadRequestError with Anthropic wording', async () => {
    const params = { model: 'm', messages: MSGS } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const err = await caught(client({ apiKey: KEY }).messages.create(params));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.message).toContain('max_tokens: Field required');
  });

  it('an upstream 429 → RateLimitError carrying Retry-After', async () => {
    const err = await caught(client({ apiKey: KEY }).messages.create({ model: 'limited', max_tokens: 5, messages: MSGS }));
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expectEnvelope(err, 429, 'rate_limit_error');
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('countTokens on a route without Anthropic targets → BadRequestError', async () => {
    const err = await caught(client({ apiKey: KEY }).messages.countTokens({ model: 'm', messages: MSGS }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expectEnvelope(err, 400, 'invalid_request_error');
    expect((err.error as { error: { message: string } }).error.message).toBe('count_tokens is only available for Anthropic models');
  });
});

describe('@anthropic-ai/sdk models', () => {
  it('models.list and models.retrieve read the Anthropic shape', async () => {
    const c = client({ apiKey: KEY });
    const ids: string[] = [];
    for await (const m of c.models.list()) {
      expect(m.type).toBe('model');
      expect(Number.isNaN(Date.parse(m.created_at))).toBe(false);
      ids.push(m.id);
    }
    expect(ids).toEqual(['limited', 'm']);
    expect(await c.models.retrieve('m')).toMatchObject({ type: 'model', id: 'm', display_name: 'm' });
    const err = await caught(c.models.retrieve('nope'));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
  });
});
