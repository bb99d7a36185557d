// B14 (usage as the provider reported it, stream and non-stream alike), B16 (client disconnect: during the TTFT
// wait, mid-stream, non-stream) and D5 (a disconnect storm, scaled down to 3 rounds of 60 clients), on every client
// API the core serves, through the gateway on loopback.
import type { Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../proxy/harness.ts';
import { faultModel } from '../support/fault-upstream.ts';
import { accessLine, ALL_LANES, ask, modelOf, requestOf, STREAM_LANES } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { KEY, p, useCatalogueWorld } from './support/world.ts';

const USAGE = faultModel({ inputTokens: 1200, outputTokens: 345 });
const PRICING = { input: 2, output: 8 }; // USD per million tokens
const COST = (1200 * PRICING.input + 345 * PRICING.output) / 1e6;

const w = useCatalogueWorld(() => ({
  endpoints: ({ main }) => ({ priced: { url: main, spec: { models: [{ name: USAGE, pricing: PRICING }] } } }),
  cases: {
    // Embeddings: the priced model entry would need the embeddings capability; the usage check is the same.
    'b14': { lanes: ALL_LANES, spec: (l) => ({ targets: [{ provider: p(l, l.api === 'embeddings' ? 'main' : 'priced'), model: USAGE }] }) },
    'b16-ttft': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: faultModel({ headDelayMs: 5000 }) }] }) },
    'b16-mid': { lanes: STREAM_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: faultModel({ gapMs: 100, pieces: 50 }) }] }) },
    'd5': { lanes: STREAM_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: faultModel({ gapMs: 50, pieces: 400 }) }] }) },
  },
}));

describe.each(ALL_LANES)('B14 usage: $name', (l) => {
  it.each(l.api === 'embeddings' ? [false] : [false, true])('stream=%s: the access log holds the provider\'s usage, not an estimate, priced by hand', async (stream) => {
    const a = await ask(w.gw, l.api, modelOf('b14', l), { stream });
    expect(a.status).toBe(200);
    const line = await accessLine(w.gw, a.requestId);
    expect(line).toMatchObject({ tokensIn: 1200, tokensOut: l.api === 'embeddings' ? 0 : 345, usageEstimated: false });
    if (l.api !== 'embeddings') expect(line.costUSD).toBeCloseTo(COST, 12);
  });
});

/** Starts a request and returns its abort and a promise of the first body chunk (null for a non-stream request). */
function start(l: Lane, model: string, stream: boolean): { abort: () => void; firstChunk: Promise<string | null>; done: Promise<void> } {
  const r = requestOf(l.api, model, { stream, key: KEY });
  const ac = new AbortController();
  let gotFirst: (s: string | null) => void = () => undefined;
  const firstChunk = new Promise<string | null>((res) => {
    gotFirst = res;
  });
  const done = (async () => {
    try {
      const res = await fetch(`${w.gw.origin}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body), signal: ac.signal });
      const reader = res.body?.getReader();
      const first = await reader?.read();
      gotFirst(first?.value !== undefined ? new TextDecoder().decode(first.value) : null);
      for (;;) if ((await reader?.read())?.done !== false) break;
    } catch {
      gotFirst(null);
    }
  })();
  return { abort: () => ac.abort(), firstChunk, done };
}

const inflight = async (): Promise<number> => ((await (w.gw.registry.getSingleMetric('switchyard_inflight_requests') as Gauge).get()).values[0]?.value ?? 0);

describe.each(ALL_LANES)('B16 client disconnect: $name', (l) => {
  const stream = l.api !== 'embeddings';
  it(`${stream ? 'stream, during the TTFT wait' : 'non-stream'} → the upstream call is aborted within 1 s, access log 499`, async () => {
    const req = start(l, modelOf('b16-ttft', l), stream);
    await eventually(() => w.up.requests.length === 1);
    const t0 = performance.now();
    req.abort();
    await req.done;
    await eventually(() => w.up.requests[0]?.aborted === true, 1000);
    expect(performance.now() - t0).toBeLessThan(1000);
    await eventually(() => w.gw.accessLines().some((x) => x.status === 499 && x.route !== null && String(x.route).includes(l.id)));
    expect(await inflight()).toBe(0);
  });

  if (l.api === 'chat' || l.api === 'completions' || l.api === 'responses' || l.api === 'messages') {
    it.runIf(stream)('non-stream, while the upstream is working → aborted within 1 s', async () => {
      const req = start(l, modelOf('b16-ttft', l), false);
      await eventually(() => w.up.requests.length === 1);
      req.abort();
      await req.done;
      await eventually(() => w.up.requests[0]?.aborted === true, 1000);
      expect(await inflight()).toBe(0);
    });
  }
});

describe.each(STREAM_LANES)('B16 client disconnect mid-stream: $name', (l) => {
  it('after the first content → the upstream call is aborted within 1 s, the request is logged 499', async () => {
    const req = start(l, modelOf('b16-mid', l), true);
    expect(await req.firstChunk).not.toBeNull();
    const t0 = performance.now();
    req.abort();
    await req.done;
    await eventually(() => w.up.requests[0]?.aborted === true, 1000);
    expect(performance.now() - t0).toBeLessThan(1000);
    await eventually(() => w.gw.accessLines().some((x) => x.status === 499 && String(x.route).includes(l.id)));
    expect(await inflight()).toBe(0);
  });
});

describe('D5 disconnect storm (scaled: 3 rounds × 60 clients across the stream lanes)', () => {
  it('every round the upstream sees every abort; in-flight, upstream sockets and memory return to baseline', async () => {
    const N = 60;
    const baseSockets = w.up.openSockets;
    let rssAfterFirst = 0;
    for (let round = 0; round < 3; round++) {
      w.up.reset();
      const reqs = Array.from({ length: N }, (_, i) => {
        const l = STREAM_LANES[i % STREAM_LANES.length] as Lane;
        return start(l, modelOf('d5', l), true);
      });
      const firsts = await Promise.all(reqs.map((r) => r.firstChunk));
      expect(firsts.every((f) => f !== null)).toBe(true);
      for (const r of reqs) r.abort();
      await Promise.all(reqs.map((r) => r.done));
      await eventually(() => w.up.aborts === N, 3000);
      await eventually(() => w.up.inFlight === 0, 3000);
      expect(await inflight()).toBe(0);
      await eventually(() => w.up.openSockets <= baseSockets + 1, 3000);
      if (round === 0) rssAfterFirst = process.memoryUsage().rss;
    }
    expect(process.memoryUsage().rss - rssAfterFirst).toBeLessThan(64 * 1024 * 1024);
  });
});
