// Patched runtime tables (ADR 0024, runtime-build.ts): over random sequences of changes to routes, providers, API keys
// and quotas — each version compiled and applied as a delta to the previous one, as a proxy receives it — the table a
// holder builds from the one in use is structurally equal to a full build of the same table, target health of
// unchanged targets is the same object across loads, and the store holds exactly the targets the table references.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { QuotaLedger } from '../../pkg/quota/ledger.ts';
import { buildRuntimeTable, routeChanges, wasPatched } from '../../pkg/proxy/runtime-build.ts';
import type { RuntimeTable } from '../../pkg/proxy/runtime-table.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { TargetHealthStore } from '../../pkg/proxy/target-health.ts';
import type { TargetHealth } from '../../pkg/proxy/target-health.ts';
import { applyDelta, computeDelta } from '../../pkg/sync/delta.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { apiKey, provider, route } from './harness.ts';

const pools = createUpstreamPools();
const logger = createLogger({ level: 'silent' });
afterAll(async () => {
  await pools.destroy();
});

/**
 * A plain-data picture of a runtime value: objects and arrays by content, Maps and Sets as entry lists in order,
 * class instances (adapters, quota stages) by class name, target health as a marker (compared separately). A route's
 * per-operation and per-API views are pictured without their own view records (those are the route's) and as 'self'
 * when they are the route itself.
 */
function shape(v: unknown, inViews = false): unknown {
  if (v === null || typeof v !== 'object') return typeof v === 'function' ? `fn:${v.name}` : v;
  if (v instanceof RegExp) return `re:${String(v)}`;
  if (Array.isArray(v)) return v.map((x) => shape(x));
  if (v instanceof Map) return { map: [...v].map(([k, x]) => [k, shape(x)]) };
  if (v instanceof Set) return { set: [...v].map((x) => shape(x)) };
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return `class:${(v as object).constructor.name}`;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).length === 2 && 'blockedUntil' in o && 'outlier' in o) return 'health';
  const isRoute = 'byOperation' in o && 'byApi' in o;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (isRoute && (k === 'byOperation' || k === 'byApi')) {
      if (inViews) continue;
      const views: Record<string, unknown> = {};
      for (const [name, view] of Object.entries(x as Record<string, unknown>)) views[name] = view === v ? 'self' : shape(view, true);
      out[k] = views;
      continue;
    }
    out[k] = shape(x);
  }
  return out;
}

function runtimeShape(rt: RuntimeTable): unknown {
  return { version: rt.version, hash: rt.hash, routes: shape(rt.routes), principals: shape(rt.principals), cache: rt.modelListCache.size };
}

/** Every target health the table references, by provider id + upstream model. */
function healthByTarget(rt: RuntimeTable): Map<string, TargetHealth> {
  const out = new Map<string, TargetHealth>();
  const add = (t: { providerId: string; bound: { model: string }; health: TargetHealth }): void => {
    const k = `${t.providerId}\n${t.bound.model}`;
    const seen = out.get(k);
    if (seen !== undefined && seen !== t.health) throw new Error(`two health objects for ${k}`);
    out.set(k, t.health);
  };
  for (const r of rt.routes.values()) {
    for (const l of r.levels) for (const t of l.targets) add(t);
    for (const t of r.fallback) add(t);
    for (const rule of r.rules ?? []) for (const l of rule.route.levels) for (const t of l.targets) add(t);
  }
  return out;
}

const PROVIDERS = ['pa', 'pb', 'pc', 'pd'];
const MODELS = ['m1', 'm2', 'emb'];

interface World {
  providers: Map<string, unknown[]>;
  routes: Map<string, unknown>;
  keys: Map<string, unknown>;
  quotas: Map<string, unknown>;
}

type Edit =
  | { kind: 'route'; n: number; targets: [number, number, number][]; fallback: number; alias: boolean; strategy: number; rule: boolean }
  | { kind: 'drop-route'; n: number }
  | { kind: 'provider'; n: number; port: number; priced: boolean }
  | { kind: 'drop-provider'; n: number }
  | { kind: 'key'; n: number; models: boolean }
  | { kind: 'drop-key'; n: number }
  | { kind: 'quota'; n: number; requests: number; scoped: boolean }
  | { kind: 'drop-quota'; n: number }
  | { kind: 'same' };

