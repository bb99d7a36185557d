// readManifestPaths (files and directories named on a command line) and resolveDocuments (env references,
// optionally with placeholders for unset variables): what `switchyard validate` reads.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readManifestPaths, resolveDocuments } from '../../pkg/config/load.ts';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'swy-paths-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

const provider = (name: string) => `apiVersion: switchyard.dev/v1alpha1\nkind: Provider\nmetadata: { name: ${name} }\nspec: { type: fake }\n`;

describe('readManifestPaths', () => {
  it('reads files (any extension) and directories as one set, names files as given, reads a file once', async () => {
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd', 'a.yaml'), provider('a'));
    await writeFile(join(dir, 'd', 'notes.txt'), 'ignored in a directory');
    await writeFile(join(dir, 'single.manifest'), provider('s'));
    const read = await readManifestPaths([join(dir, 'single.manifest'), join(dir, 'd'), join(dir, 'd', 'a.yaml')]);
    expect(read.errors).toEqual([]);
    expect(read.files).toEqual([join(dir, 'single.manifest'), join(dir, 'd', 'a.yaml')]);
    expect(read.documents.map((d) => [d.file, (d.object as { metadata: { name: string } }).metadata.name])).toEqual([
      [join(dir, 'single.manifest'), 's'],
      [join(dir, 'd', 'a.yaml'), 'a'],
    ]);
  });

  it('reports a missing path and a file that does not parse, and still reads the rest', async () => {
    await writeFile(join(dir, 'good.yaml'), provider('g'));
    await writeFile(join(dir, 'bad.yaml'), 'a: [unclosed\n');
    const read = await readManifestPaths([join(dir, 'missing'), join(dir, 'bad.yaml'), join(dir, 'good.yaml')]);
    expect(read.errors.map((e) => e.file)).toEqual([join(dir, 'missing'), join(dir, 'bad.yaml')]);
    expect(read.errors[0]?.message).toBe(`cannot read ${join(dir, 'missing')} (ENOENT)`);
    expect(read.errors[1]?.message).toMatch(/^YAML syntax error in document 1/);
    expect(read.documents).toHaveLength(1);
  });
});

describe('resolveDocuments', () => {
  const secret = 'apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: team }\nstringData:\n  apiKey: ${env:TOKEN_A}\n';

  it('lists each unset variable with its file, Secret and key; a placeholder fills it only when asked', async () => {
    await writeFile(join(dir, 's.yaml'), secret);
    const read = await readManifestPaths([join(dir, 's.yaml')]);
    const real = resolveDocuments(read.documents, {});
    expect(real.absent).toEqual([{ file: join(dir, 's.yaml'), secret: 'team/creds', field: 'stringData', key: 'apiKey', variable: 'TOKEN_A' }]);
    expect((real.objects[0] as { stringData: Record<string, string> }).stringData).toEqual({});
    const filled = resolveDocuments(read.documents, {}, (ref) => `placeholder-for-${ref.variable}`);
    expect((filled.objects[0] as { stringData: Record<string, string> }).stringData).toEqual({ apiKey: 'placeholder-for-TOKEN_A' });
    expect(filled.absent).toHaveLength(1);
    const set = resolveDocuments(read.documents, { TOKEN_A: 'value-a' }, () => 'never');
    expect(set.absent).toEqual([]);
    expect((set.objects[0] as { stringData: Record<string, string> }).stringData).toEqual({ apiKey: 'value-a' });
  });
});
