// Property tests: order independence (C6), robustness against arbitrary input, hash sensitivity, no key leaks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJSON, compile } from '../../pkg/compiler/index.ts';
import { caseNames, loadCase, loadOptions, previousStages } from './load.ts';

const API = 'switchyard.dev/v1alpha1';

describe('C6 order independence', () => {
  for (const name of caseNames()) {
    it(`${name}: any permutation gives the same table, hash and statuses`, () => {
      const objects = loadCase(name);
      const expected = compile(objects);
      fc.assert(
        fc.property(fc.shuffledSubarray(objects, { minLength: objects.length, maxLength: objects.length }), (shuffled) => {
          const got = compile(shuffled);
          expect(got.table.hash).toBe(expected.table.hash);
          expect(JSON.stringify(got.table)).toBe(JSON.stringify(expected.table));
          expect(JSON.stringify(got.statuses)).toBe(JSON.stringify(expected.statuses));
        }),
        { numRuns: 12 },
      );
    });
  }
});

describe('last-known-good (previous) is order independent and changes nothing when the input was accepted', () => {
  for (const name of caseNames().filter((n) => previousStages(n).length > 0)) {
    it(`${name}: any permutation of the current and the previous objects gives the same result`, () => {
      const objects = loadCase(name);
      const stages = previousStages(name);
      const opts = loadOptions(name);
      const expected = compile(objects, opts);
      const shuffle = <T>(xs: readonly T[]): fc.Arbitrary<T[]> => fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length });
      fc.assert(
        fc.property(shuffle(objects), fc.tuple(...stages.map((s) => shuffle(s))), (current, earlier) => {
          let previous: ReturnType<typeof compile>['lastGood'] | undefined;
          for (const stage of earlier) previous = compile(stage, previous === undefined ? {} : { previous }).lastGood;
          const got = compile(current, previous === undefined ? {} : { previous });
          expect(got.table.hash).toBe(expected.table.hash);
          expect(JSON.stringify(got.statuses)).toBe(JSON.stringify(expected.statuses));
          expect(JSON.stringify(got.stale)).toBe(JSON.stringify(expected.stale));
          expect([...got.lastGood]).toEqual([...expected.lastGood]);
        }),
        { numRuns: 12 },
      );
    });
  }

  for (const name of caseNames()) {
    it(`${name}: compiling again with its own lastGood as previous gives the same table and statuses, nothing stale`, () => {
      const objects = loadCase(name);
      const first = compile(objects);
      const again = compile(objects, { previous: first.lastGood });
      expect(again.table.hash).toBe(first.table.hash);
      expect(again.statuses).toEqual(first.statuses);
      expect(again.stale).toEqual([]);
      expect([...again.lastGood]).toEqual([...first.lastGood]);
    });
  }
});

const JUNK_NAMES = ['junk-a', 'junk-b', '', 'Not_Valid', 'x'.repeat(300)];

