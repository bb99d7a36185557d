// C1 and C2 on a real kube-apiserver: the operator survives the API server going away (informers restart with
// backoff and relist, the table hash is unchanged when nothing changed, a change made after the return is
// published), and a restarted operator's first table is byte-identical (same hash) to the previous one.
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthAggregator } from '../../pkg/operator/health.ts';
import { startOperator } from '../../pkg/operator/operator.ts';
import type { RunningOperator } from '../../pkg/operator/operator.ts';
import { sharedTokenAuth } from '../../pkg/sync/auth.ts';
import { applyAll, metricValue, provider, route, sleep, startOperatorEnv, testLogger, waitFor } from './harness.ts';
import type { OperatorTestEnv } from './harness.ts';

const NS = 'recovery';
let env: OperatorTestEnv;
const running: RunningOperator[] = [];

beforeAll(async () => {
  env = await startOperatorEnv([NS]);
  await applyAll(env.kube, [
    provider(NS, 'fake', { type: 'fake', models: [{ name: 'fake-small' }] }),
    route(NS, 'one', { model: 'one', targets: [{ provider: 'fake', model: 'fake-small' }] }),
    route(NS, 'two', { model: 'two', targets: [{ provider: 'fake', model: 'fake-small' }] }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(running.map((o) => o.close()));
  await env?.stop();
}, 30_000);

async function operator(identity: string): Promise<RunningOperator> {
  const op = await startOperator({
    transport: env.transport(), logger: testLogger(identity), auth: sharedTokenAuth('recovery-token-0123456789'),
    health: createHealthAggregator({ clock: Date.now }),
    lease: { namespace: NS, identity, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 },
    informers: { backoff: { baseMs: 200, maxMs: 1_000 } },
    syncPort: 0, adminPort: 0, host: '127.0.0.1', processMetrics: false,
  });
  running.push(op);
  return op;
}

const published = (op: RunningOperator) => op.reconciler.latest()?.published ?? null;

describe('operator recovery', () => {
  it('C1 keeps its caches while the API server is down, relists when it returns, same hash, then follows changes', async () => {
    const op = await operator('c1-op');
    const first = await waitFor('a first publication', () => published(op) ?? undefined, 10_000);
    expect(op.reconciler.latest()?.table.routes.map((r) => r.name)).toEqual(['one', 'two']);

    await env.cluster.stopApiServer();
    await sleep(3_000);
    expect(op.informers.synced()).toBe(true);
    expect((await fetch(`${op.adminUrl}/readyz`)).status).toBe(200);
    await waitFor('the leader to step down', () => !op.elector.isLeader(), 3_000);
    const during = await (await fetch(`${op.adminUrl}/metrics`)).text();
    expect(metricValue(during, 'switchyard_operator_informer_restarts_total')).toBeGreaterThan(0);

    const t0 = performance.now();
    await env.cluster.startApiServer();
    const back = await waitFor('leadership and a publication after the return', () => {
      const p = published(op);
      return op.elector.isLeader() && p !== null && p.version > first.version ? p : undefined;
    }, 20_000, 50);
    console.log(`recovery e2e: republished ${Math.round(performance.now() - t0)} ms after the API server restart began`);
    expect(back.hash).toBe(first.hash);

    const t1 = performance.now();
    await applyAll(env.kube, [route(NS, 'three', { model: 'three', targets: [{ provider: 'fake', model: 'fake-small' }] })]);
    const changed = await waitFor('the new route to be published', () => {
      const p = published(op);
      return p !== null && p.hash !== first.hash ? p : undefined;
    }, 15_000, 20);
    console.log(`recovery e2e: a change after the return published in ${Math.round(performance.now() - t1)} ms`);
    expect(changed.version).toBeGreaterThan(back.version);
    expect(op.reconciler.latest()?.table.routes.map((r) => r.name)).toEqual(['one', 'three', 'two']);
  }, 60_000);

  it('C2 a restarted operator first publishes the identical table (same hash), and only after its caches synced', async () => {
    const before = running[0];
    if (before === undefined) throw new Error('no operator from the previous test');
    const last = await waitFor('the first operator to publish', () => published(before) ?? undefined);
    await before.close();
    const op = await operator('c2-op');
    const firstPublished = await waitFor('the restarted operator to publish', () => published(op) ?? undefined, 10_000, 20);
    expect(op.informers.synced()).toBe(true);
    expect(firstPublished.hash).toBe(last.hash);
    expect(firstPublished.version).toBeGreaterThan(last.version);
    const metrics = await (await fetch(`${op.adminUrl}/metrics`)).text();
    expect(metricValue(metrics, 'switchyard_operator_reconciles_total', { result: 'published' })).toBe(1);
  }, 30_000);
});
