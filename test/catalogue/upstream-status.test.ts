// B3 (429 with Retry-After), B4 (5xx bursts within one attempt budget) and B12 (upstream 4xx), on every client API
// the core serves, through the gateway on loopback in front of the fault upstream.
import { describe, expect, it } from 'vitest';
import { faultModel } from '../support/fault-upstream.ts';
import type { Fault } from '../support/fault-upstream.ts';
import { ALL_LANES, answerText, ask, codeOf, errorOf, modelOf } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { p, UPSTREAM_KEY, useCatalogueWorld } from './support/world.ts';

/** The fault's model name, tagged with the lane so that per-target state (cooldowns) never crosses lanes. */
const f = (l: Lane, fault: Fault): string => faultModel({ ...fault, tag: l.id });
const HTTP_DATE = 'Wed, 01 Jan 2100 00:00:00 GMT'; // replaced per request by the script below
const FAST = { base: '1ms', max: '2ms' };

const w = useCatalogueWorld(() => ({
  gateway: { options: { maxAttempts: 4 } },
  cases: {
    'b3-alone': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: f(l, { status: 429, retryAfter: '30' }) }] }) },
    'b3-date': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: f(l, { status: 429, retryAfter: HTTP_DATE, code: 'date' }) }] }) },
    'b3-failover': { lanes: ALL_LANES, spec: (l) => ({ strategy: 'priority', retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: f(l, { status: 429, retryAfter: '30', code: 'fo' }), priority: 0 }, { provider: p(l, 'backup'), model: 'ok', priority: 1 }] }) },
    'b4-retry': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: 'flaky' }] }) },
    'b4-budget': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 10, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: f(l, { status: 503 }) }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
    'b4-burst': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 2, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: 'burst' }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
    'b12': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: 'b12' }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
    'b12-auth': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: FAST }, targets: [{ provider: p(l, 'main'), model: 'b12-auth' }] }) },
  },
}));

const stream = (l: Lane): boolean => l.api !== 'embeddings';

describe.each(ALL_LANES)('B3 429 with Retry-After: $name', (l) => {
  it('seconds form, no other provider → 429 with Retry-After ≥ 30; the target is not asked again before then', async () => {
    const a = await ask(w.gw, l.api, modelOf('b3-alone', l), { stream: stream(l) });
    expect(a.status).toBe(429);
    expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(30);
    expect(errorOf(l.api, a).type).toBe('rate_limit_error');
    expect(w.up.requests).toHaveLength(1); // 30 s is longer than a request waits: no in-request retry
    const again = await ask(w.gw, l.api, modelOf('b3-alone', l), { stream: stream(l) });
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(28);
    expect(w.up.requests).toHaveLength(1); // cooling down: not contacted
  });

  it('HTTP-date form → the same: 429, Retry-After ≥ the date\'s distance, one upstream request', async () => {
    w.up.setScript((r) => (r.model.includes('code=date') ? { status: 429, retryAfter: new Date(Date.now() + 30_000).toUTCString() } : undefined));
    const a = await ask(w.gw, l.api, modelOf('b3-date', l), { stream: stream(l) });
    expect(a.status).toBe(429);
    expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(28);
    const again = await ask(w.gw, l.api, modelOf('b3-date', l), { stream: stream(l) });
    expect(again.status).toBe(429);
    expect(w.up.requests).toHaveLength(1);
  });

  it('another provider configured → failover to it at once; the limited one is skipped on the next request', async () => {
    const a = await ask(w.gw, l.api, modelOf('b3-failover', l), { stream: stream(l) });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-switchyard-attempts')).toBe('2');
    const b = await ask(w.gw, l.api, modelOf('b3-failover', l), { stream: stream(l) });
    expect(b.status).toBe(200);
    expect(w.up.requests).toHaveLength(1);
    expect(w.backup.requests).toHaveLength(2);
  });
});

describe.each(ALL_LANES)('B4 5xx bursts: $name', (l) => {
  it.each([500, 502, 503, 529])('%i twice, then success → retried on the same target with backoff; the client sees one 200', async (status) => {
    let n = 0;
    w.up.setScript(() => (++n <= 2 ? { status } : undefined));
    const a = await ask(w.gw, l.api, modelOf('b4-retry', l), { stream: stream(l) });
    expect(a.status).toBe(200);
    if (l.api !== 'embeddings') expect(answerText(l.api, a)).toBe('tok0 tok1 tok2 ');
    expect(a.headers.get('x-switchyard-attempts')).toBe('3');
    expect(w.up.requests).toHaveLength(3);
  });

  it('a target that keeps failing: retries stop at the global attempt budget (4), the fallback is not reached', async () => {
    const a = await ask(w.gw, l.api, modelOf('b4-budget', l), { stream: stream(l) });
    expect(a.status).toBe(502);
    expect(await codeOf(w.gw, a)).toBe('upstream_error');
    expect(w.up.requests).toHaveLength(4);
    expect(w.backup.requests).toHaveLength(0);
    expect(a.headers.get('x-switchyard-attempts')).toBe('4');
  });

  it('a burst of mixed 5xx on the primary → its retries, then the fallback serves', async () => {
    const statuses = [500, 529];
    w.up.setScript((r) => ({ status: statuses[r.index % statuses.length] as number }));
    const a = await ask(w.gw, l.api, modelOf('b4-burst', l), { stream: stream(l) });
    expect(a.status).toBe(200);
    expect(w.up.requests).toHaveLength(2);
    expect(w.backup.requests).toHaveLength(1);
  });
});

describe.each(ALL_LANES)('B12 upstream 4xx: $name', (l) => {
  it.each([
    [400, 'invalid_request_error', 'messages.0: bad field'],
    [400, 'context_length_exceeded', 'This model\'s maximum context length is 128000 tokens.'],
    [404, 'model_not_found', 'The model does not exist.'],
  ])('%i %s → the client\'s 4xx with the upstream\'s message; no retry, no fallback', async (status, code, message) => {
    w.up.setScript(() => ({ status, code: l.upstream === 'ant' ? (status === 404 ? 'not_found_error' : 'invalid_request_error') : code, message }));
    const a = await ask(w.gw, l.api, modelOf('b12', l), { stream: stream(l) });
    expect(a.status).toBe(status);
    expect(String(errorOf(l.api, a).message)).toBe(message);
    expect(w.up.requests).toHaveLength(1);
    expect(w.backup.requests).toHaveLength(0);
  });

  it.each([401, 403])('%i from the provider → 502 upstream_auth_error; its body (echoing the key) never reaches the client', async (status) => {
    w.up.setScript(() => ({ status, message: `Incorrect API key provided: ${UPSTREAM_KEY}` }));
    const a = await ask(w.gw, l.api, modelOf('b12-auth', l), { stream: stream(l) });
    expect(a.status).toBe(502);
    expect(w.up.requests).toHaveLength(1);
    expect(await codeOf(w.gw, a)).toBe('upstream_auth_error');
    expect(a.text).not.toContain(UPSTREAM_KEY.slice(-12));
    expect(a.text).not.toContain('127.0.0.1');
  });
});
