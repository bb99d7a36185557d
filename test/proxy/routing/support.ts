// Helpers for the routing tests: a seeded random, fixed signals, and runtime routes built from real manifests by
// the compiler and buildRuntimeTable (no network: adapters are created but never called).
import { compile } from '../../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../../pkg/providers/registry.ts';
import { buildRuntimeTable } from '../../../pkg/proxy/runtime-table.ts';
import type { RuntimeRoute, RuntimeTarget } from '../../../pkg/proxy/runtime-table.ts';
import { TargetHealthStore } from '../../../pkg/proxy/target-health.ts';
import type { TargetSignals } from '../../../pkg/proxy/routing/types.ts';

/** mulberry32: a deterministic [0, 1) stream. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Signals keyed by "provider-name/model" (the provider's metadata name, not its id). */
export interface FixedSignals extends TargetSignals {
  readonly load: Map<string, number>;
  readonly latency: Map<string, number>;
  readonly out: Set<string>;
  readonly full: Set<string>;
}

export const keyOf = (t: RuntimeTarget): string => `${t.bound.provider.name}/${t.bound.model}`;

export function fixedSignals(): FixedSignals {
  const load = new Map<string, number>();
  const latency = new Map<string, number>();
  const out = new Set<string>();
  const full = new Set<string>();
  return {
    load, latency, out, full,
    inFlight: (t) => load.get(keyOf(t)) ?? 0,
    latencyEwmaMs: (t) => latency.get(keyOf(t)) ?? null,
    ejected: (t) => out.has(keyOf(t)),
    saturated: (t) => full.has(keyOf(t)),
    anyEjected: () => out.size > 0,
  };
}

export const NS = 'default';

export function openaiProvider(name: string, models?: Record<string, { input: number; output: number }>): unknown[] {
  return [
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
      spec: {
        type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1',
        ...(models === undefined ? {} : { models: Object.entries(models).map(([m, pricing]) => ({ name: m, pricing })) }),
      },
    },
  ];
}

export function modelRoute(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name, namespace: NS }, spec };
}

export function apiKeySecret(name: string, key: string, fields: Record<string, string> = {}): unknown {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS, labels: { 'switchyard.dev/api-key': 'true' } }, stringData: { key, ...fields } };
}

/** The runtime routes of compiled manifests, by client model name; throws when an object is not accepted. */
export function runtimeRoutes(objects: readonly unknown[]): ReadonlyMap<string, RuntimeRoute> {
  const { table, statuses } = compile(objects, { version: 1 });
  const bad = statuses.filter((s) => s.conditions.some((c) => c.type === 'Accepted' && c.status !== 'True'));
  if (bad.length > 0) throw new Error(`not accepted: ${JSON.stringify(bad)}`);
  const pools = createUpstreamPools({ keepAliveTimeoutMs: 1000 });
  return buildRuntimeTable(table, { adapterFactory: createAdapter, adapterDeps: pools, health: new TargetHealthStore(), nowMs: 0 }).routes;
}
