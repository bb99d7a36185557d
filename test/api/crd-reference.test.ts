// docs/reference/*.md: generated from crds/*.yaml (themselves generated from the zod schemas and drift-tested in
// crds.test.ts) and committed; these tests fail on drift, and check the reference says what the CRDs enforce.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generateReferenceFiles, REFERENCE_DIR } from '../../pkg/api/crd-reference.ts';
import { KINDS } from '../../pkg/api/crdgen.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CRD_PATHS = KINDS.map((k) => `crds/switchyard.dev_${k.plural}.yaml`);
const CRDS = CRD_PATHS.map((path) => ({ path, content: readFileSync(join(ROOT, path), 'utf8') }));
const FILES = generateReferenceFiles(CRDS);

function committed(path: string): string {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return '<missing>';
  }
}

type Node = Record<string, unknown>;

/** Every field path of a schema, as the reference writes it (spec.a.b, spec.list[].x, spec.map.<key>). */
function fieldPaths(n: Node, path: string, out: string[]): string[] {
  for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, Node>)) {
    out.push(`${path}.${k}`);
    fieldPaths(v, `${path}.${k}`, out);
  }
  if (typeof n.additionalProperties === 'object' && n.additionalProperties !== null) {
    out.push(`${path}.<key>`);
    fieldPaths(n.additionalProperties as Node, `${path}.<key>`, out);
  }
  if (typeof n.items === 'object' && n.items !== null) fieldPaths(n.items as Node, `${path}[]`, out);
  return out;
}

function schemaOf(crdText: string): Node {
  const crd = parse(crdText) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
  return crd.spec.versions[0]?.schema.openAPIV3Schema ?? {};
}

describe('docs/reference', () => {
  it('generates one page per kind and an index', () => {
    expect(FILES.map((f) => f.path)).toEqual(['docs/reference/provider.md', 'docs/reference/modelroute.md', 'docs/reference/quota.md', 'docs/reference/README.md']);
  });

  for (const file of FILES) {
    it(`${file.path} matches the committed file byte for byte`, () => {
      expect(committed(file.path) === file.content, `${file.path} is out of date: run \`npm run gen:crds\` and commit the result`).toBe(true);
    });
  }

  it('holds no page that is not generated', () => {
    expect(readdirSync(join(ROOT, REFERENCE_DIR)).sort()).toEqual(FILES.map((f) => f.path.slice(REFERENCE_DIR.length + 1)).sort());
  });

  it('lists every spec and status field of every CRD, each on its own row', () => {
    CRDS.forEach((crd, i) => {
      const page = FILES[i]?.content ?? '';
      const props = schemaOf(crd.content).properties as Record<string, Node>;
      const paths = [...fieldPaths(props.spec ?? {}, 'spec', []), ...fieldPaths(props.status ?? {}, 'status', [])];
      expect(paths.length).toBeGreaterThan(5);
      for (const p of paths) expect(page, `${crd.path}: ${p}`).toContain(`| \`${p}\` |`);
    });
  });

  it('says what the API server enforces: required, defaults, bounds, enums, CEL rules and printer columns', () => {
    const [provider = '', route = '', quota = ''] = FILES.map((f) => f.content);
    expect(route).toMatch(/\| `spec\.targets` \| array of object \| yes \| {2}\| 1–64 items \|/);
    expect(route).toMatch(/\| `spec\.targets\[\]\.weight` \| integer \| {2}\| `1` \| value 0–10000 \|/);
    expect(route).toContain('| `spec.aliases` | aliases must not contain the route\'s own model name | `!has(self.aliases) || !(self.model in self.aliases)` |'.replace(/ \|\| /g, ' \\|\\| '));
    expect(quota).toContain('| `spec.limits[]` | set exactly one of requests, tokens or costUSD |');
    expect(quota).toMatch(/\| `spec\.limits\[\]\.window` \| string \| yes \| {2}\| one of `1m`, `1h`, `1d`, `calendar-month` \|/);
    expect(quota).toContain('| Remaining (with `-o wide`) | `.status.usage[0].remaining` |');
    expect(quota).toContain('| `status.usage[].remaining` | number |');
    expect(provider).toContain('| `spec.headers.<key>` | string |');
    expect(provider).toContain('short names `prov`');
    expect(committed('docs/reference/README.md')).toContain('| [Quota](quota.md) | `swq` |');
  });
});