const target = fc.tuple(fc.nat(PROVIDERS.length - 1), fc.nat(MODELS.length - 1), fc.integer({ min: 1, max: 4 }));
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('route' as const), n: fc.nat(9), targets: fc.array(target, { minLength: 1, maxLength: 3 }), fallback: fc.integer({ min: -1, max: 3 }), alias: fc.boolean(), strategy: fc.nat(2), rule: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop-route' as const), n: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('provider' as const), n: fc.nat(PROVIDERS.length - 1), port: fc.integer({ min: 9, max: 11 }), priced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-provider' as const), n: fc.nat(PROVIDERS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('key' as const), n: fc.nat(3), models: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-key' as const), n: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('quota' as const), n: fc.nat(2), requests: fc.integer({ min: 1, max: 3 }), scoped: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop-quota' as const), n: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'same' as const }) },
);

function providerObjects(n: number, port: number, priced: boolean): unknown[] {
  const models = MODELS.map((m) => ({ name: m, ...(priced ? { pricing: { input: 1 + n, output: 2 } } : {}), ...(m === 'emb' ? { capabilities: ['embeddings'] } : {}) }));
  return provider(PROVIDERS[n] as string, `http://127.0.0.1:${port}/v1/${n}`, { key: `sk-${n}-${port}`, models });
}

function applyEdit(w: World, e: Edit): void {
  switch (e.kind) {
    case 'route': {
      const targets = e.targets.map(([p, m, weight]) => ({ provider: PROVIDERS[p], model: MODELS[m], weight, priority: weight }));
      const name = `r${e.n}`;
      w.routes.set(name, route(name, {
        model: name, ...(e.alias ? { aliases: [`${name}-alias`] } : {}), targets,
        strategy: (['weighted', 'priority', 'cost'] as const)[e.strategy],
        ...(e.fallback >= 0 ? { fallback: [{ provider: PROVIDERS[e.fallback], model: 'm1' }] } : {}),
        ...(e.rule ? { rules: [{ name: 'gold', match: { headers: { 'x-tier': 'gold' } }, targets: targets.slice(0, 1) }] } : {}),
      }));
      return;
    }
    case 'drop-route':
      w.routes.delete(`r${e.n}`);
      return;
    case 'provider':
      w.providers.set(PROVIDERS[e.n] as string, providerObjects(e.n, e.port, e.priced));
      return;
    case 'drop-provider':
      w.providers.delete(PROVIDERS[e.n] as string);
      return;
    case 'key':
      w.keys.set(`k${e.n}`, apiKey(`k${e.n}`, `sk-user-${e.n}`, e.models ? { models: 'r1,r2' } : {}));
      return;
    case 'drop-key':
      w.keys.delete(`k${e.n}`);
      return;
    case 'quota':
      w.quotas.set(`q${e.n}`, {
        apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name: `q${e.n}`, namespace: 'default' },
        spec: { subject: { kind: 'key', name: `k${e.n}` }, ...(e.scoped ? { models: ['r1', 'r2-alias'] } : {}), limits: [{ window: '1h', requests: e.requests }] },
      });
      return;
    case 'drop-quota':
      w.quotas.delete(`q${e.n}`);
      return;
    case 'same':
      return;
  }
}

function objectsOf(w: World): unknown[] {
  return [...[...w.providers.values()].flat(), ...w.routes.values(), ...w.keys.values(), ...w.quotas.values()];
}

function initialWorld(): World {
  const w: World = { providers: new Map(), routes: new Map(), keys: new Map(), quotas: new Map() };
  for (let i = 0; i < PROVIDERS.length; i++) w.providers.set(PROVIDERS[i] as string, providerObjects(i, 9, i % 2 === 0));
  for (let i = 0; i < 10; i++) applyEdit(w, { kind: 'route', n: i, targets: [[i % 4, i % 3, 1], [(i + 1) % 4, 0, 2]], fallback: i % 5 - 1, alias: i % 3 === 0, strategy: i % 3, rule: i % 4 === 0 });
  applyEdit(w, { kind: 'key', n: 0, models: false });
  applyEdit(w, { kind: 'key', n: 1, models: true });
  applyEdit(w, { kind: 'quota', n: 0, requests: 2, scoped: true });
  return w;
}

