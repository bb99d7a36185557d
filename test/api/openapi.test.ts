// structuralSchema (zod → CRD OpenAPI) refuses what the API server would refuse or could not cost-estimate, and
// withRules / setList / mapList / maxProperties put the same rule in the CRD and in the zod schema.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { celQuote, fieldPathSegments, withRules } from '../../pkg/api/cel.ts';
import { mapList, maxProperties, setList } from '../../pkg/api/kube.ts';
import { structuralSchema } from '../../pkg/api/openapi.ts';

const str = z.string().max(8).describe('s');

describe('structuralSchema', () => {
  it('translates a strict object with defaults, enums and bounds', () => {
    const schema = z
      .object({
        name: str,
        mode: z.enum(['a', 'b']).default('a').describe('mode'),
        n: z.number().int().min(1).max(5).optional().describe('n'),
        ratio: z.number().positive().max(1).describe('ratio'),
      })
      .strict()
      .describe('thing');
    expect(structuralSchema(schema)).toEqual({
      type: 'object',
      description: 'thing',
      properties: {
        name: { type: 'string', description: 's', maxLength: 8 },
        mode: { type: 'string', description: 'mode', default: 'a', enum: ['a', 'b'] },
        n: { type: 'integer', description: 'n', minimum: 1, maximum: 5 },
        ratio: { type: 'number', description: 'ratio', minimum: 0, exclusiveMinimum: true, maximum: 1 },
      },
      required: ['name', 'ratio'],
    });
  });

  it('marks loose objects as preserving unknown fields', () => {
    const schema = z.object({ a: str }).loose().describe('loose');
    expect(structuralSchema(schema)['x-kubernetes-preserve-unknown-fields']).toBe(true);
  });

  it.each([
    ['an undescribed field', z.object({ a: z.string().max(3) }).describe('o'), /\.a: missing description/],
    ['an unbounded string', z.object({ a: z.string().describe('a') }).describe('o'), /\.a: string without maxLength or enum/],
    ['an unbounded array', z.object({ a: z.array(str).describe('a') }).describe('o'), /\.a: array without maxItems/],
    ['a union', z.object({ a: z.union([str, z.number()]).describe('a') }).describe('o'), /\.a: keyword anyOf is not allowed/],
    ['a constrained map key', z.record(z.string().max(3), str).describe('m'), /map keys cannot be constrained/],
    ['a nullable field', z.object({ a: str.nullable().describe('a') }).describe('o'), /keyword anyOf is not allowed/],
  ])('refuses %s', (_what, schema, message) => {
    expect(() => structuralSchema(schema, '.spec')).toThrow(message);
  });
});

describe('withRules', () => {
  const Pair = withRules(
    z.object({ a: z.number().optional().describe('a'), b: z.number().optional().describe('b') }).strict().describe('pair'),
    [{ rule: 'has(self.a) == has(self.b)', message: 'set both or neither', fieldPath: '.b', reason: 'FieldValueRequired', holds: (p) => (p.a === undefined) === (p.b === undefined) }],
  );

  it('emits the rule into the schema and keeps the description', () => {
    const json = structuralSchema(Pair);
    expect(json['description']).toBe('pair');
    expect(json['x-kubernetes-validations']).toEqual([{ rule: 'has(self.a) == has(self.b)', message: 'set both or neither', fieldPath: '.b', reason: 'FieldValueRequired' }]);
  });

  it('enforces the rule in zod at the fieldPath', () => {
    expect(Pair.safeParse({ a: 1, b: 2 }).success).toBe(true);
    const issues = Pair.safeParse({ a: 1 }).error?.issues ?? [];
    expect(issues.map((i) => [i.path, i.message])).toEqual([[['b'], 'set both or neither']]);
  });

  it('accumulates rules added twice', () => {
    const twice = withRules(Pair, [{ rule: '!has(self.a) || self.a >= 0', message: 'a must not be negative', holds: (p) => (p.a ?? 0) >= 0 }]);
    expect((structuralSchema(twice)['x-kubernetes-validations'] as unknown[]).length).toBe(2);
    expect(twice.safeParse({ a: -1, b: 1 }).error?.issues.map((i) => i.message)).toEqual(['a must not be negative']);
  });

  it('refuses field paths it cannot map to zod', () => {
    expect(fieldPathSegments('.a.b')).toEqual(['a', 'b']);
    expect(() => fieldPathSegments('.a[0]')).toThrow(/unsupported fieldPath/);
  });

  it('celQuote escapes backslashes and quotes', () => {
    expect(celQuote("a\\.b'c")).toBe("'a\\\\.b\\'c'");
  });
});

describe('list and map extensions', () => {
  it('setList: list-type set and duplicate check', () => {
    const s = setList(z.array(str).max(3)).describe('set');
    expect(structuralSchema(s)['x-kubernetes-list-type']).toBe('set');
    expect(s.safeParse(['x', 'y', 'x']).error?.issues.map((i) => i.path)).toEqual([[2]]);
  });

  it('mapList: list-type map keyed by a field and duplicate check', () => {
    const m = mapList(z.array(z.object({ name: str }).describe('item')).max(3), 'name').describe('list');
    const json = structuralSchema(m);
    expect([json['x-kubernetes-list-type'], json['x-kubernetes-list-map-keys']]).toEqual(['map', ['name']]);
    expect(m.safeParse([{ name: 'a' }, { name: 'a' }]).error?.issues.map((i) => i.path)).toEqual([[1, 'name']]);
  });

  it('maxProperties: bound in the schema and in zod', () => {
    const m = maxProperties(z.record(z.string(), str), 1).describe('map');
    expect(structuralSchema(m)['maxProperties']).toBe(1);
    expect(m.safeParse({ a: 'x' }).success).toBe(true);
    expect(m.safeParse({ a: 'x', b: 'y' }).success).toBe(false);
  });
});
