// Shared set-up of the operator e2e files: a real kube-apiserver + etcd (one per test file) with crds/ installed,
// a KubeClient for the test's own reads and writes, and the operator's kube transport from the cluster's kubeconfig.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadKubeConfig } from '../../pkg/operator/kube/kubeconfig.ts';
import { createKubeTransport } from '../../pkg/operator/kube/transport.ts';
import type { KubeTransport } from '../../pkg/operator/kube/transport.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import type { LogLevel } from '../../pkg/telemetry/logger.ts';
import { startCluster } from '../support/cluster.ts';
import type { Cluster } from '../support/cluster.ts';
import { KubeClient, asStatus, readManifests, yamlFiles } from '../support/kube.ts';
import type { KubeObject, KubeResponse } from '../support/kube.ts';
import { REPO_ROOT, requireTestenvBinaries } from '../support/testenv.ts';
import type { ConditionView, ObjectView } from '../support/views.ts';
export type { ConditionView, ObjectView } from '../support/views.ts';

export const API = 'switchyard.dev/v1alpha1';

export interface OperatorTestEnv {
  readonly cluster: Cluster;
  readonly kube: KubeClient;
  /** A fresh operator transport (each operator / elector gets its own, as separate processes would). */
  transport(): KubeTransport;
  stop(): Promise<void>;
}

/** Silent unless SWITCHYARD_E2E_LOG_LEVEL is set (e.g. debug). */
export function testLogger(name: string): Logger {
  const level = (process.env.SWITCHYARD_E2E_LOG_LEVEL ?? 'silent') as LogLevel;
  return createLogger({ level }).child({ instance: name });
}

export function describeResponse(res: KubeResponse): string {
  const s = asStatus(res.body);
  return `HTTP ${res.status}: ${s.message ?? JSON.stringify(res.body)}`;
}

export async function startOperatorEnv(namespaces: readonly string[]): Promise<OperatorTestEnv> {
  const binDir = requireTestenvBinaries(['etcd', 'kube-apiserver']);
  const cluster = await startCluster({ binDir, logDir: process.env.SWITCHYARD_E2E_LOG_DIR });
  const kube = new KubeClient(cluster);
  const transports: KubeTransport[] = [];
  try {
    const crds: KubeObject[] = [];
    for (const file of await yamlFiles(join(REPO_ROOT, 'crds'))) crds.push(...(await readManifests(file)));
    for (const crd of crds) {
      const res = await kube.apply(crd);
      if (res.status !== 200 && res.status !== 201) throw new Error(`CRD ${crd.metadata.name}: ${describeResponse(res)}`);
    }
    for (const crd of crds) await kube.waitForCrdEstablished(crd.metadata.name);
    for (const name of namespaces) {
      const res = await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      if (res.status !== 201 && res.status !== 409) throw new Error(`namespace ${name}: ${describeResponse(res)}`);
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const { kc } = loadKubeConfig({ file: cluster.kubeconfigPath, env: {} });
  return {
    cluster,
    kube,
    transport: () => {
      const t = createKubeTransport(kc);
      transports.push(t);
      return t;
    },
    stop: async () => {
      await Promise.allSettled(transports.map((t) => t.close()));
      await cluster.stop();
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until fn returns something other than undefined/false; fails with the last value after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}


export async function readObject(kube: KubeClient, kind: string, namespace: string, name: string): Promise<ObjectView | undefined> {
  const path = `${await kube.collectionPath(kind === 'Secret' ? 'v1' : API, kind, namespace)}/${name}`;
  const res = await kube.get(path);
  if (res.status !== 200) return undefined;
  const body = res.body as { metadata: { generation: number; resourceVersion: string }; status?: { observedGeneration?: number; conditions?: ConditionView[] } };
  return {
    generation: body.metadata.generation, resourceVersion: body.metadata.resourceVersion,
    ...(body.status?.observedGeneration === undefined ? {} : { observedGeneration: body.status.observedGeneration }),
    conditions: body.status?.conditions ?? [],
  };
}

export function condition(obj: ObjectView | undefined, type: string): ConditionView | undefined {
  return obj?.conditions.find((c) => c.type === type);
}

/** Sum of a Prometheus metric's samples whose labels include `labels`. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const lbl = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => lbl.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

export function provider(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind: 'Provider', metadata: { name, namespace: ns }, spec };
}

export function route(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: API, kind: 'ModelRoute', metadata: { name, namespace: ns }, spec };
}

export function secret(ns: string, name: string, stringData: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels }, stringData };
}

export async function applyAll(kube: KubeClient, objs: readonly KubeObject[]): Promise<void> {
  for (const obj of objs) {
    const res = await kube.apply(obj);
    if (res.status !== 200 && res.status !== 201) throw new Error(`apply ${obj.kind} ${obj.metadata.name}: ${describeResponse(res)}`);
  }
}
