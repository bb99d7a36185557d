// The API reference (docs/reference/*.md), generated from the CustomResourceDefinitions — which are themselves
// generated from the zod schemas (crdgen.ts) — so the reference says exactly what the API server enforces: every
// field with its type, whether it is required, its default, its bounds and enum values, the CEL rules and the
// `kubectl get` columns. `npm run gen:crds` writes it beside crds/; test/api/crd-reference.test.ts fails on drift.
import { parse } from 'yaml';
import type { GeneratedFile } from './crdgen.ts';

type Node = Readonly<Record<string, unknown>>;

export const REFERENCE_DIR = 'docs/reference';

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function node(v: unknown, what: string): Node {
  if (!isNode(v)) throw new Error(`CRD reference: ${what} is not an object`);
  return v;
}

/** A table cell: one line, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function typeOf(n: Node): string {
  if (n['x-kubernetes-int-or-string'] === true) return 'integer or string';
  const t = typeof n['type'] === 'string' ? n['type'] : 'any';
  if (t === 'array') return `array of ${isNode(n['items']) ? typeOf(n['items']) : 'any'}`;
  if (t === 'object' && isNode(n['additionalProperties'])) return `map of ${typeOf(n['additionalProperties'])}`;
  if (t === 'object' && n['x-kubernetes-preserve-unknown-fields'] === true) return 'object (other fields kept)';
  return t;
}

function range(min: unknown, max: unknown, unit: string): string | null {
  const lo = typeof min === 'number' ? min : null;
  const hi = typeof max === 'number' && max < Number.MAX_SAFE_INTEGER ? max : null;
  if (lo === null && hi === null) return null;
  if (lo !== null && hi !== null) return lo === hi ? `exactly ${lo}${unit}` : `${lo}–${hi}${unit}`;
  return lo !== null ? `at least ${lo}${unit}` : `at most ${hi}${unit}`;
}

function constraints(n: Node): string[] {
  const out: string[] = [];
  if (Array.isArray(n['enum'])) out.push(`one of ${n['enum'].map((v) => code(String(v))).join(', ')}`);
  const num = range(n['minimum'], n['maximum'], '');
  if (num !== null) out.push(num.replace(/^(\d)/, 'value $1').replace(/^exactly/, 'value exactly'));
  if (n['exclusiveMinimum'] === true) out.push('above the minimum');
  if (n['exclusiveMaximum'] === true) out.push('below the maximum');
  const len = range(n['minLength'], n['maxLength'], ' characters');
  if (len !== null) out.push(len);
  if (typeof n['pattern'] === 'string') out.push(`matches ${code(n['pattern'])}`);
  const items = range(n['minItems'], n['maxItems'], ' items');
  if (items !== null) out.push(items);
  const props = range(n['minProperties'], n['maxProperties'], ' entries');
  if (props !== null) out.push(props);
  if (n['x-kubernetes-list-type'] === 'set') out.push('unique values');
  if (n['x-kubernetes-list-type'] === 'map' && Array.isArray(n['x-kubernetes-list-map-keys'])) {
    out.push(`unique by ${n['x-kubernetes-list-map-keys'].map(String).join(', ')}`);
  }
  return out;
}

interface Row {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly def: string;
  readonly constraints: string;
  readonly description: string;
}

interface Rule {
  readonly path: string;
  readonly message: string;
  readonly rule: string;
}

function walk(n: Node, path: string, required: boolean, rows: Row[], rules: Rule[], top: boolean): void {
  if (!top) {
    rows.push({
      path,
      type: typeOf(n),
      required,
      def: n['default'] === undefined ? '' : code(JSON.stringify(n['default'])),
      constraints: constraints(n).join('; '),
      description: typeof n['description'] === 'string' ? n['description'] : '',
    });
  }
  const validations = n['x-kubernetes-validations'];
  if (Array.isArray(validations)) {
    for (const v of validations) {
      const r = node(v, `${path} rule`);
      const at = typeof r['fieldPath'] === 'string' ? `${path}${r['fieldPath']}` : path;
      rules.push({ path: at, message: String(r['message']), rule: String(r['rule']) });
    }
  }
  const req = new Set(Array.isArray(n['required']) ? n['required'].map(String) : []);
  if (isNode(n['properties'])) {
    for (const [k, v] of Object.entries(n['properties'])) walk(node(v, `${path}.${k}`), `${path}.${k}`, req.has(k), rows, rules, false);
  }
  if (isNode(n['additionalProperties'])) walk(n['additionalProperties'], `${path}.<key>`, false, rows, rules, false);
  if (isNode(n['items'])) walk(n['items'], `${path}[]`, false, rows, rules, true);
}

function fieldTable(rows: readonly Row[]): string[] {
  const out = ['| Field | Type | Required | Default | Constraints | Description |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${code(r.path)} | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.def)} | ${cell(r.constraints)} | ${cell(r.description)} |`);
  }
  return out;
}

function ruleTable(rules: readonly Rule[]): string[] {
  if (rules.length === 0) return [];
  const out = ['', 'Validation rules (checked by the API server on create and update, and by `switchyard validate`):', '',
    '| Field | Message | CEL rule |', '|---|---|---|'];
  for (const r of rules) out.push(`| ${code(r.path)} | ${cell(r.message)} | ${cell(code(r.rule))} |`);
  return out;
}

interface KindDoc {
  readonly kind: string;
  readonly file: string;
  readonly crdPath: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly content: string;
}

function kindDoc(crdPath: string, text: string): KindDoc {
  const crd = node(parse(text), crdPath);
  const spec = node(crd['spec'], 'spec');
  const names = node(spec['names'], 'spec.names');
  const versions = spec['versions'];
  if (!Array.isArray(versions) || versions.length === 0) throw new Error(`CRD reference: ${crdPath} has no versions`);
  const kind = String(names['kind']);
  const shortNames = Array.isArray(names['shortNames']) ? names['shortNames'].map(String) : [];
  const out: string[] = [];
  let description = '';
  for (const v of versions) {
    const version = node(v, 'version');
    const root = node(node(version['schema'], 'schema')['openAPIV3Schema'], 'openAPIV3Schema');
    description = typeof root['description'] === 'string' ? root['description'] : '';
    const props = node(root['properties'], 'properties');
    out.push(
      `<!-- Generated by \`npm run gen:crds\` from ${crdPath}. DO NOT EDIT by hand. -->`,
      `# ${kind}`,
      '',
      description,
      '',
      `- API version: \`${String(spec['group'])}/${String(version['name'])}\``,
      `- Scope: ${String(spec['scope'])}; plural \`${String(names['plural'])}\`; short names ${shortNames.map(code).join(', ') || 'none'}; categories ${(Array.isArray(names['categories']) ? names['categories'] : []).map((c) => code(String(c))).join(', ')}`,
      `- Schema: [${crdPath}](../../${crdPath})`,
      '',
      `## \`kubectl get ${String(names['plural'])}\``,
      '',
      '| Column | From | Description |',
      '|---|---|---|',
    );
    const columns = Array.isArray(version['additionalPrinterColumns']) ? version['additionalPrinterColumns'] : [];
    for (const c of columns) {
      const col = node(c, 'column');
      const wide = col['priority'] !== undefined && col['priority'] !== 0 ? ' (with `-o wide`)' : '';
      out.push(`| ${cell(String(col['name']))}${wide} | ${cell(code(String(col['jsonPath'])))} | ${cell(String(col['description'] ?? ''))} |`);
    }
    for (const part of ['spec', 'status'] as const) {
      const schema = props[part];
      if (!isNode(schema)) continue;
      const rows: Row[] = [];
      const rules: Rule[] = [];
      walk(schema, part, false, rows, rules, true);
      out.push('', `## ${part}`, '', typeof schema['description'] === 'string' ? cell(schema['description']) : '', '');
      out.push(...(rows.length === 0 ? ['Free-form.'] : fieldTable(rows)), ...ruleTable(rules));
    }
  }
  const file = `${REFERENCE_DIR}/${kind.toLowerCase()}.md`;
  return { kind, file, crdPath, shortNames, description, content: `${out.join('\n')}\n` };
}

/** docs/reference/<kind>.md for each CRD file, and docs/reference/README.md listing them. */
export function generateReferenceFiles(crds: readonly GeneratedFile[]): GeneratedFile[] {
  const docs = crds.map((c) => kindDoc(c.path, c.content));
  const index = [
    '<!-- Generated by `npm run gen:crds` from crds/*.yaml. DO NOT EDIT by hand. -->',
    '# API reference',
    '',
    'Every field of the `switchyard.dev` custom resources, generated from the CustomResourceDefinitions in `crds/`',
    '(which are generated from the zod schemas in `pkg/api`): the same types, bounds and rules the API server enforces.',
    'For what the fields do and worked examples, see [docs/api.md](../api.md) and [docs/configuration.md](../configuration.md).',
    '',
    '| Kind | Short names | Description |',
    '|---|---|---|',
    ...docs.map((d) => `| [${d.kind}](${d.file.slice(REFERENCE_DIR.length + 1)}) | ${d.shortNames.map(code).join(', ')} | ${cell(d.description)} |`),
    '',
  ].join('\n');
  return [...docs.map((d) => ({ path: d.file, content: d.content })), { path: `${REFERENCE_DIR}/README.md`, content: index }];
}
