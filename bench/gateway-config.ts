// The manifests the benchmark gateway serves: one openai-compatible Provider pointing at the mock upstream, one
// API-key Secret (so authentication is on, as in production), one ModelRoute `bench-model` with a single target;
// and for the translated pairs an anthropic Provider on the same mock (its /v1/messages) with ModelRoute
// `bench-claude` (an OpenAI client reaches it translated; an Anthropic client reaching `bench-model` is the reverse).
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { API_VERSION } from '../pkg/api/common.ts';
import { API_KEY_LABEL } from '../pkg/api/secret.ts';

export const BENCH_MODEL = 'bench-model';
/** Routed to the mock's Anthropic Messages endpoint through an anthropic-type Provider. */
export const BENCH_CLAUDE_MODEL = 'bench-claude';

export interface BenchConfig {
  readonly dir: string;
  /** The client API key (random per run; bench-only). */
  readonly apiKey: string;
}

/** The manifests as plain objects (validated against pkg/api schemas by the smoke test). */
export function benchManifests(mockPort: number, apiKey: string): Record<string, unknown>[] {
  return [
    {
      apiVersion: API_VERSION, kind: 'Provider', metadata: { name: 'bench-upstream' },
      spec: { type: 'openai-compatible', preset: 'generic', baseURL: `http://127.0.0.1:${mockPort}/v1` },
    },
    {
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name: 'bench-key', labels: { [API_KEY_LABEL]: 'true' } },
      stringData: { key: apiKey, team: 'bench' },
    },
    {
      apiVersion: API_VERSION, kind: 'ModelRoute', metadata: { name: BENCH_MODEL },
      spec: { model: BENCH_MODEL, strategy: 'weighted', targets: [{ provider: 'bench-upstream', weight: 1 }] },
    },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench-anthropic-cred' },
      stringData: { apiKey: 'sk-ant-bench-upstream' },
    },
    {
      apiVersion: API_VERSION, kind: 'Provider', metadata: { name: 'bench-anthropic' },
      spec: { type: 'anthropic', baseURL: `http://127.0.0.1:${mockPort}/v1`, auth: { secretRef: { name: 'bench-anthropic-cred', key: 'apiKey' } } },
    },
    {
      apiVersion: API_VERSION, kind: 'ModelRoute', metadata: { name: BENCH_CLAUDE_MODEL },
      spec: { model: BENCH_CLAUDE_MODEL, strategy: 'weighted', targets: [{ provider: 'bench-anthropic', model: 'claude-bench', weight: 1 }] },
    },
  ];
}

/** Write the manifests into a fresh temporary directory. */
export async function writeBenchConfig(mockPort: number): Promise<BenchConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-bench-'));
  const apiKey = `sk-bench-${randomBytes(18).toString('hex')}`;
  const names = ['provider.yaml', 'secret.yaml', 'modelroute.yaml', 'anthropic-secret.yaml', 'anthropic-provider.yaml', 'anthropic-route.yaml'];
  const manifests = benchManifests(mockPort, apiKey);
  await Promise.all(manifests.map((m, i) => writeFile(join(dir, names[i] ?? `m${i}.yaml`), stringify(m), { mode: 0o600 })));
  return { dir, apiKey };
}