/** Objects that look more or less like ours, plus anything at all. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withSparseArray: true, withBoxedValues: true }),
  fc.jsonValue(),
  fc.record(
    {
      apiVersion: fc.constantFrom(API, 'v1', 'switchyard.dev/v9', 'switchyard.dev', 'apps/v1'),
      kind: fc.oneof(fc.constantFrom('Provider', 'ModelRoute', 'Quota', 'Secret', 'Gateway'), fc.anything()),
      metadata: fc.oneof(
        fc.anything(),
        fc.record(
          {
            name: fc.constantFrom(...JUNK_NAMES),
            namespace: fc.oneof(fc.constantFrom('default', 'ai', ''), fc.string()),
            labels: fc.oneof(fc.constant({ 'switchyard.dev/api-key': 'true' }), fc.anything()),
            generation: fc.oneof(fc.integer(), fc.anything()),
          },
          { requiredKeys: [] },
        ),
      ),
      spec: fc.oneof(
        fc.anything(),
        fc.record(
          {
            type: fc.constantFrom('fake', 'openai', 'openai-compatible', 'anthropic', 7),
            baseURL: fc.oneof(fc.webUrl(), fc.string()),
            model: fc.constant('junk-model'),
            targets: fc.array(fc.record({ provider: fc.constantFrom('fake', 'openai', 'junk-a'), weight: fc.integer({ min: -1, max: 3 }) })),
            subject: fc.anything(),
            limits: fc.anything(),
          },
          { requiredKeys: [] },
        ),
      ),
      data: fc.oneof(fc.dictionary(fc.string(), fc.base64String()), fc.anything()),
      stringData: fc.oneof(fc.dictionary(fc.constantFrom('key', 'keyHash', 'team', 'models', 'expiresAt'), fc.string()), fc.anything()),
    },
    { requiredKeys: ['apiVersion'] },
  ),
);

describe('robustness', () => {
  const base = [...loadCase('quickstart-fake'), ...loadCase('openai-secret')];
  const expected = compile(base);

  it('compile never throws on arbitrary values, and valid neighbours still compile', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(junk, fc.nat(base.length)), { maxLength: 8 }), (inserts) => {
        const objects: unknown[] = [...base];
        for (const [value, at] of inserts) objects.splice(at, 0, value);
        const got = compile(objects);
        for (const [id, provider] of Object.entries(expected.table.providers)) expect(got.table.providers[id]).toEqual(provider);
        for (const route of expected.table.routes) expect(got.table.routes.find((r) => r.id === route.id)).toEqual(route);
        for (const [model, id] of Object.entries(expected.table.models)) expect(got.table.models[model]).toBe(id);
        for (const status of expected.statuses) expect(got.statuses).toContainEqual(status);
        expect(got.table.hash).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: 150 },
    );
  });

  it('compile never throws on a list of pure junk', () => {
    fc.assert(
      fc.property(fc.array(junk, { maxLength: 12 }), (objects) => {
        const got = compile(objects);
        expect(Array.isArray(got.statuses)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

function weightedRoute(w1: number, w2: number): unknown[] {
  return [
    { apiVersion: API, kind: 'Provider', metadata: { name: 'a' }, spec: { type: 'fake' } },
    { apiVersion: API, kind: 'Provider', metadata: { name: 'b' }, spec: { type: 'fake' } },
    {
      apiVersion: API,
      kind: 'ModelRoute',
      metadata: { name: 'r' },
      spec: { model: 'm', targets: [{ provider: 'a', weight: w1 }, { provider: 'b', weight: w2 }] },
    },
  ];
}

describe('table hash', () => {
  it('changes when a route weight changes', () => {
    const weight = fc.integer({ min: 1, max: 10_000 });
    fc.assert(
      fc.property(weight, weight, weight, (w1, w2, w3) => {
        fc.pre(w2 !== w3);
        expect(compile(weightedRoute(w1, w2)).table.hash).not.toBe(compile(weightedRoute(w1, w3)).table.hash);
      }),
      { numRuns: 100 },
    );
  });

  it('is the SHA-256 of the canonical content and ignores the version', async () => {
    const { createHash } = await import('node:crypto');
    const objects = loadCase('openai-secret');
    const a = compile(objects, { version: 1 });
    const b = compile(objects, { version: 42 });
    expect(a.table.version).toBe(1);
    expect(b.table.version).toBe(42);
    expect(a.table.hash).toBe(b.table.hash);
    const { providers, routes, models, keys, quotas } = a.table;
    expect(a.table.hash).toBe(createHash('sha256').update(canonicalJSON({ providers, routes, models, keys, quotas })).digest('hex'));
  });
});

describe('secrets never reach statuses', () => {
  /** Every decoded Secret value that is key material (API-key metadata fields such as team may appear). */
  function secretValues(objects: readonly unknown[]): string[] {
    const visible = new Set(['team', 'user', 'models', 'expiresAt']);
    const values: string[] = [];
    for (const o of objects) {
      const obj = o as { kind?: unknown; data?: Record<string, unknown>; stringData?: Record<string, unknown> };
      if (obj.kind !== 'Secret') continue;
      for (const [k, v] of Object.entries(obj.data ?? {})) if (!visible.has(k)) values.push(Buffer.from(String(v), 'base64').toString('utf8').trim());
      for (const [k, v] of Object.entries(obj.stringData ?? {})) if (!visible.has(k)) values.push(String(v).trim());
    }
    return values.filter((v) => v.length >= 4);
  }

  for (const name of caseNames()) {
    it(`${name}: no Secret value appears in any status message`, () => {
      const objects = loadCase(name);
      const text = JSON.stringify(compile(objects).statuses);
      for (const value of secretValues(objects)) expect(text).not.toContain(value);
    });
  }

  it('an invalid API-key Secret never echoes its key', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 8, maxLength: 40 }).filter((k) => k.trim().length >= 8),
        fc.constantFrom({ expiresAt: 'soon' }, { team: '' }, { keyHash: 'f'.repeat(64) }, { models: 7 }),
        (key, broken) => {
          const secret = {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'k', labels: { 'switchyard.dev/api-key': 'true' } },
            stringData: { key, ...broken },
          };
          const { statuses, table } = compile([secret]);
          expect(statuses[0]?.conditions[0]?.status).toBe('False');
          expect(JSON.stringify(statuses)).not.toContain(key.trim());
          expect(Object.keys(table.keys)).toHaveLength(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
