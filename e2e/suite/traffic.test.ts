// e2e, configuration changes under traffic: one operator, three proxies, closed-loop load on every proxy while a
// Secret is rotated (C8), route weights change (G10) and a provider fails everywhere and recovers (global health).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat } from './harness/http.ts';
import { nonSuccess, startLoad, summarize } from './harness/load.ts';
import type { LoadRun } from './harness/load.ts';
import { applyManifests, ensureNamespace, provider, readCondition, route, secret } from './harness/objects.ts';
import type { TargetSpec } from './harness/objects.ts';
import type { KubeObject } from '../support/kube.ts';
import { useWorld } from './harness/suite.ts';
import { startKeyedUpstream } from './harness/upstream.ts';
import type { KeyedUpstream } from './harness/upstream.ts';
import { waitFor } from './harness/wait.ts';
import type { DebugTable } from './harness/world.ts';

const NS = 'team-traffic';
const world = useWorld({ name: 'traffic', operators: 1, proxies: 3, auth: 'open' });
const upstreams: KeyedUpstream[] = [];

async function upstream(keys: readonly string[] = []): Promise<KeyedUpstream> {
  const u = await startKeyedUpstream(keys);
  upstreams.push(u);
  return u;
}

beforeAll(async () => {
  await ensureNamespace(world().kube, NS);
});
afterAll(async () => {
  await Promise.all(upstreams.map((u) => u.close()));
});

/** The object with extra spec fields. */
function withSpec(o: KubeObject, extra: Record<string, unknown>): KubeObject {
  return { ...o, spec: { ...(o['spec'] as Record<string, unknown>), ...extra } };
}

function routeTargets(t: DebugTable, model: string): string {
  const r = t.routes.find((x) => x.model === model);
  return r === undefined ? '(none)' : r.targets.map((x) => `${x.provider.split('/')[1]}:${x.weight}`).sort().join(',');
}

/** Waits until the load has had `n` more successes (it is really flowing). */
async function flowing(load: LoadRun, n = 20): Promise<void> {
  const start = load.snapshot().ok;
  await waitFor(() => load.snapshot().ok >= start + n, { what: `${n} successful requests`, timeoutMs: 15_000, intervalMs: 50 });
}

