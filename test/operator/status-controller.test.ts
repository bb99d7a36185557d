// The status controller remembers, per object, what its desired status was computed from (ADR 0024): a run after a
// change hands the writer exactly what a controller without that memory would hand it.
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../pkg/operator/kube/object.ts';
import type { Reconciled } from '../../pkg/operator/reconciler.ts';
import { createStatusController } from '../../pkg/operator/status-controller.ts';
import type { StatusController } from '../../pkg/operator/status-controller.ts';
import { currentStatus, sameStatus } from '../../pkg/operator/status.ts';
import type { ProviderHealth, ProxyView } from '../../pkg/operator/status.ts';
import type { DesiredStatus, StatusWriter } from '../../pkg/operator/status-writer.ts';
import type { ObjectStatus, RoutingTable } from '../../pkg/table/types.ts';

const NS = 'ns';

interface World {
  objects: Map<string, KubeObject>;
  statuses: ObjectStatus[];
  proxies: ProxyView[];
  health: Map<string, ProviderHealth>;
  version: number;
}

function kubeObject(kind: string, name: string, generation: number, status?: unknown): KubeObject {
  return { apiVersion: 'switchyard.dev/v1alpha1', kind, metadata: { name, namespace: NS, generation, resourceVersion: String(generation) }, ...(status === undefined ? {} : { status }) };
}

function compiled(kind: string, name: string, generation: number, message: string, ok = true): ObjectStatus {
  return { kind, namespace: NS, name, generation, conditions: [{ type: 'Accepted', status: ok ? 'True' : 'False', reason: ok ? 'Accepted' : 'Invalid', message }] };
}

/** A writer that records what it is handed, and whose observed() is what the object carries. */
function fakeWriter(): StatusWriter & { submitted: DesiredStatus[][] } {
  const submitted: DesiredStatus[][] = [];
  return {
    submitted,
    observed: (obj) => currentStatus(obj),
    isPending: () => false,
    submit: (entries) => {
      submitted.push([...entries]);
      return entries.length;
    },
    cancel: () => undefined,
    idle: async () => undefined,
    stop: async () => undefined,
  };
}

function controller(w: World, writer: StatusWriter): StatusController {
  return createStatusController({
    writer, lookup: (kind, ns, name) => w.objects.get(`${kind}/${ns}/${name}`), proxies: () => w.proxies, health: () => w.health,
    isLeader: () => true, logger: pino({ level: 'silent' }), now: () => Date.UTC(2026, 11, 3), debounceMs: 0,
  });
}

function reconciled(w: World): Reconciled {
  const table = { version: w.version, hash: `h${w.version}` } as RoutingTable;
  return { table, statuses: w.statuses, published: { version: w.version, hash: `h${w.version}`, at: 0 }, publishedNow: true };
}

/** What writing the entries leaves on the objects (new objects, as the informer would give). */
function write(w: World, entries: readonly DesiredStatus[]): void {
  for (const e of entries) {
    const key = `${e.kind}/${e.namespace}/${e.name}`;
    const obj = w.objects.get(key);
    if (obj === undefined || sameStatus(currentStatus(obj), e.status)) continue;
    w.objects.set(key, { ...obj, metadata: { ...obj.metadata, resourceVersion: `${obj.metadata.resourceVersion}+` }, status: e.status });
  }
}

type Step =
  | { kind: 'edit'; n: number; ok: boolean }
  | { kind: 'ack'; n: number }
  | { kind: 'health'; n: number; healthy: boolean }
  | { kind: 'write'; n: number }
  | { kind: 'publish' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), n: fc.nat(7), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('ack' as const), n: fc.nat(2) }),
  fc.record({ kind: fc.constant('health' as const), n: fc.nat(2), healthy: fc.boolean() }),
  fc.record({ kind: fc.constant('write' as const), n: fc.nat(7) }),
  fc.constant({ kind: 'publish' as const }),
);

function initial(): World {
  const objects = new Map<string, KubeObject>();
  const statuses: ObjectStatus[] = [];
  for (let i = 0; i < 3; i++) {
    objects.set(`Provider/${NS}/p-${i}`, kubeObject('Provider', `p-${i}`, 1));
    statuses.push(compiled('Provider', `p-${i}`, 1, 'provider ok'));
  }
  for (let i = 0; i < 5; i++) {
    objects.set(`ModelRoute/${NS}/r-${i}`, kubeObject('ModelRoute', `r-${i}`, 1));
    statuses.push(compiled('ModelRoute', `r-${i}`, 1, `serves model-${i}`));
  }
  return { objects, statuses, proxies: [0, 1, 2].map(() => ({ connected: true, version: 1, hash: 'h1', lastAckOk: true })), health: new Map(), version: 1 };
}

