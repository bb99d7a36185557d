// B15 (connection pool exhausted: the upstream accepts and never answers, every pool slot is taken) and B16's
// fourth case (the client goes away while queued for a slot), over every client API the core serves. The pool to
// the main fault upstream has one connection, so one held request fills it.
import { describe, expect, it } from 'vitest';
import { eventually } from '../proxy/harness.ts';
import { faultModel } from '../support/fault-upstream.ts';
import { ALL_LANES, ask, codeOf, modelOf, requestOf } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { KEY, p, useCatalogueWorld } from './support/world.ts';

const ONE = { attempts: 1 };
const w = useCatalogueWorld(() => ({
  pools: { connectionsPerOrigin: 1 },
  endpoints: ({ main }) => ({ one: { url: main, timeouts: { poolAcquire: '200ms' } }, patient: { url: main, timeouts: { poolAcquire: '5s' } } }),
  cases: {
    hold: { lanes: ALL_LANES, spec: (l) => ({ retry: ONE, targets: [{ provider: p(l, 'one'), model: faultModel({ headDelayMs: 10_000 }) }] }) },
    'b15-fallback': { lanes: ALL_LANES, spec: (l) => ({ retry: ONE, targets: [{ provider: p(l, 'one'), model: 'ok' }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
    'b15-only': { lanes: ALL_LANES, spec: (l) => ({ retry: ONE, targets: [{ provider: p(l, 'one'), model: 'ok' }] }) },
    'b16-queued': { lanes: ALL_LANES, spec: (l) => ({ retry: ONE, targets: [{ provider: p(l, 'patient'), model: 'ok' }] }) },
  },
}));

/** Sends a request in the background; returns its abort and its settlement. */
function background(l: Lane, model: string): { abort: () => void; settled: Promise<number | null> } {
  const r = requestOf(l.api, model, { key: KEY });
  const ac = new AbortController();
  const settled = fetch(`${w.gw.origin}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body), signal: ac.signal })
    .then(async (res) => {
      await res.arrayBuffer();
      return res.status;
    }, () => null);
  return { abort: () => ac.abort(), settled };
}

describe.each(ALL_LANES)('B15 connection pool exhausted: $name', (l) => {
  it('a new request waits at most poolAcquire (200 ms), then fails over; without a fallback 504; the slot comes back when the holder ends', async () => {
    const holder = background(l, modelOf('hold', l));
    await eventually(() => w.up.requests.length === 1);

    const over = await ask(w.gw, l.api, modelOf('b15-fallback', l));
    expect(over.status).toBe(200);
    expect(over.ms).toBeGreaterThanOrEqual(180);
    expect(w.backup.requests).toHaveLength(1);

    const only = await ask(w.gw, l.api, modelOf('b15-only', l));
    expect(only.status).toBe(504);
    expect(await codeOf(w.gw, only)).toBe('upstream_timeout');
    expect(only.ms).toBeLessThan(2000);
    expect(w.up.requests).toHaveLength(1); // neither reached the held upstream

    holder.abort();
    expect(await holder.settled).toBeNull();
    await eventually(() => w.up.requests[0]?.aborted === true);
    const again = await ask(w.gw, l.api, modelOf('b15-only', l));
    expect(again.status).toBe(200);
  });
});

describe.each(ALL_LANES)('B16 client disconnect while queued for a connection slot: $name', (l) => {
  it('the queued request never reaches the upstream and gives its place back; the access log shows 499', async () => {
    const holder = background(l, modelOf('hold', l));
    await eventually(() => w.up.requests.length === 1);
    const queued = background(l, modelOf('b16-queued', l));
    await new Promise((r) => setTimeout(r, 150));
    queued.abort();
    expect(await queued.settled).toBeNull();
    await eventually(() => w.gw.accessLines().some((x) => x.status === 499 && String(x.route).includes('b16-queued')));
    holder.abort();
    await holder.settled;
    const next = await ask(w.gw, l.api, modelOf('b16-queued', l));
    expect(next.status).toBe(200);
    expect(w.up.requests.filter((r) => r.model === 'ok')).toHaveLength(1); // only `next`: the queued one never went out
  });
});
