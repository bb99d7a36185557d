// charts/switchyard against a real kube-apiserver + etcd (no kubelet: pods never run, so the checks are on objects):
// every golden case's manifests pass a server-side dry run (strict field validation, admission, CRD schemas), then
// `helm install` creates every object of the release, `helm uninstall` removes them all except the CRDs it is told to
// keep, and installing again adopts the kept CRDs. ServiceMonitor/PrometheusRule are checked against stand-in CRDs
// (their apiVersion/kind only: the Prometheus Operator's schemas are not available offline).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../support/cluster.ts';
import type { Cluster } from '../support/cluster.ts';
import { CHART_DIR, helm, helmNoise, objectKey, parseRendered, render } from '../support/helm.ts';
import { KubeClient, asStatus } from '../support/kube.ts';
import type { KubeObject, KubeResponse } from '../support/kube.ts';
import { REPO_ROOT, requireTestenvBinaries } from '../support/testenv.ts';

const TESTDATA = join(REPO_ROOT, 'test', 'chart', 'testdata');
const CASES = readdirSync(TESTDATA).filter((d) => !d.startsWith('.')).sort();
const NS = 'switchyard';

let cluster: Cluster | undefined;
let kube: KubeClient;
let setupError: unknown;

function describeResponse(res: KubeResponse): string {
  const s = asStatus(res.body);
  const causes = (s.details?.causes ?? []).map((c) => `  ${c.field ?? '?'}: ${c.message ?? c.reason ?? ''}`).join('\n');
  return `HTTP ${res.status}: ${s.message ?? JSON.stringify(res.body)}${causes ? `\n${causes}` : ''}`;
}

/** A stand-in CRD (any fields) for a Prometheus Operator kind. */
function standInCrd(kind: string, plural: string): KubeObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: 'monitoring.coreos.com', scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

async function ensureNamespace(name: string): Promise<void> {
  const res = await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (res.status !== 201 && res.status !== 409) throw new Error(`namespace ${name}: ${describeResponse(res)}`);
}

async function exists(obj: KubeObject): Promise<number> {
  return (await kube.get(await kube.objectPath(obj))).status;
}

beforeAll(async () => {
  try {
    cluster = await startCluster({ binDir: requireTestenvBinaries(['etcd', 'kube-apiserver', 'helm']), logDir: process.env.SWITCHYARD_E2E_LOG_DIR });
    kube = new KubeClient(cluster);
    for (const crd of [standInCrd('ServiceMonitor', 'servicemonitors'), standInCrd('PrometheusRule', 'prometheusrules')]) {
      const res = await kube.apply(crd);
      if (res.status !== 200 && res.status !== 201) throw new Error(`stand-in CRD: ${describeResponse(res)}`);
      await kube.waitForCrdEstablished(crd.metadata.name);
    }
    for (const ns of [NS, 'team-a']) await ensureNamespace(ns);
  } catch (err) {
    setupError = err;
  }
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 30_000);

describe('charts/switchyard on a real API server', () => {
  it.each(CASES)('%s: every rendered object passes a server-side dry run', async (c) => {
    if (setupError !== undefined) throw setupError;
    const docs = await render({ valuesFiles: [join(TESTDATA, c, 'values.yaml')] });
    expect(docs.length).toBeGreaterThan(15);
    const failures: string[] = [];
    for (const { obj } of docs) {
      const res = await kube.apply(obj, { dryRun: true });
      for (const w of res.warnings) failures.push(`${objectKey(obj)}: warning: ${w}`);
      if (res.status !== 200 && res.status !== 201) failures.push(`${objectKey(obj)}: ${describeResponse(res)}`);
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // A dry run stores nothing.
    const dep = docs.find((d) => d.obj.kind === 'Deployment');
    expect(dep && (await exists(dep.obj))).toBe(404);
  }, 60_000);

  it('helm install creates every object of the release; helm uninstall removes them and keeps the CRDs', async () => {
    if (setupError !== undefined || !cluster) throw setupError;
    const kubeconfig = cluster.kubeconfigPath;
    const values = ['ha', 'servicemonitor'].flatMap((c) => ['--values', join(TESTDATA, c, 'values.yaml')]);
    const t0 = performance.now();
    const installed = await helm(['install', 'sy', CHART_DIR, '--namespace', NS, ...values], { kubeconfig });
    console.log(`chart e2e: helm install in ${Math.round(performance.now() - t0)} ms`);
    expect(helmNoise(installed.stderr)).toBe('');
    expect(installed.stdout).toMatch(/STATUS: deployed/);
    // NOTES.txt: the next steps, with this release's names.
    expect(installed.stdout).toContain('kubectl -n switchyard rollout status deploy/sy-switchyard-operator deploy/sy-switchyard-proxy');
    expect(installed.stdout).toContain('port-forward svc/sy-switchyard-proxy 8080:80');

    const manifest = parseRendered((await helm(['get', 'manifest', 'sy', '--namespace', NS], { kubeconfig })).stdout).map((d) => d.obj);
    const kinds = new Set(manifest.map((o) => o.kind));
    for (const k of ['CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'PrometheusRule']) {
      expect(kinds, k).toContain(k);
    }
    const missing: string[] = [];
    for (const obj of manifest) {
      const namespaced = obj.kind !== 'CustomResourceDefinition' && obj.kind !== 'ClusterRole' && obj.kind !== 'ClusterRoleBinding';
      const o = namespaced ? { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? NS } } : obj;
      const status = await exists(o);
      if (status !== 200) missing.push(`${objectKey(o)}: HTTP ${status}`);
    }
    expect(missing, missing.join('\n')).toEqual([]);
    // What the API server stored is what the chart says (a field dropped on the way would show here).
    const dep = await kube.get(`/apis/apps/v1/namespaces/${NS}/deployments/sy-switchyard-proxy`);
    const spec = (dep.body as { spec: { template: { spec: { securityContext: unknown; containers: { securityContext: unknown; lifecycle: unknown }[] } } } }).spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(spec.containers[0]?.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });

    const t1 = performance.now();
    const removed = await helm(['uninstall', 'sy', '--namespace', NS, '--wait', '--timeout', '60s'], { kubeconfig });
    console.log(`chart e2e: helm uninstall in ${Math.round(performance.now() - t1)} ms`);
    expect(removed.stdout).toContain('release "sy" uninstalled');
    const left: string[] = [];
    for (const obj of manifest) {
      const namespaced = obj.kind !== 'CustomResourceDefinition' && obj.kind !== 'ClusterRole' && obj.kind !== 'ClusterRoleBinding';
      const o = namespaced ? { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? NS } } : obj;
      const status = await exists(o);
      const kept = obj.kind === 'CustomResourceDefinition';
      if (status !== (kept ? 200 : 404)) left.push(`${objectKey(o)}: HTTP ${status} (want ${kept ? 200 : 404})`);
    }
    expect(left, left.join('\n')).toEqual([]);
    expect((await helm(['list', '--namespace', NS, '--all', '--short'], { kubeconfig })).stdout.trim()).toBe('');

    // Installing the release again adopts the CRDs it kept (same release name and namespace).
    const again = await helm(['install', 'sy', CHART_DIR, '--namespace', NS], { kubeconfig });
    expect(again.stdout).toMatch(/STATUS: deployed/);
    await helm(['uninstall', 'sy', '--namespace', NS], { kubeconfig });
  }, 120_000);
});