describe('e2e traffic: changes under load through 3 proxies', () => {
  it('C8 Secret rotated under load → the upstream sees the new key, zero 401s to clients, keys in no log', async () => {
    const w = world();
    const oldKey = `sk-canary-old-${randomBytes(8).toString('hex')}`;
    const newKey = `sk-canary-new-${randomBytes(8).toString('hex')}`;
    const up = await upstream([oldKey]);
    await applyManifests(w.kube, [
      secret(NS, 'rotating', { apiKey: oldKey }),
      provider(NS, 'rotating', { baseURL: up.url, secretName: 'rotating' }),
      route(NS, 'rotating', 'rotating-model', [{ provider: 'rotating', model: 'gpt-4o-mini' }]),
    ]);
    const [before] = await w.waitForTables((t) => Object.hasOwn(t.models, 'rotating-model'), 'rotating-model is routed');
    const load = startLoad({ urls: w.dataUrls(), models: ['rotating-model'], concurrency: 6, durationMs: 60_000 });
    try {
      await flowing(load);
      // The provider accepts both keys while the rotation rolls out (as real providers do), then revokes the old one.
      up.accept([oldKey, newKey]);
      const t0 = Date.now();
      await applyManifests(w.kube, [secret(NS, 'rotating', { apiKey: newKey })]);
      await w.waitForTables((t) => t.hash !== before?.hash && Object.hasOwn(t.models, 'rotating-model'), 'the rotated table is served');
      const propagatedMs = Date.now() - t0;
      await w.waitConverged();
      const newSeen = up.byKey.get(newKey) ?? 0;
      await waitFor(() => (up.byKey.get(newKey) ?? 0) > newSeen + 20, { what: 'requests with the new key', timeoutMs: 10_000, intervalMs: 50 });
      up.accept([newKey]);
      await flowing(load, 50);
      console.log(`e2e traffic: C8 rotation served by every proxy ${propagatedMs} ms after the Secret update`);
      expect(propagatedMs).toBeLessThan(10_000);
    } finally {
      const r = await load.stop();
      expect(nonSuccess(r), summarize(r)).toEqual([]);
      expect(r.ok).toBeGreaterThan(100);
    }
    expect(up.unauthorized).toBe(0);
    expect(up.byKey.get(oldKey)).toBeGreaterThan(0);
    expect(up.byKey.get(newKey)).toBeGreaterThan(0);
    for (const p of w.procs.all) {
      const text = readFileSync(p.logFile, 'utf8');
      expect(text.includes(oldKey) || text.includes(newKey), `${p.name} logged a provider key`).toBe(false);
    }
  }, 90_000);

  it('G10 route weights changed under load → zero non-2xx, and each weighting takes effect', async () => {
    const w = world();
    const a = await upstream();
    const b = await upstream();
    await applyManifests(w.kube, [
      provider(NS, 'weight-a', { baseURL: a.url }),
      provider(NS, 'weight-b', { baseURL: b.url }),
    ]);
    const weighted = (wa: number, wb: number): Promise<void> => applyManifests(w.kube, [
      route(NS, 'weighted', 'weighted-model', [
        { provider: 'weight-a', model: 'm', weight: wa }, { provider: 'weight-b', model: 'm', weight: wb },
      ] satisfies TargetSpec[]),
    ]);
    const expectTargets = (wa: number, wb: number): string => [wa > 0 ? `weight-a:${wa}` : '', wb > 0 ? `weight-b:${wb}` : ''].filter((x) => x !== '').join(',');
    await weighted(1, 1);
    await w.waitForTables((t) => routeTargets(t, 'weighted-model') === expectTargets(1, 1), 'weighted-model is 1:1');
    const load = startLoad({ urls: w.dataUrls(), models: ['weighted-model'], concurrency: 6, durationMs: 60_000 });
    try {
      await flowing(load);
      for (const [wa, wb] of [[9, 1], [1, 9], [0, 1], [1, 0], [5, 5]] as const) {
        await weighted(wa, wb);
        await w.waitForTables((t) => routeTargets(t, 'weighted-model') === expectTargets(wa, wb), `weighted-model is ${wa}:${wb}`);
        const [a0, b0] = [a.requests, b.requests];
        await flowing(load, 60);
        const [da, db] = [a.requests - a0, b.requests - b0];
        if (wa === 0) expect(da, `weight 0 on a, yet it got ${da} requests`).toBe(0);
        if (wb === 0) expect(db, `weight 0 on b, yet it got ${db} requests`).toBe(0);
        if (wa === 9) expect(da).toBeGreaterThan(db);
        if (wb === 9) expect(db).toBeGreaterThan(da);
      }
    } finally {
      const r = await load.stop();
      expect(nonSuccess(r), summarize(r)).toEqual([]);
      expect(r.ok).toBeGreaterThan(300);
      console.log(`e2e traffic: G10 ${summarize(r)}`);
    }
  }, 90_000);

  it('global health: a provider failing on every proxy is ejected (traffic stops, Healthy=False), then comes back', async () => {
    const w = world();
    const flaky = await upstream();
    const steady = await upstream();
    await applyManifests(w.kube, [
      // Local outlier ejection off for flaky: this tests the operator's global ejection, which sees only the attempts
      // proxies make (with local ejection on, each proxy stops trying after 5 failures and reports too few to judge).
      withSpec(provider(NS, 'flaky', { baseURL: flaky.url }), { outlierDetection: { consecutiveFailures: 0 } }),
      provider(NS, 'steady', { baseURL: steady.url }),
      route(NS, 'health', 'health-model', [{ provider: 'flaky', model: 'm' }, { provider: 'steady', model: 'm' }]),
    ]);
    const both = 'flaky:1,steady:1';
    await w.waitForTables((t) => routeTargets(t, 'health-model') === both, 'health-model has both targets');
    const load = startLoad({ urls: w.dataUrls(), models: ['health-model'], concurrency: 4, durationMs: 90_000, thinkMs: 10 });
    try {
      await flowing(load);
      const healthy = await waitFor(async () => {
        const c = await readCondition(w.kube, 'Provider', NS, 'flaky', 'Healthy');
        return c?.status === 'True' ? c : undefined;
      }, { what: 'Provider flaky Healthy=True from reports', timeoutMs: 20_000 });
      expect(healthy.reason).toBe('Healthy');

      flaky.fail(500);
      const t0 = Date.now();
      const ejected = await waitFor(async () => {
        const c = await readCondition(w.kube, 'Provider', NS, 'flaky', 'Healthy');
        return c?.status === 'False' ? c : undefined;
      }, { what: 'Provider flaky Healthy=False', timeoutMs: 30_000 });
      expect(ejected.reason).toBe('Ejected');
      expect(ejected.message).toMatch(/errors/);
      await w.waitForTables((t) => routeTargets(t, 'health-model') === 'steady:1', 'flaky is left out of health-model');
      console.log(`e2e traffic: global health ejected flaky ${Date.now() - t0} ms after it started failing`);
      const f0 = flaky.requests;
      const ok0 = load.snapshot();
      await flowing(load, 100);
      expect(flaky.requests - f0, 'the ejected provider still gets traffic').toBe(0);
      expect(load.snapshot().total - ok0.total).toBe(load.snapshot().ok - ok0.ok);
      expect((await readCondition(w.kube, 'Provider', NS, 'steady', 'Healthy'))?.status).toBe('True');

      flaky.fail(undefined);
      const back = await waitFor(async () => {
        const c = await readCondition(w.kube, 'Provider', NS, 'flaky', 'Healthy');
        return c?.status === 'True' ? c : undefined;
      }, { what: 'Provider flaky Healthy=True again', timeoutMs: 45_000, intervalMs: 500 });
      expect(['Healthy', 'Recovering']).toContain(back.reason);
      await w.waitForTables((t) => routeTargets(t, 'health-model') === both, 'flaky is back in health-model');
      const f1 = flaky.requests;
      await flowing(load, 60);
      expect(flaky.requests).toBeGreaterThan(f1);
    } finally {
      const r = await load.stop();
      console.log(`e2e traffic: global health ${summarize(r)}`);
    }
    for (const p of w.proxies) expect((await chat(p.dataUrl, 'health-model')).status).toBe(200);
  }, 120_000);
});
