// The zod schemas accept good manifests and reject bad ones at the right path, with the same messages as the CEL
// rules in crds/*.yaml (cases shared with the API-server tier in testdata/validation-cases.yaml).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ModelRoute, Provider, Quota } from '../../pkg/api/index.ts';
import { PROVIDER_TYPES } from '../../pkg/api/provider.ts';
import { crdFor, KINDS } from '../../pkg/api/crdgen.ts';
import { durationMs } from '../../pkg/api/duration.ts';
import { lowerAscii } from '../../pkg/api/baseurl.ts';

const ExpectedError = z.object({ field: z.string(), message: z.string().optional() }).strict();
const Case = z
  .object({
    name: z.string(),
    apiServer: z.literal('prunes').optional(),
    errors: z.array(ExpectedError),
    object: z.object({ kind: z.string() }).loose(),
  })
  .strict();
type Case = z.infer<typeof Case>;

const CASES: Case[] = z.array(Case).parse(parse(readFileSync(join(import.meta.dirname, 'testdata/validation-cases.yaml'), 'utf8')));
const SCHEMAS: Record<string, z.ZodType> = { Provider, ModelRoute, Quota };

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? String(seg) : `.${String(seg)}`)).join('');
}

function within(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

function issuesOf(c: Case): { path: string; message: string; code: string }[] {
  const schema = SCHEMAS[c.object.kind];
  if (schema === undefined) throw new Error(`${c.name}: unknown kind ${c.object.kind}`);
  const result = schema.safeParse(c.object);
  return result.success ? [] : result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message, code: i.code }));
}

/** Every x-kubernetes-validations message in the generated CRDs. */
function celMessages(): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'x-kubernetes-validations' && Array.isArray(v)) for (const r of v) found.push((r as { message: string }).message);
        else visit(v);
      }
    }
  };
  KINDS.forEach((def) => visit(crdFor(def)));
  return found;
}

describe('validation cases (testdata/validation-cases.yaml)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const issues = issuesOf(c);
      if (c.errors.length === 0) {
        expect(issues).toEqual([]);
        return;
      }
      expect(issues.length, 'the object must be rejected').toBeGreaterThan(0);
      for (const want of c.errors) {
        const hit = issues.find((i) => within(i.path, want.field) && (want.message === undefined || i.message === want.message));
        expect(hit, `expected an error at ${want.field}${want.message ? ` saying "${want.message}"` : ''}; got ${JSON.stringify(issues)}`).toBeDefined();
      }
      // Our own rules (custom issues) must not fire where the case does not expect them.
      for (const issue of issues.filter((i) => i.code === 'custom')) {
        const expected = c.errors.some((w) => within(issue.path, w.field) && (w.message === undefined || w.message === issue.message));
        expect(expected, `unexpected rule failure ${JSON.stringify(issue)}`).toBe(true);
      }
    });
  }

  it('every CEL rule in the CRDs has a case that triggers its message', () => {
    const tested = new Set(CASES.flatMap((c) => c.errors.map((e) => e.message)));
    const untested = celMessages().filter((m) => !tested.has(m));
    expect(untested).toEqual([]);
  });

  it('covers every provider type with a valid manifest', () => {
    const valid = CASES.filter((c) => c.errors.length === 0 && c.object.kind === 'Provider');
    const types = new Set(valid.map((c) => (c.object['spec'] as { type: string }).type));
    expect([...types].sort()).toEqual([...PROVIDER_TYPES].sort());
  });
});

describe('defaults', () => {
  it('fills ModelRoute strategy, target weight and priority, retry attempts, classes and backoff', () => {
    const route = ModelRoute.parse({
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'ModelRoute',
      metadata: { name: 'r' },
      spec: { model: 'm', targets: [{ provider: 'p' }], retry: { backoff: {} } },
    });
    expect(route.spec.strategy).toBe('weighted');
    expect(route.spec.targets[0]).toEqual({ provider: 'p', weight: 1, priority: 0 });
    expect(route.spec.retry).toEqual({ attempts: 2, backoff: { base: '100ms', max: '2s' }, retryOn: ['rate-limited', '5xx', 'timeout', 'connect'] });
  });

  it('fills Quota action type reject', () => {
    const quota = Quota.parse({
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'Quota',
      metadata: { name: 'q' },
      spec: { subject: { kind: 'each-user' }, limits: [{ window: '1m', requests: 5 }], action: {} },
    });
    expect(quota.spec.action).toEqual({ type: 'reject' });
  });
});

describe('helpers', () => {
  it('durationMs reads every unit and rejects other text', () => {
    expect([durationMs('250ms'), durationMs('30s'), durationMs('5m'), durationMs('1h')]).toEqual([250, 30_000, 300_000, 3_600_000]);
    expect(() => durationMs('1h30m')).toThrow(/invalid duration/);
    expect(() => durationMs('')).toThrow(/invalid duration/);
  });

  it('lowerAscii lowers A-Z only, like CEL', () => {
    expect(lowerAscii('HTTP://Ex.COM/ÄÖ')).toBe('http://ex.com/ÄÖ');
  });
});
