// Incremental compile (ADR 0024): a chain of compiles that passes each result's memo to the next gives exactly what
// full compiles give (table, hash, statuses, stale), over generated edit sequences; unchanged routes and providers are
// the same objects; and the memo passed in is never modified (compile stays a pure function).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import type { CompileResult } from '../../pkg/compiler/index.ts';
import { sha256Hex } from '../../pkg/compiler/hash.ts';

const API = 'switchyard.dev/v1alpha1';
const NS = 'default';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

function meta(kind: string, name: string, rv: number, labels?: Record<string, string>): Record<string, unknown> {
  return { name, namespace: NS, uid: `${kind}-${name}`, resourceVersion: String(rv), generation: rv, creationTimestamp: '2026-01-01T00:00:00Z', ...(labels ? { labels } : {}) };
}

function secret(i: number, rv: number, value = `sk-${i}-${rv}`): Obj {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta('Secret', `key-${i}`, rv), stringData: { apiKey: value } } as Obj;
}

function provider(i: number, rv: number, withAuth = true): Obj {
  return {
    apiVersion: API, kind: 'Provider', metadata: meta('Provider', `p-${i}`, rv),
    spec: { type: 'openai-compatible', baseURL: `https://llm-${i}.example.com/v${rv}`, ...(withAuth ? { auth: { secretRef: { name: `key-${i}`, key: 'apiKey' } } } : {}) },
  } as Obj;
}

function route(i: number, rv: number, providers: number, model = `model-${i}`, weight = 1): Obj {
  return {
    apiVersion: API, kind: 'ModelRoute', metadata: meta('ModelRoute', `r-${i}`, rv),
    spec: { model, targets: [{ provider: `p-${i % providers}`, weight }, { provider: `p-${(i + rv) % (providers + 1)}`, weight: 1 }] },
  } as Obj;
}

function apiKey(i: number, rv: number): Obj {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: meta('Secret', `client-${i}`, rv, { 'switchyard.dev/api-key': 'true' }), stringData: { key: `client-key-${i}-${rv}` },
  } as Obj;
}

