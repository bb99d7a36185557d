// Properties of the ejectedTargets compile option (global health ejection): ejecting a target a route uses changes
// the table hash; ejecting a key no route uses does not; a route whose every target is ejected is unchanged
// (panic mode); the result never depends on the order of the ejected set.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';

const API = 'switchyard.dev/v1alpha1';
const PROVIDERS = ['p0', 'p1', 'p2', 'p3'];
const MODELS = ['m0', 'm1', 'm2'];

interface RouteSpec {
  readonly targets: readonly { provider: string; model: string }[];
  readonly fallback: readonly { provider: string; model: string }[];
}

const ref = fc.record({ provider: fc.constantFrom(...PROVIDERS), model: fc.constantFrom(...MODELS) });
const routeSpec: fc.Arbitrary<RouteSpec> = fc.record({
  targets: fc.uniqueArray(ref, { minLength: 1, maxLength: 3, selector: (r) => `${r.provider}|${r.model}` }),
  fallback: fc.uniqueArray(ref, { maxLength: 2, selector: (r) => `${r.provider}|${r.model}` }),
});

function objects(routes: readonly RouteSpec[]): unknown[] {
  const out: unknown[] = PROVIDERS.map((name) => ({ apiVersion: API, kind: 'Provider', metadata: { name, namespace: 'default' }, spec: { type: 'fake' } }));
  routes.forEach((r, i) => out.push({
    apiVersion: API, kind: 'ModelRoute', metadata: { name: `r${i}`, namespace: 'default' },
    spec: { model: `model-${i}`, targets: r.targets.map((t) => ({ ...t, weight: 1 })), fallback: r.fallback },
  }));
  return out;
}

const key = (t: { provider: string; model: string }): string => `default/${t.provider}|${t.model}`;
const table = (objs: readonly unknown[], ejected?: ReadonlySet<string>): RoutingTable =>
  compile(objs, ejected === undefined ? {} : { ejectedTargets: ejected }).table;

describe('compile({ ejectedTargets })', () => {
  it('ejecting a target that a route uses (with a neighbour left) changes the hash and removes only that target', () => {
    fc.assert(fc.property(fc.array(routeSpec, { minLength: 1, maxLength: 4 }), fc.nat(), (routes, pick) => {
      const distinct = (r: RouteSpec): number => new Set([...r.targets, ...r.fallback].map(key)).size;
      const candidates = routes.flatMap((r, i) => (distinct(r) >= 2 ? [i] : []));
      fc.pre(candidates.length > 0);
      const ri = candidates[pick % candidates.length] ?? 0;
      const spec = routes[ri] as RouteSpec;
      const victim = [...spec.targets, ...spec.fallback][pick % (spec.targets.length + spec.fallback.length)] as { provider: string; model: string };
      const objs = objects(routes);
      const before = table(objs);
      const after = table(objs, new Set([key(victim)]));
      expect(after.hash).not.toBe(before.hash);
      const route = after.routes.find((r) => r.name === `r${ri}`);
      const left = [...(route?.targets ?? []), ...(route?.fallback ?? [])].map((t) => `${t.provider}|${t.model}`);
      expect(left).not.toContain(`default/${victim.provider}|${victim.model}`);
      expect(left.length).toBeGreaterThan(0);
    }), { numRuns: 60 });
  });

  it('ejecting a key that no route uses leaves the hash unchanged', () => {
    fc.assert(fc.property(fc.array(routeSpec, { minLength: 1, maxLength: 4 }), ref, (routes, other) => {
      const used = new Set(routes.flatMap((r) => [...r.targets, ...r.fallback].map(key)));
      fc.pre(!used.has(key(other)));
      const objs = objects(routes);
      expect(table(objs, new Set([key(other), 'elsewhere/p0|m0'])).hash).toBe(table(objs).hash);
    }), { numRuns: 60 });
  });

  it('panic mode: a route whose every target and fallback is ejected is left as it was', () => {
    fc.assert(fc.property(routeSpec, (spec) => {
      const objs = objects([spec]);
      const all = new Set([...spec.targets, ...spec.fallback].map(key));
      const before = table(objs);
      const after = compile(objs, { ejectedTargets: all });
      expect(after.table.routes).toEqual(before.routes);
      expect(after.table.hash).toBe(before.hash);
      const accepted = after.statuses.find((s) => s.name === 'r0')?.conditions.find((c) => c.type === 'Accepted');
      expect(accepted?.message).toContain('panic mode');
    }), { numRuns: 40 });
  });

  it('the order of the ejected set does not matter', () => {
    fc.assert(fc.property(fc.array(routeSpec, { minLength: 1, maxLength: 4 }), fc.uniqueArray(ref, { maxLength: 5 }), (routes, refs) => {
      const objs = objects(routes);
      const keys = refs.map(key);
      expect(table(objs, new Set(keys)).hash).toBe(table(objs, new Set([...keys].reverse())).hash);
    }), { numRuns: 40 });
  });
});