/** The table of `w` as a proxy receives it after `prev`: compiled, then applied as a delta (unchanged objects kept). */
function nextTable(w: World, version: number, prev: RoutingTable | null): RoutingTable {
  const { table } = compile(objectsOf(w), { version });
  if (prev === null) return table;
  return { version, hash: table.hash, ...applyDelta(prev, computeDelta(prev, table)) };
}

describe('runtime table patched from the one in use', () => {
  it('property: equals a full build of the same table; health of unchanged targets kept, of removed targets dropped', () => {
    let patchedLoads = 0;
    fc.assert(fc.property(fc.array(fc.array(edit, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 8 }), (steps) => {
      const w = initialWorld();
      const health = new TargetHealthStore();
      const ledger = new QuotaLedger();
      const deps = { adapterFactory: createAdapter, adapterDeps: pools, health, nowMs: 1_000_000, quotaLedger: ledger };
      let table = nextTable(w, 1, null);
      let rt = buildRuntimeTable(table, { ...deps, previous: null });
      health.settle(routeChanges(rt).added, routeChanges(rt).dropped);
      let marks = 0;
      for (const h of healthByTarget(rt).values()) h.blockedUntil = ++marks;
      for (let s = 0; s < steps.length; s++) {
        for (const e of steps[s] as Edit[]) applyEdit(w, e);
        const before = healthByTarget(rt);
        table = nextTable(w, s + 2, table);
        const next = buildRuntimeTable(table, { ...deps, previous: rt });
        health.settle(routeChanges(next).added, routeChanges(next).dropped);
        if (wasPatched(next)) patchedLoads++;
        const fresh = buildRuntimeTable(table, { ...deps, health: new TargetHealthStore(), quotaLedger: new QuotaLedger(), previous: null });
        expect(runtimeShape(next)).toEqual(runtimeShape(fresh));
        const after = healthByTarget(next);
        for (const [k, h] of after) {
          const old = before.get(k);
          if (old !== undefined) expect(h).toBe(old); // unchanged target: same state object (cooldown, outlier state)
          else expect(h.blockedUntil).toBe(0); // new (or re-added) target: fresh state
          expect(health.has(h)).toBe(true);
        }
        expect(health.size).toBe(after.size); // removed targets' health is dropped
        for (const h of after.values()) if (h.blockedUntil === 0) h.blockedUntil = ++marks;
        rt = next;
      }
    }), { numRuns: 40 });
    expect(patchedLoads).toBeGreaterThan(15); // the patch path, not only the full one, was exercised
  });

  it('a holder keeps the table in use when a patched load fails, and drops the health the failed build created', () => {
    const w = initialWorld();
    const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger });
    let table = nextTable(w, 1, null);
    holder.load(table);
    const good = holder.current as RuntimeTable;
    applyEdit(w, { kind: 'route', n: 3, targets: [[2, 1, 5]], fallback: -1, alias: false, strategy: 0, rule: false });
    table = nextTable(w, 2, table);
    // A route naming a provider the table does not have: the build fails (a compiler never emits this).
    const broken: RoutingTable = { ...table, routes: table.routes.map((r) => (r.id === good.table.routes[3]?.id ? { ...r, targets: [{ ...(r.targets[0] as (typeof r.targets)[number]), provider: 'ghost' }] } : r)) };
    expect(() => holder.load(broken)).toThrow(/unknown provider ghost/);
    expect(holder.current).toBe(good);
    holder.load(table);
    expect(wasPatched(holder.current as RuntimeTable)).toBe(true);
    expect(holder.current?.routes.get('r3')?.levels[0]?.targets[0]?.weight).toBe(5);
  });
});
