// Graceful drain (issue 11 point 6; catalogue D8's per-request half) on the real data plane, over every client API
// the core serves: once close() begins, a stream that ends within the drain timeout completes with its success
// terminator, one that outlives it ends with one terminal error event (shutting_down; never a success terminator,
// never a silent close), a request still waiting for its upstream head gets 503 shutting_down in its envelope, and
// the upstream calls of the ended requests are cancelled.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataPlaneParts, serveDataPlane } from '../../pkg/serve/dataplane.ts';
import type { RunningDataPlane } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { apiKey, compileTable, NS, route, secret } from '../proxy/harness.ts';
import { faultModel, startFaultUpstream } from '../support/fault-upstream.ts';
import type { FaultUpstream } from '../support/fault-upstream.ts';
import { ALL_LANES, answerText, CATALOGUE_KEY, endedWithSuccess, errorEventCount, hasSuccessTerminator, modelOf, requestOf, STREAM_LANES, terminalError } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';

const DRAIN_MS = 1500;
let up: FaultUpstream;
let dp: RunningDataPlane;
const lines: string[] = [];

const SHORT = faultModel({ gapMs: 100, pieces: 5 }); // ~0.5 s: inside the drain timeout
const LONG = faultModel({ gapMs: 250, pieces: 40 }); // ~10 s: far beyond it
const HANG = faultModel({ headDelayMs: 30_000 });

beforeAll(async () => {
  up = await startFaultUpstream();
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  const logger = createLogger({ level: 'info', destination });
  const parts = createDataPlaneParts(logger, 'required');
  const provider = (family: 'oa' | 'ant'): unknown => ({
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: family, namespace: NS },
    spec: { type: family === 'oa' ? 'openai-compatible' : 'anthropic', baseURL: up.url, auth: { secretRef: { name: 'up-cred', key: 'apiKey' } } },
  });
  const routes = ALL_LANES.flatMap((l) => [['short', SHORT], ['long', LONG], ['hang', HANG]].map(([c, m]) =>
    route(`${c}-${l.id}`, { model: modelOf(c as string, l), retry: { attempts: 1 }, targets: [{ provider: l.upstream, model: m }] })));
  parts.holder.load(compileTable([secret('up-cred', { apiKey: 'sk-up-drain-0000000000' }), apiKey('k', CATALOGUE_KEY), provider('oa'), provider('ant'), ...routes]));
  dp = await serveDataPlane(parts, { dataPort: 0, adminPort: 0, host: '127.0.0.1', logger, env: {}, drainTimeoutMs: DRAIN_MS });
});

afterAll(async () => {
  await dp.close();
  await up.close();
});

async function open(l: Lane, c: string, stream: boolean): Promise<Response> {
  const r = requestOf(l.api, modelOf(c, l), { stream, key: CATALOGUE_KEY });
  return fetch(`${dp.data.url}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('drain on shutdown, every client API', () => {
  it('short streams finish, long streams end with one terminal shutting_down event, waiting requests get 503 shutting_down', async () => {
    const shorts = await Promise.all(STREAM_LANES.map((l) => open(l, 'short', true)));
    const longs = await Promise.all(STREAM_LANES.map((l) => open(l, 'long', true)));
    const waiting = ALL_LANES.map((l) => open(l, 'hang', l.api !== 'embeddings'));
    await until(() => up.requests.length === STREAM_LANES.length * 2 + ALL_LANES.length);
    expect([...shorts, ...longs].every((r) => r.status === 200)).toBe(true);
    const shortTexts = Promise.all(shorts.map((r) => r.text()));
    const longTexts = Promise.all(longs.map((r) => r.text()));

    const t0 = performance.now();
    const closed = dp.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`${dp.data.url}/v1/models`)).rejects.toThrow(); // no new connections

    const [st, lt, hung] = await Promise.all([shortTexts, longTexts, Promise.all(waiting)]);
    await closed;
    expect(performance.now() - t0).toBeLessThan(DRAIN_MS + 2500);

    STREAM_LANES.forEach((l, i) => {
      expect(endedWithSuccess(l.api, st[i] as string)).toBe(true);
      expect(answerText(l.api, { status: 200, headers: new Headers(), requestId: null, contentType: 'text/event-stream', text: st[i] as string, ms: 0 })).toBe('tok0 tok1 tok2 tok3 tok4 ');
      const long = lt[i] as string;
      expect(terminalError(l.api, long)).not.toBeNull();
      expect(errorEventCount(l.api, long)).toBe(1);
      expect(hasSuccessTerminator(l.api, long)).toBe(false);
      expect(long).toContain('tok0 ');
    });
    for (let i = 0; i < ALL_LANES.length; i++) {
      const l = ALL_LANES[i] as Lane;
      const res = hung[i] as Response;
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toContain(l.api === 'messages' ? 'overloaded_error' : 'shutting_down');
    }
    const access = lines.map((s) => JSON.parse(s) as Record<string, unknown>).filter((x) => x.msg === 'request');
    expect(access.filter((x) => x.code === 'shutting_down').length).toBe(STREAM_LANES.length + ALL_LANES.length);
    // The upstream calls of everything ended by the drain were cancelled.
    await until(() => up.inFlight === 0);
    expect(up.requests.filter((r) => r.aborted)).toHaveLength(STREAM_LANES.length + ALL_LANES.length);
  });
});
