// crds/*.yaml: generated from pkg/api and committed; these tests fail on drift and on schemas the API server
// would refuse (non-structural) or could not cost-estimate (unbounded strings, lists and maps).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GENERATED_HEADER, generateCrdFiles } from '../../pkg/api/crdgen.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FILES = generateCrdFiles();

type Node = Record<string, unknown>;

const FORBIDDEN = ['$schema', '$ref', '$defs', 'definitions', 'id', 'anyOf', 'oneOf', 'allOf', 'not', 'const', 'patternProperties', 'propertyNames', 'dependencies', 'additionalItems', 'uniqueItems', 'nullable'];

function asNode(v: unknown, path: string): Node {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path}: not a schema object`);
  return v as Node;
}

/** Every problem found in a schema node and below it, as "path: problem" lines. */
function schemaProblems(node: Node, path: string): string[] {
  const problems: string[] = [];
  const add = (p: string) => problems.push(`${path || '<root>'}: ${p}`);
  const free = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (typeof node['type'] !== 'string' && !free) add('no type');
  if (path !== '.metadata' && (typeof node['description'] !== 'string' || node['description'] === '')) add('no description');
  for (const k of FORBIDDEN) if (k in node) add(`forbidden keyword ${k}`);
  if (node['type'] === 'string' && node['maxLength'] === undefined && node['enum'] === undefined) add('string without maxLength or enum');
  if (node['type'] === 'array' && node['maxItems'] === undefined) add('array without maxItems');
  const props = node['properties'] === undefined ? undefined : asNode(node['properties'], path);
  const extra = node['additionalProperties'];
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null) add('additionalProperties must be a schema (a map), not a boolean');
    if (props !== undefined) add('both properties and additionalProperties');
    if (node['maxProperties'] === undefined) add('map without maxProperties');
    problems.push(...schemaProblems(asNode(extra, path), `${path}[*]`));
  }
  for (const [k, v] of Object.entries(props ?? {})) problems.push(...schemaProblems(asNode(v, path), `${path}.${k}`));
  for (const r of (node['required'] as string[] | undefined) ?? []) if (props?.[r] === undefined) add(`required ${r} is not a property`);
  if (node['items'] !== undefined) problems.push(...schemaProblems(asNode(node['items'], path), `${path}[]`));
  checkRules(node, props, add);
  checkLists(node, add);
  return problems;
}

function checkRules(node: Node, props: Node | undefined, add: (p: string) => void): void {
  const rules = node['x-kubernetes-validations'];
  if (rules === undefined) return;
  if (!Array.isArray(rules) || rules.length === 0) add('x-kubernetes-validations must be a non-empty list');
  for (const r of rules as Node[]) {
    if (typeof r['rule'] !== 'string' || typeof r['message'] !== 'string') add(`rule without rule/message: ${JSON.stringify(r)}`);
    const fp = r['fieldPath'];
    if (fp !== undefined && (typeof fp !== 'string' || props?.[fp.split('.')[1] ?? ''] === undefined)) add(`fieldPath ${String(fp)} names no property`);
    if (r['reason'] !== undefined && !['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(String(r['reason']))) add(`bad reason ${String(r['reason'])}`);
  }
}

function checkLists(node: Node, add: (p: string) => void): void {
  const listType = node['x-kubernetes-list-type'];
  if (listType === undefined) return;
  const items = asNode(node['items'], '');
  if (listType === 'set' && items['type'] === 'object') add('list-type set needs scalar items');
  if (listType === 'map') {
    const keys = node['x-kubernetes-list-map-keys'] as string[];
    const required = (items['required'] as string[] | undefined) ?? [];
    for (const k of keys) if (!required.includes(k)) add(`list-map key ${k} is not required`);
  }
}

function versionOf(file: { content: string }): Node {
  const crd = asNode(parse(file.content), 'crd');
  const spec = asNode(crd['spec'], 'spec');
  const versions = spec['versions'] as Node[];
  expect(versions).toHaveLength(1);
  return versions[0] as Node;
}

function openAPI(file: { content: string }): Node {
  return asNode(asNode(versionOf(file)['schema'], 'schema')['openAPIV3Schema'], 'openAPIV3Schema');
}

describe('crds/*.yaml', () => {
  it('generates the three CRD files', () => {
    expect(FILES.map((f) => f.path)).toEqual([
      'crds/switchyard.dev_providers.yaml',
      'crds/switchyard.dev_modelroutes.yaml',
      'crds/switchyard.dev_quotas.yaml',
    ]);
  });

  for (const file of FILES) {
    describe(file.path, () => {
      it('matches the committed file byte for byte', () => {
        let committed: string;
        try {
          committed = readFileSync(join(ROOT, file.path), 'utf8');
        } catch {
          committed = '<missing>';
        }
        expect(committed === file.content, `${file.path} is out of date: run \`npm run gen:crds\` and commit the result`).toBe(true);
      });

      it('starts with the generated-file header', () => {
        expect(file.content.startsWith(GENERATED_HEADER)).toBe(true);
        expect(GENERATED_HEADER).toMatch(/^# .*npm run gen:crds.*DO NOT EDIT/);
      });

      it('reads the same as YAML 1.1 (kubectl) and YAML 1.2', () => {
        expect(parse(file.content, { version: '1.1' })).toEqual(parse(file.content));
      });

      it('has a structural, described and bounded schema', () => {
        expect(schemaProblems(openAPI(file), '')).toEqual([]);
      });

      it('keeps metadata plain and requires spec', () => {
        const root = openAPI(file);
        const props = asNode(root['properties'], '');
        expect(props['metadata']).toEqual({ type: 'object' });
        expect(Object.keys(props)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
        expect(root['required']).toEqual(['spec']);
        expect(asNode(props['status'], 'status')['x-kubernetes-preserve-unknown-fields']).toBe(true);
      });

      it('is namespaced v1alpha1, served and stored, with the status subresource', () => {
        const crd = asNode(parse(file.content), 'crd');
        const spec = asNode(crd['spec'], 'spec');
        expect(crd['apiVersion']).toBe('apiextensions.k8s.io/v1');
        expect(spec['group']).toBe('switchyard.dev');
        expect(spec['scope']).toBe('Namespaced');
        const names = asNode(spec['names'], 'names');
        expect(names['categories']).toEqual(['switchyard']);
        expect((names['shortNames'] as string[]).length).toBeGreaterThan(0);
        expect(asNode(crd['metadata'], 'metadata')['name']).toBe(`${String(names['plural'])}.switchyard.dev`);
        const version = versionOf(file);
        expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
      });
    });
  }

  it('has the printer columns kubectl get shows', () => {
    const columns = Object.fromEntries(
      FILES.map((f) => [f.path, (versionOf(f)['additionalPrinterColumns'] as Node[]).map((c) => [c['name'], c['jsonPath'], c['priority'] ?? 0])]),
    );
    const cond = (t: string) => `.status.conditions[?(@.type=="${t}")].status`;
    const age = ['Age', '.metadata.creationTimestamp', 0];
    expect(columns).toEqual({
      'crds/switchyard.dev_providers.yaml': [['Type', '.spec.type', 0], ['Base URL', '.spec.baseURL', 1], ['Accepted', cond('Accepted'), 0], ['Healthy', cond('Healthy'), 0], age],
      'crds/switchyard.dev_modelroutes.yaml': [['Model', '.spec.model', 0], ['Strategy', '.spec.strategy', 0], ['Accepted', cond('Accepted'), 0], ['Programmed', cond('Programmed'), 0], age],
      'crds/switchyard.dev_quotas.yaml': [
        ['Subject', '.status.subject', 0], ['Used', '.status.summary', 0], ['Remaining', '.status.usage[0].remaining', 1],
        ['Accepted', cond('Accepted'), 0], ['Exceeded', cond('Exceeded'), 0], age,
      ],
    });
  });

  it('short names are distinct and avoid built-in ones', () => {
    const shortNames = FILES.flatMap((f) => {
      const names = asNode(asNode(asNode(parse(f.content), 'crd')['spec'], 'spec')['names'], 'names');
      return names['shortNames'] as string[];
    });
    expect(new Set(shortNames).size).toBe(shortNames.length);
    for (const builtIn of ['quota', 'po', 'svc', 'cm', 'ns', 'rs', 'deploy', 'ing', 'sa', 'pv', 'pvc', 'ep', 'no', 'ev', 'cs', 'ds', 'sts', 'hpa', 'pdb', 'netpol', 'sc', 'crd', 'limits']) {
      expect(shortNames).not.toContain(builtIn);
    }
  });

  it('the structural check catches what it claims to', () => {
    const bad: Node = {
      type: 'object',
      description: 'd',
      properties: {
        s: { type: 'string', description: 'no bound' },
        a: { type: 'array', description: 'no bound', items: { type: 'string', description: 'd', maxLength: 1 } },
        u: { description: 'no type', anyOf: [{ type: 'string' }] },
        m: { type: 'object', description: 'map', additionalProperties: { type: 'string', description: 'd', maxLength: 3 } },
      },
      required: ['missing'],
    };
    expect(schemaProblems(bad, '')).toEqual([
      '.s: string without maxLength or enum',
      '.a: array without maxItems',
      '.u: no type',
      '.u: forbidden keyword anyOf',
      '.m: map without maxProperties',
      '<root>: required missing is not a property',
    ]);
  });
});
