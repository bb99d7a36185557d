// Retries, failover, fallback and upstream error mapping (B1, B2, B3, B12) against fake upstreams on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { closedPortURL } from '../support/upstreams.ts';

let a: FakeOpenAI;
let b: FakeOpenAI;
let dead: string;
let gw: Gateway;
let clock = 1_700_000_000_000;

const FAST = { attempts: 1 };

beforeAll(async () => {
  a = await startFakeOpenAI();
  b = await startFakeOpenAI();
  dead = await closedPortURL();
  gw = await startGateway([
    ...provider('a', a.url, { key: 'sk-a-0000000000000001' }),
    ...provider('b', b.url, { key: 'sk-b-0000000000000002' }),
    ...provider('dead', dead),
    ...provider('slow', a.url, { timeouts: { firstByte: '200ms' } }),
    route('b1-503', { model: 'b1-503', strategy: 'priority', retry: FAST, targets: [{ provider: 'a', model: 'status-503', priority: 0 }, { provider: 'b', model: 'ok', priority: 1 }] }),
    route('b1-refused', { model: 'b1-refused', strategy: 'priority', retry: FAST, targets: [{ provider: 'dead', model: 'm', priority: 0 }, { provider: 'b', model: 'ok', priority: 1 }] }),
    route('b2', { model: 'b2', targets: [{ provider: 'dead', model: 'm' }], fallback: [{ provider: 'dead', model: 'n' }] }),
    route('b2-5xx', { model: 'b2-5xx', retry: FAST, targets: [{ provider: 'a', model: 'status-500' }], fallback: [{ provider: 'b', model: 'status-502' }] }),
    route('retry', { model: 'retry', retry: { attempts: 3, backoff: { base: '1ms', max: '2ms' } }, targets: [{ provider: 'a', model: 'flaky' }] }),
    route('fallback', { model: 'fallback', retry: FAST, targets: [{ provider: 'a', model: 'status-500' }], fallback: [{ provider: 'dead', model: 'x' }, { provider: 'b', model: 'ok' }] }),
    route('client-400', { model: 'client-400', targets: [{ provider: 'a', model: 'status-400' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('auth-401', { model: 'auth-401', targets: [{ provider: 'a', model: 'status-401' }] }),
    route('hang', { model: 'hang', retry: FAST, targets: [{ provider: 'slow', model: 'hang' }] }),
    route('b3', { model: 'b3', retry: { attempts: 3 }, targets: [{ provider: 'a', model: 'ra-30' }] }),
    route('b3-failover', { model: 'b3-failover', strategy: 'priority', targets: [{ provider: 'a', model: 'ra-date', priority: 0 }, { provider: 'b', model: 'ok', priority: 1 }] }),
    route('budget', { model: 'budget', retry: { attempts: 10, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: 'a', model: 'status-503' }] }),
  ], { auth: 'open', now: () => clock, random: () => 0, options: { maxAttempts: 4 } });
});

afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

afterEach(() => {
  a.setBehavior(undefined);
  b.setBehavior(undefined);
  a.requests.length = 0;
  b.requests.length = 0;
});

const chat = (model: string): Promise<Response> => postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model });

describe('retries and failover', () => {
  it('B1 first target 503 → second serves, attempts = 2', async () => {
    const res = await chat('b1-503');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    expect(res.headers.get('x-switchyard-provider')).toBe('b');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it('B1 connection refused on the primary → secondary serves', async () => {
    const res = await chat('b1-refused');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
    expect(b.requests).toHaveLength(1);
  });

  it('B2 all providers refuse → 502 no_healthy_upstream', async () => {
    const res = await chat('b2');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { type: 'upstream_error', code: 'no_healthy_upstream' } });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('B2 every target and fallback answers 5xx → 502 upstream_error', async () => {
    const res = await chat('b2-5xx');
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(1);
  });

  it('retries the same target on 503 with backoff, then succeeds', async () => {
    let n = 0;
    a.setBehavior(() => (++n < 3 ? { status: 503 } : {}));
    const res = await chat('retry');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('3');
    expect(a.requests).toHaveLength(3);
  });

  it('fallbacks are tried in order after the targets fail', async () => {
    const res = await chat('fallback');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-attempts')).toBe('3');
    expect(res.headers.get('x-switchyard-provider')).toBe('b');
  });

  it('B12 upstream 400 → returned at once, no retry, no fallback, provider code kept', async () => {
    const res = await chat('client-400');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', message: 'Fake upstream error 400.' });
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('B12 upstream 401 → 502 upstream_auth_error without the upstream message', async () => {
    a.setBehavior(() => ({ status: 401, errorBody: { error: { message: 'Incorrect API key provided: sk-a-0000000000000001', code: 'invalid_api_key' } } }));
    const res = await chat('auth-401');
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'upstream_auth_error', type: 'upstream_error' } });
    expect(text).not.toContain('sk-a-');
  });

  it('upstream first-byte timeout → 504 upstream_timeout', async () => {
    const res = await chat('hang');
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
  });

  it('B3 429 with Retry-After: 30 → no retry before 30 s, client gets 429 with Retry-After ≥ 30', async () => {
    a.setBehavior((req) => ((req.body as { model?: string }).model === 'ra-30' ? { status: 429, headers: { 'retry-after': '30' } } : undefined));
    const first = await chat('b3');
    expect(first.status).toBe(429);
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThanOrEqual(30);
    expect(a.requests).toHaveLength(1); // 30 s is longer than we wait in-request: no second attempt
    clock += 10_000;
    const second = await chat('b3');
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBe(20);
    expect(a.requests).toHaveLength(1); // the target is cooling down: not contacted
    clock += 21_000;
    a.setBehavior(undefined);
    const third = await chat('b3');
    expect(third.status).toBe(200);
    expect(a.requests).toHaveLength(2);
  });

  it('B3 429 with an HTTP-date Retry-After and another provider → failover', async () => {
    const date = new Date(Date.now() + 30_000).toUTCString();
    a.setBehavior(() => ({ status: 429, headers: { 'retry-after': date } }));
    const res = await chat('b3-failover');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('b');
    expect(a.requests).toHaveLength(1);
  });

  it('the global attempt budget caps attempts', async () => {
    const res = await chat('budget');
    expect(res.status).toBe(502);
    expect(res.headers.get('x-switchyard-attempts')).toBe('4');
    expect(a.requests).toHaveLength(4);
  });
});
