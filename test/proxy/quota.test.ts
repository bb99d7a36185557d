// Quota enforcement through the gateway over loopback (issue 8 points 3, 4, 6): exact limits in one process, 429
// quota_exceeded in the caller's dialect with Retry-After, OpenAI-style x-ratelimit headers, shadow mode, settlement
// with reported usage (streams included), release on failure and disconnect, one charge across retries and
// fallbacks, downgrade, and a reload that keeps the usage.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateRequest } from '../../pkg/quota/estimate.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { compileTable, eventually, postJson, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { ALICE, BOB, T0, quota, world } from './quota-support.ts';

let up: FakeOpenAI;
let gw: Gateway;
let clock = T0;
let version = 1;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway(world(up.url), { now: () => clock });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

beforeEach(() => {
  // Every test starts in a fresh hour (and minute) so windows never carry over between tests.
  clock = T0 + version * 3_600_000;
  version++;
});

afterEach(() => {
  up.setBehavior(undefined);
  up.requests.length = 0;
});

const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
const chat = (model: string, key = ALICE, extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.baseURL}/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra }, auth(key));

async function statuses(responses: Promise<Response>[]): Promise<number[]> {
  const out = await Promise.all(responses);
  await Promise.all(out.map((r) => r.arrayBuffer()));
  return out.map((r) => r.status);
}

describe('requests limits', () => {
  it('a 3-requests-per-minute quota lets exactly 3 through, then 429 quota_exceeded with Retry-After to the reset', async () => {
    const got: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await chat('rpm3');
      got.push(res.status);
      if (i === 2) {
        expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3');
        expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
        expect(res.headers.get('x-ratelimit-reset-requests')).toBe('30s');
      }
      if (i === 3) {
        expect(res.headers.get('retry-after')).toBe('30');
        expect(res.headers.get('x-switchyard-route')).toBe('rpm3');
        const body = (await res.json()) as { error: { type: string; code: string } };
        expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'quota_exceeded' });
        continue;
      }
      await res.arrayBuffer();
    }
    expect(got).toEqual([200, 200, 200, 429, 429, 429]);
    expect(up.requests).toHaveLength(3);
    clock += 30_000; // the next minute
    expect((await chat('rpm3')).status).toBe(200);
  });

  it('N parallel requests over HTTP never exceed the limit in one process (20 at once, limit 5)', async () => {
    const got = await statuses(Array.from({ length: 20 }, (_, i) => chat('par', i % 2 === 0 ? ALICE : BOB)));
    expect(got.filter((s) => s === 200)).toHaveLength(5);
    expect(got.filter((s) => s === 429)).toHaveLength(15);
    expect(up.requests).toHaveLength(5);
  });

  it('the first response of a window shows the limit, remaining after this request, and the reset as a duration', async () => {
    const res = await chat('tok', ALICE, { max_tokens: 10 });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    expect(res.headers.get('x-ratelimit-reset-requests')).toBe('42m30s');
    expect(res.headers.get('x-ratelimit-limit-tokens')).toBe('300');
    expect(res.headers.get('x-ratelimit-reset-tokens')).toBe('42m30s');
  });

  it('a route without quotas (and a caller no quota matches) gets no rate-limit headers', async () => {
    const res = await chat('free');
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });

  it('a claim subject never matches an API-key caller (keys carry no claims): requests 0 does not apply to it', async () => {
    const res = await chat('claimed');
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-limit-requests')).toBeNull();
  });
});

