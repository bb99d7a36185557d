// examples/gitops: a base and dev/prod overlays in kustomize's layout, checked by `switchyard validate` in CI
// without kustomize. Two ways, which must agree: the overlay rendered by a faithful subset of `kustomize build`
// (kustomize-lite.ts: resources + namespace, nothing else) and validated as one file; and the plain directories
// `switchyard validate base overlays/<env>` that the README tells reviewers to run.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ValidateReport } from '../../pkg/serve/validate.ts';
import { ROOT, callCli, runCli } from '../support/cli.ts';
import { build, kustomizationFile, KustomizeLiteError } from './kustomize-lite.ts';

const GITOPS = join(ROOT, 'examples', 'gitops');
const BASE = join(GITOPS, 'base');
const ENVIRONMENTS = { dev: 'ai-dev', prod: 'ai-prod' } as const;

let tmp: string;
beforeAll(async () => { tmp = await mkdtemp(join(tmpdir(), 'swy-gitops-')); });
afterAll(async () => { await rm(tmp, { recursive: true, force: true }); });

async function manifestFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /\.(ya?ml|json)$/.test(n) && kustomizationFile(dir) !== join(dir, n)).map((n) => join(dir, n));
}

function names(report: ValidateReport): string[] {
  return report.statuses.map((s) => `${s.kind}/${s.name}`).sort();
}

async function validateJson(args: string[]): Promise<{ code: number; report: ValidateReport }> {
  const r = await callCli(['validate', ...args, '-o', 'json']);
  return { code: r.code, report: JSON.parse(r.stdout) as ValidateReport };
}

describe('examples/gitops', () => {
  it('has a base and exactly the dev and prod overlays, each with a kustomization.yaml', async () => {
    expect(kustomizationFile(BASE)).not.toBeNull();
    expect((await readdir(join(GITOPS, 'overlays'))).sort()).toEqual(Object.keys(ENVIRONMENTS).sort());
  });

  for (const [env, namespace] of Object.entries(ENVIRONMENTS)) {
    describe(`overlays/${env}`, () => {
      const overlay = join(GITOPS, 'overlays', env);

      it('renders (resources + namespace) every manifest file of the base and the overlay, each once', async () => {
        const rendered = build(overlay);
        expect(rendered.files.sort()).toEqual([...await manifestFiles(BASE), ...await manifestFiles(overlay)].map((f) => resolve(f)).sort());
        expect(rendered.objects.length).toBeGreaterThan(0);
        for (const o of rendered.objects) expect((o.metadata as { namespace?: string }).namespace).toBe(namespace);
      });

      it('the rendered environment validates: no error, and only missing Secrets are warned about', async () => {
        const file = join(tmp, `${env}.yaml`);
        await writeFile(file, build(overlay).objects.map((o) => stringify(o)).join('---\n'));
        const r = await runCli(['validate', file]);
        expect(r.code, r.stdout).toBe(0);
        expect(r.stdout).not.toContain('ERROR');
        const { code, report } = await validateJson([file]);
        expect(code).toBe(0);
        expect(report.errors).toEqual([]);
        expect(new Set(report.warnings.map((w) => w.reason))).toEqual(new Set(['SecretNotFound']));
        expect(report.statuses.every((s) => s.namespace === namespace)).toBe(true);
        // With the Secrets required (--strict), the same set fails: the check is not vacuous.
        expect((await callCli(['validate', '--strict', file])).code).toBe(1);
      });

      it('`switchyard validate base overlays/<env>` sees the same objects as the rendered overlay', async () => {
        const file = join(tmp, `${env}.yaml`);
        await writeFile(file, build(overlay).objects.map((o) => stringify(o)).join('---\n'));
        const plain = await validateJson([BASE, overlay]);
        const rendered = await validateJson([file]);
        expect(plain.code).toBe(0);
        expect(plain.report.errors).toEqual([]);
        expect(names(plain.report)).toEqual(names(rendered.report));
        expect(plain.report.summary.objects).toBe(rendered.report.summary.objects);
      });
    });
  }

  it('dev and prod differ where they should: prod alone has the vLLM provider and the qwen downgrade route', async () => {
    const dev = names((await validateJson([BASE, join(GITOPS, 'overlays', 'dev')])).report);
    const prod = names((await validateJson([BASE, join(GITOPS, 'overlays', 'prod')])).report);
    expect(prod).toContain('Provider/vllm');
    expect(prod).toContain('ModelRoute/qwen');
    expect(dev).not.toContain('Provider/vllm');
    expect(dev).toContain('ModelRoute/chat');
    expect(dev.filter((n) => n.startsWith('Provider/'))).toEqual(['Provider/anthropic', 'Provider/openai']);
  });
});

describe('kustomize-lite refuses what it does not render', () => {
  async function layout(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmp, 'k-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('patches, generators and name prefixes are refused by name', async () => {
    for (const field of ['patches: []', 'patchesStrategicMerge: []', 'secretGenerator: []', 'namePrefix: x-', 'components: []']) {
      const dir = await layout({ 'kustomization.yaml': `resources: []\n${field}\n` });
      expect(() => build(dir)).toThrow(new RegExp(`${field.split(':')[0] ?? ''} not supported`));
    }
  });

  it('a remote resource and a duplicate object are refused', async () => {
    const remote = await layout({ 'kustomization.yaml': 'resources: [https://github.com/x/y//base]\n' });
    expect(() => build(remote)).toThrow(KustomizeLiteError);
    const obj = 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n';
    const dup = await layout({ 'kustomization.yaml': 'resources: [a.yaml, b.yaml]\n', 'a.yaml': obj, 'b.yaml': obj });
    expect(() => build(dup)).toThrow(/already registered id/);
  });

  it('namespace is set on every object, over the one written in the file', async () => {
    const dir = await layout({ 'kustomization.yaml': 'namespace: n2\nresources: [a.yaml]\n', 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a, namespace: n1 }\n' });
    expect(build(dir).objects.map((o) => o.metadata)).toEqual([{ name: 'a', namespace: 'n2' }]);
  });
});
