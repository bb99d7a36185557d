// e2e, control-plane faults: two operator processes (one Lease), three proxy processes, load on every proxy. The
// leader is SIGKILLed (C9), every operator dies and comes back (C2), the API server goes away and returns (C1), and a
// proxy is offered stale and corrupt tables (C4). A sampler checks throughout that at most one operator leads, no
// proxy's version ever goes down and no proxy stops being ready; the operators' logs are checked at the end for
// overlapping leadership and out-of-order publications.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, getJson, metricValue } from './harness/http.ts';
import { leadershipProblems } from './harness/leadership.ts';
import { nonSuccess, startLoad, summarize } from './harness/load.ts';
import type { LoadRun } from './harness/load.ts';
import { applyManifests, ensureNamespace, provider, route } from './harness/objects.ts';
import { freePort } from '../support/ports.ts';
import { startSampler } from './harness/sampler.ts';
import type { Sampler } from './harness/sampler.ts';
import { useWorld } from './harness/suite.ts';
import { brokenSnapshots, smallTable, startRawSyncServer, startTestSyncServer } from './harness/test-sync.ts';
import { startKeyedUpstream } from './harness/upstream.ts';
import type { KeyedUpstream } from './harness/upstream.ts';
import { sleep, waitFor } from './harness/wait.ts';
import { waitHttpReady } from './harness/world.ts';
import type { OperatorNode } from './harness/world.ts';

const NS = 'team-ops';
const world = useWorld({ name: 'failover', operators: 2, proxies: 3, auth: 'open' });
let upstream: KeyedUpstream;
let sampler: Sampler | undefined;

beforeAll(async () => {
  const w = world();
  upstream = await startKeyedUpstream();
  await ensureNamespace(w.kube, NS);
  await applyManifests(w.kube, [
    provider(NS, 'upstream', { baseURL: upstream.url }),
    { ...provider(NS, 'builtin', { baseURL: '' }), spec: { type: 'fake', fake: { outputTokens: 2 } } },
    route(NS, 'main', 'main-model', [{ provider: 'upstream', model: 'gpt-4o-mini' }]),
    route(NS, 'builtin', 'builtin-model', [{ provider: 'builtin' }]),
  ]);
  await w.waitForTables((t) => Object.hasOwn(t.models, 'main-model') && Object.hasOwn(t.models, 'builtin-model'), 'both routes are served');
  sampler = startSampler(w);
}, 60_000);
afterAll(async () => {
  await sampler?.stop();
  await upstream?.close();
});

function traffic(durationMs: number): LoadRun {
  return startLoad({ urls: world().dataUrls(), models: ['main-model', 'builtin-model'], concurrency: 4, durationMs, thinkMs: 5 });
}

async function expectNoErrors(load: LoadRun, minOk: number): Promise<void> {
  const r = await load.stop();
  expect(nonSuccess(r), summarize(r)).toEqual([]);
  expect(r.ok, summarize(r)).toBeGreaterThanOrEqual(minOk);
}

/** Applies a route for a new model and returns how long until every proxy serves it. */
async function changeAndWait(name: string, timeoutMs: number): Promise<number> {
  const w = world();
  const t0 = Date.now();
  await applyManifests(w.kube, [route(NS, name, `${name}-model`, [{ provider: 'builtin' }])]);
  await w.waitForTables((t) => Object.hasOwn(t.models, `${name}-model`), `${name}-model is routed`, timeoutMs);
  return Date.now() - t0;
}

function other(op: OperatorNode): OperatorNode {
  const o = world().operators.find((x) => x !== op);
  if (o === undefined) throw new Error('no second operator');
  return o;
}

