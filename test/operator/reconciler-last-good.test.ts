// The reconciler carries the compiler's lastGood from one reconcile to the next (leader and follower alike): a
// rejected generation keeps its last accepted one serving, the status written says so, a gauge counts it, and the
// warn line appears once per change of the problem set, not on every reconcile.
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import type { CacheContents } from '../../pkg/operator/informers.ts';
import type { KubeObject } from '../../pkg/operator/kube/object.ts';
import { createOperatorMetrics } from '../../pkg/operator/metrics.ts';
import { createReconciler } from '../../pkg/operator/reconciler.ts';
import type { Reconciled } from '../../pkg/operator/reconciler.ts';
import { desiredStatus } from '../../pkg/operator/status.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const API = 'switchyard.dev/v1alpha1';
const NS = 'ai';

const provider: KubeObject = {
  apiVersion: API, kind: 'Provider',
  metadata: { name: 'fake', namespace: NS, uid: 'p-1', generation: 1, creationTimestamp: '2025-01-01T00:00:00Z' },
  spec: { type: 'fake' },
};
function route(generation: number, weight: number, uid = 'r-1'): KubeObject {
  return {
    apiVersion: API, kind: 'ModelRoute',
    metadata: { name: 'chat', namespace: NS, uid, generation, creationTimestamp: '2025-01-01T00:00:00Z' },
    spec: { model: 'chat-model', targets: [{ provider: 'fake', weight }] },
  };
}

function setup(leader: boolean) {
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  const registry = new Registry();
  const metrics = createOperatorMetrics(registry, { connectedProxies: () => 0 });
  let contents: CacheContents = { providers: [provider], routes: [route(1, 2)], quotas: [], secrets: [] };
  const published: RoutingTable[] = [];
  let version = 0;
  const reconciled: Reconciled[] = [];
  const reconciler = createReconciler({
    caches: { synced: () => true, contents: () => contents },
    compile,
    publisher: { publish: (t) => { published.push(t); } },
    leadership: { isLeader: () => leader, nextVersion: () => (leader ? ++version : null) },
    ejected: () => new Set(),
    metrics,
    logger: createLogger({ level: 'debug', destination }),
    onReconciled: (r) => reconciled.push(r),
    debounceMs: 1,
    maxDelayMs: 5,
  });
  const run = async (routes: KubeObject[]): Promise<Reconciled> => {
    contents = { ...contents, routes };
    reconciler.enqueue(true);
    await reconciler.idle();
    const last = reconciled.at(-1);
    if (last === undefined) throw new Error('no reconcile ran');
    return last;
  };
  const warns = () => lines.map((l) => JSON.parse(l) as { level: string; msg: string; stale?: unknown[] }).filter((l) => l.level === 'warn');
  const gauge = async () => (await registry.getSingleMetricAsString('switchyard_operator_last_good_objects')).split('\n').at(-1);
  return { reconciler, run, published, warns, gauge };
}

for (const leader of [true, false]) {
  describe(`reconciler as ${leader ? 'leader' : 'follower'}: per-object last-known-good`, () => {
    it('an invalid generation keeps the last accepted one in the table; the status names it; warn once; gauge 1; fixed → 0', async () => {
      const { reconciler, run, published, warns, gauge } = setup(leader);
      try {
        const first = await run([route(1, 2)]);
        expect(first.table.models['chat-model']).toBe(`${NS}/chat`);
        const hash = first.table.hash;

        const bad = await run([route(2, -1)]);
        expect(bad.table.hash).toBe(hash); // generation 1 still served, so the table did not change
        expect(bad.table.routes[0]?.targets[0]?.weight).toBe(2);
        const status = bad.statuses.find((s) => s.kind === 'ModelRoute');
        expect(status?.generation).toBe(2);
        const accepted = status?.conditions.find((c) => c.type === 'Accepted');
        expect(accepted).toMatchObject({ status: 'False', reason: 'Invalid' });
        expect(accepted?.message).toMatch(/; generation 1 \(the last accepted\) keeps serving until this is fixed$/);
        // What the status writer would store: the compiler's reason and message, unchanged, observed at generation 2.
        const body = desiredStatus(status ?? bad.statuses[0]!, [], undefined, '2025-01-01T00:00:00Z');
        expect(body.observedGeneration).toBe(2);
        expect(body.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ reason: 'Invalid', message: accepted?.message });
        expect(await gauge()).toBe('switchyard_operator_last_good_objects 1');

        await run([route(2, -1)]); // the same problem again: no new warn line
        await run([route(3, -7)]); // still invalid, still generation 1 (chained)
        const stillBad = warns();
        expect(stillBad).toHaveLength(1);
        expect(stillBad[0]?.msg).toBe('compile left 1 object(s) not accepted or unresolved, 1 serving their last accepted generation');
        expect(stillBad[0]?.stale).toEqual([expect.objectContaining({ object: `ModelRoute ${NS}/chat`, reason: 'Invalid' })]);

        const fixed = await run([route(4, 5)]);
        expect(fixed.table.routes[0]?.targets[0]?.weight).toBe(5);
        expect(await gauge()).toBe('switchyard_operator_last_good_objects 0');
        if (leader) expect(published.map((t) => t.routes[0]?.targets[0]?.weight)).toEqual([2, 5]);
        else expect(published).toEqual([]);
      } finally {
        await reconciler.stop();
      }
    });

    it('a recreated object (new uid) does not inherit the old one: plain rejection, the model is gone', async () => {
      const { reconciler, run, warns } = setup(leader);
      try {
        await run([route(1, 2)]);
        const r = await run([route(1, -1, 'r-2')]);
        expect(r.table.models['chat-model']).toBeUndefined();
        expect(r.statuses.find((s) => s.kind === 'ModelRoute')?.conditions[0]?.message).not.toContain('keeps serving');
        expect(warns()).toHaveLength(1);
      } finally {
        await reconciler.stop();
      }
    });
  });
}