/** One edit: what it does to the object list (by index into a generated number). */
type Edit =
  | { kind: 'route-spec'; n: number; weight: number }
  | { kind: 'route-model'; n: number; other: number }
  | { kind: 'route-remove'; n: number }
  | { kind: 'secret'; n: number }
  | { kind: 'secret-remove'; n: number }
  | { kind: 'provider'; n: number }
  | { kind: 'provider-remove'; n: number }
  | { kind: 'api-key'; n: number }
  | { kind: 'eject'; n: number }
  | { kind: 'status'; n: number; route: boolean; valid: boolean }
  | { kind: 'nothing' };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('route-spec' as const), n: fc.nat(40), weight: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('route-model' as const), n: fc.nat(40), other: fc.nat(40) }),
  fc.record({ kind: fc.constant('route-remove' as const), n: fc.nat(40) }),
  fc.record({ kind: fc.constant('secret' as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant('secret-remove' as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant('provider' as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant('provider-remove' as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant('api-key' as const), n: fc.nat(3) }),
  fc.record({ kind: fc.constant('eject' as const), n: fc.nat(6) }),
  fc.record({ kind: fc.constant('status' as const), n: fc.nat(40), route: fc.boolean(), valid: fc.boolean() }),
  fc.constant({ kind: 'nothing' as const }),
);

interface World {
  objects: Map<string, Obj>;
  rv: number;
  ejected: Set<string>;
}

function initial(providers: number, routes: number): World {
  const objects = new Map<string, Obj>();
  for (let i = 0; i < providers; i++) {
    objects.set(`Secret/key-${i}`, secret(i, 1));
    objects.set(`Provider/p-${i}`, provider(i, 1));
  }
  for (let i = 0; i < routes; i++) objects.set(`ModelRoute/r-${i}`, route(i, 1, providers));
  return { objects, rv: 1, ejected: new Set() };
}

function apply(w: World, e: Edit, providers: number, routes: number): void {
  const rv = ++w.rv;
  switch (e.kind) {
    case 'route-spec': w.objects.set(`ModelRoute/r-${e.n % routes}`, route(e.n % routes, rv, providers, `model-${e.n % routes}`, e.weight)); break;
    case 'route-model': w.objects.set(`ModelRoute/r-${e.n % routes}`, route(e.n % routes, rv, providers, `model-${e.other % routes}`)); break;
    case 'route-remove': w.objects.delete(`ModelRoute/r-${e.n % routes}`); break;
    case 'secret': w.objects.set(`Secret/key-${e.n % providers}`, secret(e.n % providers, rv)); break;
    case 'secret-remove': w.objects.delete(`Secret/key-${e.n % providers}`); break;
    case 'provider': w.objects.set(`Provider/p-${e.n % providers}`, provider(e.n % providers, rv, rv % 3 !== 0)); break;
    case 'provider-remove': w.objects.delete(`Provider/p-${e.n % providers}`); break;
    case 'api-key': w.objects.set(`Secret/client-${e.n}`, apiKey(e.n, rv)); break;
    case 'eject': {
      const key = `${NS}/p-${e.n % providers}|model-${e.n % routes}`;
      if (w.ejected.has(key)) w.ejected.delete(key);
      else w.ejected.add(key);
      break;
    }
    case 'status': {
      // A status write: new resourceVersion and status, same generation and spec (a valid status, or one the schema
      // refuses, which rejects the object).
      const key = e.route ? `ModelRoute/r-${e.n % routes}` : `Provider/p-${e.n % providers}`;
      const o = w.objects.get(key);
      if (o === undefined) break;
      const condition = { type: 'Programmed', status: e.valid ? 'True' : 'Maybe', reason: 'Programmed', message: `rv ${rv}` };
      w.objects.set(key, { ...o, metadata: { ...o.metadata, resourceVersion: String(rv) }, status: { observedGeneration: 1, conditions: [condition] } });
      break;
    }
    case 'nothing': break;
  }
}

/** What golden files compare: the enumerable result (table, statuses, stale), as text. */
const text = (r: CompileResult): string => JSON.stringify(r);

describe('incremental compile', () => {
  it('property: a memo chain gives exactly the full compile at every step, whatever the edits', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.array(editArb, { maxLength: 14 }), (providers, routes, edits) => {
      const w = initial(providers, routes);
      let inc = compile([...w.objects.values()], { version: 1 });
      let full = inc;
      for (const [i, e] of edits.entries()) {
        apply(w, e, providers, routes);
        const objects = [...w.objects.values()];
        const memoBefore = JSON.stringify([...inc.memo.routes.keys(), ...inc.memo.providers.keys()]);
        const nextInc = compile(objects, { version: i + 2, ejectedTargets: w.ejected, previous: inc.lastGood, memo: inc.memo });
        full = compile(objects, { version: i + 2, ejectedTargets: w.ejected, previous: full.lastGood });
        expect(JSON.stringify([...inc.memo.routes.keys(), ...inc.memo.providers.keys()])).toBe(memoBefore);
        expect(text(nextInc)).toBe(text(full));
        expect(nextInc.contentJSON).toBe(full.contentJSON);
        // lastGood (copied from the previous one when the key set is unchanged) equals the full compile's, sorted.
        expect([...nextInc.lastGood]).toEqual([...full.lastGood]);
        const keys = [...nextInc.lastGood.keys()];
        expect(keys).toEqual([...keys].sort());
        expect(nextInc.table.hash).toBe(sha256Hex(nextInc.contentJSON));
        // Nothing changed twice in a row (the first settles last-good entries): every route not serving a stale
        // last-accepted version (never memoised) is the same object, so the property covers reuse, not only misses.
        // (A rejected Provider, or one serving its last accepted version, is compiled anew each time: so are its routes.)
        const providerRejected = nextInc.statuses.some((x) => x.kind === 'Provider' && x.conditions.some((c) => c.type === 'Accepted' && c.status === 'False'));
        if (e.kind === 'nothing' && edits[i - 1]?.kind === 'nothing' && !providerRejected) {
          const stale = new Set(nextInc.stale.filter((x) => x.kind === 'ModelRoute').map((x) => x.name));
          nextInc.table.routes.forEach((r, k) => {
            if (!stale.has(r.name)) expect(r).toBe(inc.table.routes[k]);
          });
        }
        inc = nextInc;
      }
    }), { numRuns: 150 });
  });

  it('one changed route at 2,000 routes: every other route and every provider is the same object as before', () => {
    const w = initial(20, 2000);
    const first = compile([...w.objects.values()], { version: 1 });
    apply(w, { kind: 'route-spec', n: 7, weight: 3 }, 20, 2000);
    const next = compile([...w.objects.values()], { version: 2, previous: first.lastGood, memo: first.memo });
    expect(next.table.hash).not.toBe(first.table.hash);
    const changed = next.table.routes.filter((r, i) => r !== first.table.routes[i]).map((r) => r.name);
    expect(changed).toEqual(['r-7']);
    for (const id of Object.keys(first.table.providers)) expect(next.table.providers[id]).toBe(first.table.providers[id]);
    expect(next.table.hash).toBe(compile([...w.objects.values()], { version: 2, previous: first.lastGood }).table.hash);
  });

  it('a status write on every object (new resourceVersion, same spec) reuses every compiled route and provider', () => {
    const w = initial(20, 500);
    const first = compile([...w.objects.values()], { version: 1 });
    for (const [key, o] of w.objects) {
      if (o.kind === 'Secret') continue;
      w.objects.set(key, { ...o, metadata: { ...o.metadata, resourceVersion: `${String(o.metadata.resourceVersion)}-s` }, status: { observedGeneration: 1, conditions: [] } });
    }
    const next = compile([...w.objects.values()], { version: 2, previous: first.lastGood, memo: first.memo });
    expect(next.table.hash).toBe(first.table.hash);
    next.table.routes.forEach((r, i) => expect(r).toBe(first.table.routes[i]));
    for (const id of Object.keys(first.table.providers)) expect(next.table.providers[id]).toBe(first.table.providers[id]);
    expect(text(next)).toBe(text(compile([...w.objects.values()], { version: 2 })));
  });

  it('objects without uid and resourceVersion (standalone files) are never reused', () => {
    const objects = [...initial(2, 3).objects.values()].map((o) => ({ ...o, metadata: { name: o.metadata.name, namespace: NS } }));
    const first = compile(objects, {});
    expect(first.memo.routes.size).toBe(0);
    expect(first.memo.providers.size).toBe(0);
    const again = compile(objects, { memo: first.memo, previous: first.lastGood });
    expect(again.table.routes[0]).not.toBe(first.table.routes[0]);
    expect(text(again)).toBe(text(first));
  });
});