describe('e2e failover: 2 operators, 3 proxies, faults in the control plane', () => {
  it('C9 two operators → exactly one leader; the follower refuses snapshot streams', async () => {
    const w = world();
    const leader = await w.waitForLeader();
    for (let i = 0; i < 8; i++) {
      expect((await w.leaders()).map((l) => l.identity)).toEqual([leader.identity]);
      await sleep(250);
    }
    const follower = other(leader);
    const state = await w.operatorState(follower);
    expect(state?.leader).toBe(false);
    const res = await getJson(`${follower.syncUrl}/sync/v1/snapshots?proxy=probe`, 3_000).catch(() => null);
    // Unauthenticated: 401 before anything else; with the token a follower answers 503 "not leader".
    expect(res?.status).toBe(401);
    const authed = await fetch(`${follower.syncUrl}/sync/v1/snapshots?proxy=probe`, { headers: { authorization: `Bearer ${w.token}` } });
    expect(authed.status).toBe(503);
    expect(await authed.text()).toContain('not leader');
    const published = await w.waitConverged();
    expect(published.version).toBeGreaterThan(0);
  });

  it('C9 leader SIGKILLed under load → the other operator publishes within 15 s, proxies never fail a request', async () => {
    const w = world();
    const leader = await w.waitForLeader();
    const load = traffic(60_000);
    try {
      await waitFor(() => load.snapshot().ok > 20, { what: 'load flowing', intervalMs: 50 });
      const t0 = Date.now();
      await leader.proc.kill();
      const successor = other(leader);
      // A change made right after the crash must reach every proxy through the new leader.
      await applyManifests(w.kube, [route(NS, 'after-kill', 'after-kill-model', [{ provider: 'builtin' }])]);
      await waitFor(async () => {
        const st = await w.operatorState(successor);
        return st?.leader === true && st.published !== null;
      }, { what: `${successor.identity} to lead and publish`, timeoutMs: 30_000, intervalMs: 100 });
      const publishedMs = Date.now() - t0;
      await w.waitForTables((t) => Object.hasOwn(t.models, 'after-kill-model'), 'after-kill-model is routed', 40_000);
      const servedMs = Date.now() - t0;
      console.log(`e2e failover: C9 leader killed; ${successor.identity} published after ${publishedMs} ms; every proxy served the change after ${servedMs} ms`);
      expect((await w.leaders()).map((l) => l.identity)).toEqual([successor.identity]);
      expect(publishedMs, 'the standby took too long to lead and publish').toBeLessThan(15_000);
      expect(servedMs, 'the proxies took too long to reach the new leader (see the proxies\' sync-client retries)').toBeLessThan(15_000);
      await sleep(1_000);
    } finally {
      await expectNoErrors(load, 50);
    }
    leader.proc.start();
    await waitHttpReady(leader.proc, `${leader.adminUrl}/healthz`, 30_000);
    await sleep(2_000);
    expect((await w.leaders()).map((l) => l.identity)).toEqual([other(leader).identity]);
    expect((await w.operatorState(leader))?.leader).toBe(false);
  }, 90_000);

  it('C2 every operator killed → proxies keep serving; restarted → the same table hash is published', async () => {
    const w = world();
    const before = await w.waitConverged();
    const served0 = sampler?.snapshot().served ?? new Map();
    const load = traffic(60_000);
    try {
      await Promise.all(w.operators.map((op) => op.proc.kill()));
      const during = load.snapshot().ok;
      await sleep(4_000);
      expect(load.snapshot().ok - during, 'requests served while no operator runs').toBeGreaterThan(30);
      for (const p of w.proxies) expect(await w.proxyTable(p)).toEqual(before);
      for (const op of w.operators) op.proc.start();
      const after = await w.waitConverged(30_000);
      expect(after.hash).toBe(before.hash);
      expect(after.version).toBeGreaterThan(before.version);
      console.log(`e2e failover: C2 restart re-published hash ${after.hash.slice(0, 12)} as v${after.version} (was v${before.version})`);
    } finally {
      await expectNoErrors(load, 50);
    }
    // Never an empty or partial table in between: every table a proxy served since then carries the same hash.
    const served = sampler?.snapshot().served ?? new Map<string, readonly string[]>();
    for (const p of w.proxies) {
      const since = (served.get(p.id) ?? []).slice(Math.max(0, (served0.get(p.id)?.length ?? 1) - 1));
      expect(new Set(since.map((s) => s.split(':')[1])), `${p.id} served ${since.join(' ')}`).toEqual(new Set([before.hash.slice(0, 12)]));
    }
  }, 90_000);

  it('C1 API server stopped → proxies keep serving with zero errors; it returns → the operators recover and publish a change', async () => {
    const w = world();
    const before = await w.waitConverged();
    const load = traffic(90_000);
    try {
      await waitFor(() => load.snapshot().ok > 20, { what: 'load flowing', intervalMs: 50 });
      await w.cluster.stopApiServer();
      const during = load.snapshot().ok;
      await sleep(12_000);
      expect(load.snapshot().ok - during, 'requests served while the API server is down').toBeGreaterThan(100);
      for (const op of w.operators) {
        expect(op.proc.running, `${op.identity} crashed`).toBe(true);
        expect((await getJson(`${op.adminUrl}/healthz`)).status).toBe(200);
      }
      for (const p of w.proxies) expect(await w.proxyTable(p)).toEqual(before);
      await w.cluster.startApiServer();
      const t0 = Date.now();
      const recovered = await w.waitConverged(40_000);
      expect(recovered.hash).toBe(before.hash);
      const ms = await changeAndWait('after-apiserver', 30_000);
      console.log(`e2e failover: C1 API server back; converged after ${Date.now() - t0 - ms} ms, a new change served ${ms} ms after apply`);
    } finally {
      await expectNoErrors(load, 200);
    }
    for (const op of w.operators) {
      const m = await w.metrics(op.adminUrl);
      expect(metricValue(m, 'switchyard_operator_informer_restarts_total'), `${op.identity} informer restarts`).toBeGreaterThan(0);
    }
  }, 120_000);

  it('C4 a stale version (N−1 after N), a bad checksum and a truncated payload are refused; the proxy keeps N and NACKs', async () => {
    const w = world();
    const port = await freePort();
    const first = await startTestSyncServer(w.token, port);
    first.sync.publish(smallTable(100, 'c4-new'));
    const p = await w.addProxy({ id: 'proxy-c4', syncUrls: [first.url], track: false });
    try {
      await waitHttpReady(p.proc, `${p.adminUrl}/readyz`, 30_000);
      const n = await w.proxyTable(p);
      expect(n?.version).toBe(100);
      await waitFor(() => first.sync.proxies().find((x) => x.id === 'proxy-c4' && x.version === 100 && x.lastAckOk), { what: 'ACK of v100' });
      await first.close();

      // Another publisher that only knows version 99 (an old leader's late push, in effect).
      const stale = await startTestSyncServer(w.token, port);
      stale.sync.publish(smallTable(99, 'c4-old'));
      const nack = await waitFor(() => stale.sync.proxies().find((x) => x.id === 'proxy-c4' && !x.lastAckOk), { what: 'NACK of v99', timeoutMs: 20_000 });
      expect(nack.lastError ?? '').toMatch(/99/);
      expect(nack.version).toBe(100);
      expect(await w.proxyTable(p)).toEqual(n);
      expect((await chat(p.dataUrl, 'c4-new')).status).toBe(200);
      expect((await chat(p.dataUrl, 'c4-old')).code).toBe('model_not_found');
      await stale.close();

      const broken = brokenSnapshots(101, 'c4-broken');
      const raw = await startRawSyncServer(w.token, port, [broken.badChecksum, broken.truncated], 100);
      try {
        await waitFor(() => raw.acks.filter((a) => !a.ok).length >= 2, { what: 'two NACKs from the raw server', timeoutMs: 20_000 });
        const errors = raw.acks.filter((a) => !a.ok).map((a) => `v${a.version}: ${a.error ?? ''}`);
        expect(errors.join('\n')).toMatch(/v101: .*(sha256|checksum|hash)/i);
        expect(errors.join('\n')).toMatch(/v102: .*(gzip|truncat|garbl|bytes)/i);
        expect(raw.acks.some((a) => a.ok)).toBe(false);
      } finally {
        await raw.close();
      }
      expect(await w.proxyTable(p)).toEqual(n);
      expect(metricValue(await w.metrics(p.adminUrl), 'switchyard_table_load_failures_total')).toBeGreaterThanOrEqual(3);
    } finally {
      await p.proc.stop();
    }
  }, 90_000);

  it('C9 never two leaders, never two publishers, versions only go up (sampled all along, and from the operators\' logs)', async () => {
    const w = world();
    const log = await (sampler as Sampler).stop();
    sampler = undefined;
    expect(log.samples).toBeGreaterThan(50);
    expect(log.doubleLeaders).toEqual([]);
    expect(log.regressions).toEqual([]);
    expect(log.unready).toEqual([]);
    const { problems, timeline } = leadershipProblems(w.operators.map((o) => o.proc));
    expect(problems).toEqual([]);
    expect(new Set(timeline.intervals.map((i) => i.operator)).size).toBe(2);
    expect(timeline.publications.length).toBeGreaterThan(3);
    console.log(`e2e failover: ${timeline.intervals.length} leadership terms, ${timeline.publications.length} publications: ${timeline.intervals.map((i) => `${i.operator}[${i.how}]`).join(' ')}`);
  });
});