async function runOnce(c: StatusController, writer: ReturnType<typeof fakeWriter>, w: World): Promise<DesiredStatus[]> {
  writer.submitted.length = 0;
  c.reconciled(reconciled(w));
  await c.idle();
  return writer.submitted.at(-1) ?? [];
}

describe('status controller', () => {
  it('property: after any sequence of edits, ACKs, health changes and writes, it submits what a fresh controller submits', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { maxLength: 12 }), async (steps) => {
      const w = initial();
      const writer = fakeWriter();
      const c = controller(w, writer);
      const history: Reconciled[] = [];
      const step = async (): Promise<DesiredStatus[]> => {
        const r = reconciled(w);
        history.push(r);
        c.reconciled(r);
        await c.idle();
        return writer.submitted.at(-1) ?? [];
      };
      write(w, await step());
      for (const s of steps) {
        if (s.kind === 'edit') {
          const i = s.n % w.statuses.length;
          const old = w.statuses[i] as ObjectStatus;
          const gen = (old.generation ?? 0) + 1;
          const key = `${old.kind}/${NS}/${old.name}`;
          const obj = w.objects.get(key) as KubeObject;
          w.objects.set(key, { ...obj, metadata: { ...obj.metadata, generation: gen, resourceVersion: `${gen}` } });
          w.statuses = w.statuses.map((x, k) => (k === i ? compiled(old.kind, old.name, gen, `edited ${gen}`, s.ok) : x));
          w.version++;
        } else if (s.kind === 'ack') {
          w.proxies = w.proxies.map((p, k) => (k === s.n ? { ...p, version: w.version, hash: `h${w.version}` } : p));
        } else if (s.kind === 'health') {
          w.health = new Map(w.health).set(`${NS}/p-${s.n}`, { healthy: s.healthy, reason: s.healthy ? 'Healthy' : 'Ejected', message: s.healthy ? 'fine' : 'failing' });
        } else if (s.kind === 'publish') {
          w.version++;
          w.statuses = [...w.statuses]; // the same statuses in a new list (an unchanged recompile)
        }
        const got = await step();
        // A fresh controller given the same reconciles (the versions that carried each object) in one go.
        const freshWriter = fakeWriter();
        const fresh = controller(w, freshWriter);
        for (const r of history) fresh.reconciled(r);
        await fresh.idle();
        const expected = freshWriter.submitted.at(-1) ?? [];
        const sorted = (list: readonly DesiredStatus[]): DesiredStatus[] => [...list].sort((x, y) => `${x.kind}/${x.name}`.localeCompare(`${y.kind}/${y.name}`));
        expect(sorted(got)).toEqual(sorted(expected));
        await fresh.stop();
        if (s.kind === 'write') write(w, got);
      }
      await c.stop();
    }), { numRuns: 60 });
  });

  it('after a run whose statuses were written, an unchanged world submits nothing; one edit submits that object only', async () => {
    const w = initial();
    const writer = fakeWriter();
    const c = controller(w, writer);
    const first = await runOnce(c, writer, w);
    expect(first.map((e) => e.name).sort()).toEqual(['p-0', 'p-1', 'p-2', 'r-0', 'r-1', 'r-2', 'r-3', 'r-4']);
    write(w, first);
    expect(await runOnce(c, writer, w)).toEqual([]);
    const obj = w.objects.get(`ModelRoute/${NS}/r-3`) as KubeObject;
    w.objects.set(`ModelRoute/${NS}/r-3`, { ...obj, metadata: { ...obj.metadata, generation: 2, resourceVersion: '2' } });
    w.statuses = w.statuses.map((s) => (s.name === 'r-3' ? compiled('ModelRoute', 'r-3', 2, 'serves model-3 differently') : s));
    w.version = 2;
    const after = await runOnce(c, writer, w);
    expect(after.map((e) => e.name)).toEqual(['r-3']);
    expect(after[0]?.status.conditions.map((x) => x.message)).toEqual(['serves model-3 differently', 'version 2 acknowledged by 0/3 proxies']);
    await c.stop();
  });
});
