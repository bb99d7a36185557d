// Test tables for the sync tests: real manifests compiled by pkg/compiler (fake providers, or openai-compatible
// providers pointing at a loopback fake upstream), and large generated tables for the codec measurements.
import { compile } from '../../../pkg/compiler/index.ts';
import type { RoutingTable } from '../../../pkg/table/types.ts';

export const NS = 'default';
const API = 'switchyard.dev/v1alpha1';

export function fakeProvider(name: string): unknown {
  return { apiVersion: API, kind: 'Provider', metadata: { name, namespace: NS }, spec: { type: 'fake', fake: { latency: '1ms' } } };
}

/** An openai-compatible Provider at baseURL with its credential Secret. */
export function upstreamProvider(name: string, baseURL: string, key: string): unknown[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-cred`, namespace: NS }, stringData: { apiKey: key } },
    {
      apiVersion: API, kind: 'Provider', metadata: { name, namespace: NS },
      spec: { type: 'openai-compatible', baseURL, auth: { secretRef: { name: `${name}-cred`, key: 'apiKey' } } },
    },
  ];
}

export function route(name: string, model: string, targets: readonly { provider: string; model?: string; weight?: number }[]): unknown {
  return { apiVersion: API, kind: 'ModelRoute', metadata: { name, namespace: NS }, spec: { model, targets: targets.map((t) => ({ weight: 1, ...t })) } };
}

/** Compiles and fails loudly when an object is not accepted. */
export function tableOf(objects: readonly unknown[], version: number): RoutingTable {
  const { table, statuses } = compile(objects, { version });
  const bad = statuses.filter((s) => s.conditions.some((c) => c.status === 'False'));
  if (bad.length > 0) throw new Error(`manifests not accepted: ${JSON.stringify(bad)}`);
  return table;
}

/** A table with `routes` ModelRoutes spread over `providers` openai-compatible Providers with credentials. */
export function largeTable(routes: number, providers: number, version = 1): RoutingTable {
  const objects: unknown[] = [];
  for (let p = 0; p < providers; p++) objects.push(...upstreamProvider(`provider-${p}`, `https://llm-${p}.example.com/v1`, `sk-test-${p}-0123456789abcdef`));
  for (let r = 0; r < routes; r++) {
    const a = `provider-${r % providers}`;
    const b = `provider-${(r * 7 + 3) % providers}`;
    objects.push(route(`route-${r}`, `model-${r}`, [{ provider: a, weight: 3 }, { provider: b, model: `upstream-${r}`, weight: 1 }]));
  }
  return tableOf(objects, version);
}
