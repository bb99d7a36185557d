import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import { ConfigDirError, hashConfigDir, loadConfigDir } from '../../pkg/config/load.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'swy-load-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const provider = (name: string) => `apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: ${name} }
spec: { type: fake }
`;
const route = (model: string, p: string) => `apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: ${model} }
spec: { model: ${model}, targets: [{ provider: ${p} }] }
`;
const CANARY = 'sk-canary-0d9e8f7a6b5c4d3e';

function names(objects: unknown[]): string[] {
  return objects.map((o) => {
    const r = o as { kind: string; metadata: { name: string } };
    return `${r.kind}/${r.metadata.name}`;
  });
}

describe('loadConfigDir', () => {
  it('loads multi-document YAML, .yml and .json files in name order; ignores other files and subdirectories', async () => {
    await writeFile(join(dir, 'b.yaml'), `${provider('p1')}---\n${route('m1', 'p1')}\n---\n# empty document\n`);
    await writeFile(join(dir, 'a.json'), JSON.stringify({ apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'p0' }, spec: { type: 'fake' } }));
    await writeFile(join(dir, 'c.yml'), route('m2', 'p0'));
    await writeFile(join(dir, 'notes.txt'), 'not a manifest');
    await writeFile(join(dir, '.hidden.yaml'), provider('hidden'));
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'x.yaml'), provider('nested'));
    const loaded = await loadConfigDir(dir, {});
    expect(loaded.files).toEqual(['a.json', 'b.yaml', 'c.yml']);
    expect(loaded.errors).toEqual([]);
    expect(names(loaded.objects)).toEqual(['Provider/p0', 'Provider/p1', 'ModelRoute/m1', 'ModelRoute/m2']);
    expect(compile(loaded.objects).table.routes).toHaveLength(2);
  });

  it('flattens kind: List items', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'p1' }, spec: { type: 'fake' } },
      { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'm' }, spec: { model: 'm', targets: [{ provider: 'p1' }] } },
    ] };
    await writeFile(join(dir, 'list.json'), JSON.stringify(list));
    const loaded = await loadConfigDir(dir, {});
    expect(names(loaded.objects)).toEqual(['Provider/p1', 'ModelRoute/m']);
  });

  it('isolates a YAML syntax error to its file, without quoting the file in the message', async () => {
    await writeFile(join(dir, 'good.yaml'), provider('p1'));
    await writeFile(join(dir, 'bad.yaml'), `apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData:\n  key: ${CANARY}\n   bad: [unclosed\n`);
    const loaded = await loadConfigDir(dir, {});
    expect(names(loaded.objects)).toEqual(['Provider/p1']);
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]?.file).toBe('bad.yaml');
    expect(loaded.errors[0]?.message).toMatch(/YAML syntax error.*line \d+/);
    expect(JSON.stringify(loaded)).not.toContain(CANARY.slice(4, 16));
  });

  it('reports a document that is not an object, and duplicate keys, as file errors', async () => {
    await writeFile(join(dir, 'scalar.yaml'), 'just a string\n');
    await writeFile(join(dir, 'dup.yaml'), 'kind: Provider\nkind: ModelRoute\n');
    const loaded = await loadConfigDir(dir, {});
    expect(loaded.errors.map((e) => e.file).sort()).toEqual(['dup.yaml', 'scalar.yaml']);
    expect(loaded.objects).toEqual([]);
  });

  it('limits YAML alias expansion (billion laughs)', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    await writeFile(join(dir, 'bomb.yaml'), `${lines.join('\n')}\n`);
    const loaded = await loadConfigDir(dir, {});
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]?.file).toBe('bomb.yaml');
  });

  it('resolves ${env:NAME} in Secret stringData and data; unset variables leave the key out with a warning', async () => {
    await writeFile(join(dir, 'secrets.yaml'), [
      'apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData:\n  apiKey: ${env:OPENAI_API_KEY}\n  other: ${env:UNSET_VAR}\n  literal: prefix-${env:OPENAI_API_KEY}\n',
      'apiVersion: v1\nkind: Secret\nmetadata: { name: creds2 }\ndata:\n  apiKey: ${env:OPENAI_API_KEY}\n',
    ].join('---\n'));
    const loaded = await loadConfigDir(dir, { OPENAI_API_KEY: CANARY });
    const [s1, s2] = loaded.objects as { stringData?: Record<string, string>; data?: Record<string, string> }[];
    expect(s1?.stringData?.apiKey).toBe(CANARY);
    expect(s1?.stringData).not.toHaveProperty('other');
    expect(s1?.stringData?.literal).toBe('prefix-${env:OPENAI_API_KEY}');
    expect(Buffer.from(s2?.data?.apiKey ?? '', 'base64').toString()).toBe(CANARY);
    expect(loaded.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/Secret default\/creds stringData\.other: environment variable UNSET_VAR is not set/),
      expect.stringMatching(/stringData\.literal: only a whole value/),
    ]);
    expect(JSON.stringify(loaded.warnings)).not.toContain(CANARY.slice(0, 10));
  });

  it('an unset env var surfaces as SecretKeyNotFound from the compiler', async () => {
    await writeFile(join(dir, 'all.yaml'), [
      'apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData:\n  apiKey: ${env:MISSING_KEY}\n',
      'apiVersion: switchyard.dev/v1alpha1\nkind: Provider\nmetadata: { name: openai }\nspec:\n  type: openai\n  auth: { secretRef: { name: creds, key: apiKey } }\n',
    ].join('---\n'));
    const loaded = await loadConfigDir(dir, {});
    const { statuses } = compile(loaded.objects);
    const p = statuses.find((s) => s.kind === 'Provider');
    expect(p?.conditions.find((c) => c.type === 'ResolvedRefs')?.reason).toBe('SecretKeyNotFound');
  });

  it('follows symlinks (ConfigMap mounts) but skips the ..data entries', async () => {
    await mkdir(join(dir, '..2024_01_01'));
    await writeFile(join(dir, '..2024_01_01', 'p.yaml'), provider('p1'));
    await symlink('..2024_01_01', join(dir, '..data'));
    await symlink(join('..data', 'p.yaml'), join(dir, 'p.yaml'));
    const loaded = await loadConfigDir(dir, {});
    expect(loaded.files).toEqual(['p.yaml']);
    expect(names(loaded.objects)).toEqual(['Provider/p1']);
  });

  it('the content hash changes with content and not with unrelated files', async () => {
    await writeFile(join(dir, 'p.yaml'), provider('p1'));
    const h1 = await hashConfigDir(dir);
    await writeFile(join(dir, 'README.md'), 'hello');
    expect(await hashConfigDir(dir)).toBe(h1);
    expect((await loadConfigDir(dir, {})).hash).toBe(h1);
    await writeFile(join(dir, 'p.yaml'), provider('p2'));
    expect(await hashConfigDir(dir)).not.toBe(h1);
  });

  it('throws ConfigDirError for a missing directory', async () => {
    await expect(loadConfigDir(join(dir, 'nope'), {})).rejects.toBeInstanceOf(ConfigDirError);
  });
});
