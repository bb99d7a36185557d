// canonicalJSON: JSON.stringify's semantics with object keys in code-unit order, whichever internal path serialises
// (sorted copy + native stringify, the replacer, or the exact writer), checked against a plain recursive reference.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJSON } from '../../pkg/compiler/hash.ts';

/** Reference for plain data: recursive, sorted keys, JSON.stringify's rules for the values it drops or nulls. */
function reference(v: unknown): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean': return v ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x) => reference(x) ?? 'null').join(',')}]`;
      const rec = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(rec).sort()) {
        const text = reference(rec[k]);
        if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
      }
      return `{${parts.join(',')}}`;
    }
    default: return undefined;
  }
}

const leaf = fc.oneof(
  fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY), fc.constant(-0), fc.constant(() => 1),
);
const plain = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'z', 'A', '0', '7', '12', '__proto__', 'é')), tie('value'), { maxKeys: 6 }),
})).value;

describe('canonicalJSON', () => {
  it('property: equals the reference on plain data (objects, arrays, strings, numbers incl. NaN/±Infinity/-0, undefined, functions)', () => {
    fc.assert(fc.property(plain, (v) => {
      expect(canonicalJSON(v)).toBe(reference(v) ?? 'null');
    }), { numRuns: 2000 });
  });

  it('sorted and unsorted inputs, null-prototype objects and shared sub-objects give the same text', () => {
    const shared = { z: 1, a: [1, { y: 2, b: undefined }] };
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
    expect(canonicalJSON({ b: shared, a: shared, c: nullProto })).toBe('{"a":{"a":[1,{"y":2}],"z":1},"b":{"a":[1,{"y":2}],"z":1},"c":{"a":1,"b":2}}');
    expect(canonicalJSON([undefined, () => 1, Number.NaN])).toBe('[null,null,null]');
  });

  it('values plain JSON cannot reproduce keep their canonical form (toJSON, bigint, cycles, class instances)', () => {
    const cycle: Record<string, unknown> = { b: 1 };
    cycle.self = cycle;
    expect(canonicalJSON(cycle)).toBe('{"b":1,"self":null}');
    expect(canonicalJSON({ n: 10n })).toBe('{"n":"10"}');
    expect(canonicalJSON({ d: new Date(0), m: new Map([[1, 2]]) })).toBe('{"d":{},"m":{}}');
    expect(canonicalJSON({ 10: 'x', 9: 'y', a: 1 })).toBe('{"10":"x","9":"y","a":1}');
  });
});
