// Kubernetes schema extensions (list types, map bounds) attached to zod schemas, each with the zod check that
// enforces the same thing outside the API server.
import type { z } from 'zod';

type Scalar = string | number | boolean;

function duplicateIndex(values: readonly Scalar[]): number {
  const seen = new Set<Scalar>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as Scalar;
    if (seen.has(v)) return i;
    seen.add(v);
  }
  return -1;
}

/** An array of scalars without duplicates: `x-kubernetes-list-type: set`. */
export function setList<S extends z.ZodType<Scalar[]>>(schema: S): S {
  return schema
    .superRefine((values, ctx) => {
      const i = duplicateIndex(values);
      if (i >= 0) ctx.addIssue({ code: 'custom', message: `duplicate value ${JSON.stringify(values[i])}`, path: [i], input: values });
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

/** An array of objects unique by one required scalar key: `x-kubernetes-list-type: map`. */
export function mapList<S extends z.ZodType<Record<string, unknown>[]>>(schema: S, key: string): S {
  return schema
    .superRefine((items, ctx) => {
      const i = duplicateIndex(items.map((item) => String(item[key])));
      if (i >= 0) {
        ctx.addIssue({ code: 'custom', message: `duplicate ${key} ${JSON.stringify(items[i]?.[key])}`, path: [i, key], input: items });
      }
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}

/** A map (zod record) with at most `max` entries: `maxProperties`. */
export function maxProperties<S extends z.ZodType<Record<string, unknown>>>(schema: S, max: number): S {
  return schema
    .superRefine((map, ctx) => {
      const n = Object.keys(map).length;
      if (n > max) ctx.addIssue({ code: 'custom', message: `at most ${max} entries allowed, got ${n}`, path: [], input: map });
    })
    .meta({ maxProperties: max });
}
