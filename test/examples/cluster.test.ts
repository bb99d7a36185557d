// examples/cluster: validates as committed (only its three provider Secrets missing, by design), and with the
// Secrets its README tells you to create — built from the README's own `kubectl create secret` lines — it
// validates even with --strict: the README and the manifests agree on every Secret name and key.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ValidateReport } from '../../pkg/serve/validate.ts';
import { ROOT, callCli } from '../support/cli.ts';

const CLUSTER = join(ROOT, 'examples', 'cluster');

interface ReadmeSecret { namespace: string; name: string; data: Record<string, string>; labels: Record<string, string> }

/** `kubectl -n NS create secret generic NAME --from-literal=K=V ...` and `kubectl -n NS label secret NAME k=v` lines. */
function readmeSecrets(readme: string): ReadmeSecret[] {
  const text = readme.replace(/\\\n\s*/g, ' ');
  const out = new Map<string, ReadmeSecret>();
  for (const m of text.matchAll(/kubectl -n (\S+) create secret generic (\S+)([^\n]*)/g)) {
    const [, namespace = '', name = '', literals = ''] = m;
    // A shell expansion ("$OPENAI_API_KEY", "sk-$(openssl ...)") becomes a stand-in value; a literal stays as written.
    const data = Object.fromEntries([...literals.matchAll(/--from-literal=([^=\s]+)=("[^"]*"|\S+)/g)]
      .map(([, k = '', v = '']) => [k, v.includes('$') ? `readme-value-${k}-0123456789` : v.replace(/^"|"$/g, '')]));
    out.set(`${namespace}/${name}`, { namespace, name, data, labels: {} });
  }
  for (const m of text.matchAll(/kubectl -n (\S+) label secret (\S+) (\S+)=(\S+)/g)) {
    const [, namespace = '', name = '', k = '', v = ''] = m;
    const s = out.get(`${namespace}/${name}`);
    if (s !== undefined) s.labels[k] = v;
  }
  return [...out.values()];
}

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'swy-cluster-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('examples/cluster', () => {
  it('validates with no error; the only warnings are the three provider Secrets, which --strict requires', async () => {
    const r = await callCli(['validate', CLUSTER, '-o', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ValidateReport;
    expect(report.errors).toEqual([]);
    const providers = report.warnings.filter((w) => w.object?.kind === 'Provider');
    expect(providers.map((w) => [w.object?.name, w.reason])).toEqual([
      ['anthropic', 'SecretNotFound'], ['openai', 'SecretNotFound'], ['vllm', 'SecretNotFound'],
    ]);
    expect(new Set(report.warnings.map((w) => w.reason))).toEqual(new Set(['SecretNotFound']));
    expect(report.statuses.map((s) => `${s.kind}/${s.namespace}/${s.name}`)).toEqual([
      'ModelRoute/ai/chat', 'ModelRoute/ai/claude-sonnet', 'ModelRoute/ai/gpt-4o', 'ModelRoute/ai/qwen', 'ModelRoute/ai/text-embedding-3-small',
      'Provider/ai/anthropic', 'Provider/ai/openai', 'Provider/ai/vllm',
      'Quota/ai/per-user-rate', 'Quota/ai/research-spend', 'Quota/ai/support-tokens',
    ]);
    expect(report.providers.map((p) => [p.provider, p.type])).toEqual([['ai/anthropic', 'anthropic'], ['ai/openai', 'openai'], ['ai/vllm', 'openai-compatible']]);
    expect((await callCli(['validate', '--strict', CLUSTER])).code).toBe(1);
  });

  it('with the Secrets the README creates, it validates with --strict and the README\'s API key is accepted', async () => {
    const secrets = readmeSecrets(await readFile(join(CLUSTER, 'README.md'), 'utf8'));
    expect(secrets.map((s) => s.name).sort()).toEqual(['anthropic-credentials', 'openai-credentials', 'research-alice', 'vllm-credentials']);
    const file = join(dir, 'secrets.yaml');
    await writeFile(file, secrets.map((s) => stringify({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: s.name, namespace: s.namespace, labels: s.labels }, stringData: s.data,
    })).join('---\n'));
    const r = await callCli(['validate', '--strict', CLUSTER, file, '-o', 'json']);
    const report = JSON.parse(r.stdout) as ValidateReport;
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(r.code).toBe(0);
    const key = report.statuses.find((s) => s.kind === 'Secret' && s.name === 'research-alice');
    expect(key?.conditions.find((c) => c.type === 'Accepted')?.status).toBe('True');
    const explained = await callCli(['explain', '-c', CLUSTER, '-c', file, '-m', 'claude-sonnet', '--key', 'ai/research-alice']);
    expect(explained.stdout).toContain('Caller key ai/research-alice, team research, user alice@example.com: ALLOWED');
  });
});