describe('tokens and cost', () => {
  it('settles the reservation with the reported usage and refuses when the estimate no longer fits', async () => {
    up.setBehavior(() => ({ usage: { prompt_tokens: 40, completion_tokens: 30, total_tokens: 70 } }));
    const body = { model: 'tok', messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 };
    const est = estimateRequest(body, false);
    const first = await chat('tok', ALICE, { max_tokens: 50 });
    await first.arrayBuffer();
    expect(first.headers.get('x-ratelimit-remaining-tokens')).toBe(String(300 - est.inputTokens - est.outputTokens));
    const second = await chat('tok', BOB, { max_tokens: 50 }); // same team, same counter
    await second.arrayBuffer();
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(300 - 70 - est.inputTokens - est.outputTokens));
    // 140 used: a request reserving 200 output tokens does not fit in the 160 left.
    const third = await chat('tok', ALICE, { max_tokens: 200 });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('quota_exceeded');
    expect(up.requests).toHaveLength(2);
  });

  it('a stream is settled by the usage it reports', async () => {
    up.setBehavior(() => ({ usage: { prompt_tokens: 100, completion_tokens: 150, total_tokens: 250 } }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { model: 'tok', stream: true, stream_options: { include_usage: true }, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, auth(ALICE));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('[DONE]');
    const body = { model: 'tok', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };
    const est = estimateRequest(body, false);
    const next = await chat('tok', ALICE, { max_tokens: 10 });
    await next.arrayBuffer();
    expect(next.headers.get('x-ratelimit-remaining-tokens')).toBe(String(300 - 250 - est.inputTokens - est.outputTokens));
  });

  it('a cost limit charges the priced usage and refuses once the estimate would pass the limit', async () => {
    // 40 input × 0.001 + 20 output × 0.002 = 0.08 USD of the 0.10 USD day.
    up.setBehavior(() => ({ usage: { prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 } }));
    expect((await statuses([chat('cost', ALICE, { max_tokens: 5 })]))).toEqual([200]);
    // Estimate of the next: a few input tokens + 10 × 0.002 = 0.02+ → 0.08 + 0.02+ > 0.10.
    const res = await chat('cost', ALICE, { max_tokens: 10 });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBe(Math.ceil((Date.parse('2026-03-15T00:00:00Z') - clock) / 1000));
    await res.arrayBuffer();
    expect(up.requests).toHaveLength(1);
  });
});

describe('shadow mode', () => {
  it('never blocks, still counts, and says so in the headers', async () => {
    const got: Response[] = [];
    for (let i = 0; i < 3; i++) got.push(await chat('shadow'));
    await Promise.all(got.map((r) => r.arrayBuffer()));
    expect(got.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(got[0]?.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(got[0]?.headers.get('x-switchyard-quota')).toBeNull();
    expect(got[2]?.headers.get('x-ratelimit-limit-requests')).toBe('1');
    expect(got[2]?.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(got[1]?.headers.get('x-switchyard-quota')).toBe('shadow-exceeded');
    // each-user: bob has his own counter.
    const bob = await chat('shadow', BOB);
    await bob.arrayBuffer();
    expect(bob.headers.get('x-switchyard-quota')).toBeNull();
  });
});

describe('release and single charge', () => {
  it('a failed request releases its reservation (and its error still carries the headers)', async () => {
    const a = await chat('fail');
    expect(a.status).toBe(502);
    expect(a.headers.get('x-ratelimit-limit-requests')).toBe('1');
    await a.arrayBuffer();
    const b = await chat('fail');
    await b.arrayBuffer();
    expect(b.status).toBe(502); // not 429: the first request's reservation was given back
  });

  it('a client that disconnects before the answer releases its reservation', async () => {
    const ac = new AbortController();
    const upstreamAbort = up.onAbort();
    const abandoned = fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', signal: ac.signal, headers: { 'content-type': 'application/json', ...auth(ALICE) }, body: JSON.stringify({ model: 'hang', messages: [{ role: 'user', content: 'x' }] }) });
    const settled = abandoned.then(() => 'answered', () => 'aborted');
    await eventually(() => up.requests.length === 1);
    // It holds the only request of the window: another one is refused meanwhile.
    const meanwhile = await chat('hang');
    await meanwhile.arrayBuffer();
    expect(meanwhile.status).toBe(429);
    ac.abort();
    expect(await settled).toBe('aborted');
    await upstreamAbort;
    await eventually(() => gw.accessLines().some((l) => l.code === 'client_closed'));
    const res = await chat('hang');
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  });

  it('retries and fallbacks reserve once and settle once (E16)', async () => {
    up.setBehavior((req) => ((req.body as { model?: string }).model === 'ok' ? { usage: { prompt_tokens: 100, completion_tokens: 1, total_tokens: 101 } } : undefined));
    const first = await chat('retry');
    await first.arrayBuffer();
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-switchyard-attempts'))).toBe(3);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    const body = { model: 'retry', messages: [{ role: 'user', content: 'hi' }] };
    const est = estimateRequest(body, false);
    const second = await chat('retry');
    await second.arrayBuffer();
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(second.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1000 - 100 - est.inputTokens));
    const third = await chat('retry');
    await third.arrayBuffer();
    expect(third.status).toBe(429);
    expect(up.requests).toHaveLength(6);
  });
});

describe('downgrade', () => {
  it('over the limit, the request goes to the downgrade route and the response says so', async () => {
    const first = await chat('big');
    await first.arrayBuffer();
    expect(first.headers.get('x-switchyard-route')).toBe('big');
    const second = await chat('big');
    await second.arrayBuffer();
    expect(second.status).toBe(200);
    expect(second.headers.get('x-switchyard-route')).toBe('small');
    expect(second.headers.get('x-switchyard-quota')).toBe('downgraded');
    expect((up.requests.at(-1)?.body as { model: string }).model).toBe('small-up');
    // bob is not the quota's subject: no downgrade for him.
    const bob = await chat('big', BOB);
    await bob.arrayBuffer();
    expect(bob.headers.get('x-switchyard-route')).toBe('big');
  });
});

describe('downgrade limits', () => {
  it('a downgrade route the caller may not use (its access rules) refuses with 429 instead', async () => {
    await (await chat('big-locked')).arrayBuffer();
    const res = await chat('big-locked');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'quota_exceeded', message: expect.stringMatching(/locked/) as unknown });
    expect(up.requests).toHaveLength(1);
  });

  it('the downgrade route\'s own quotas apply: over them, 429 (no second downgrade)', async () => {
    await (await chat('big-chain')).arrayBuffer(); // big-chain: 1 of 1
    const second = await chat('big-chain'); // → small-limited: 1 of 1
    await second.arrayBuffer();
    expect(second.headers.get('x-switchyard-route')).toBe('small-limited');
    const third = await chat('big-chain');
    await third.arrayBuffer();
    expect(third.status).toBe(429);
    expect(third.headers.get('x-switchyard-route')).toBe('small-limited');
    expect(up.requests).toHaveLength(2);
  });
});

describe('refusals in the caller dialect', () => {
  it('Anthropic Messages: 429 {type:error, error:{type:rate_limit_error}} with Retry-After', async () => {
    const res = await postJson(`${gw.baseURL}/messages`, { model: 'anthropic-zero', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': ALICE, 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2550');
    expect(res.headers.get('x-ratelimit-limit-requests')).toBe('0');
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('rate_limit_error');
    expect(body.error.message).toMatch(/quota/);
    expect(up.requests).toHaveLength(0);
  });
});

describe('standalone reload', () => {
  it('keeps usage across a reload that keeps the quota (limit raised), drops it when the quota is removed', async () => {
    for (let i = 0; i < 3; i++) await (await chat('rpm3')).arrayBuffer();
    expect((await chat('rpm3')).status).toBe(429);
    gw.holder.load(compileTable(world(up.url, [], 4), 100 + version));
    const after = await chat('rpm3');
    await after.arrayBuffer();
    expect(after.status).toBe(200); // the 4th of 4
    expect(after.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect((await chat('rpm3')).status).toBe(429);
    const without = world(up.url).filter((o) => (o as { metadata: { name: string }; kind: string }).kind !== 'Quota' || (o as { metadata: { name: string } }).metadata.name !== 'three-rpm');
    gw.holder.load(compileTable(without, 200 + version));
    gw.holder.load(compileTable([...without, quota('three-rpm', { subject: { kind: 'key', name: 'alice' }, models: ['rpm3'], limits: [{ window: '1m', requests: 3 }] })], 300 + version));
    const fresh = await chat('rpm3');
    await fresh.arrayBuffer();
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });
});
