// The operator under the chart's RBAC, not an admin token: the chart's ServiceAccounts, Roles and bindings (rendered
// with the default values) are applied to a real kube-apiserver, the real operator runs in this process with a token
// of the chart's operator ServiceAccount (TokenRequest API) and the flags the chart's Deployment passes, and a real
// synced proxy authenticates with a token of the chart's proxy ServiceAccount (TokenReview). Then:
//   1. a Provider, ModelRoute, Quota and API key in another namespace become Programmed and serve a request;
//   2. every request the operator made is allowed by the chart's rules, none was refused, and every rule the chart
//      grants was used — permissions used == permissions granted;
//   3. taking one rule away (status patches) leaves a spec change unobserved, and putting it back heals it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs } from '../../pkg/api/duration.ts';
import { createHealthAggregator } from '../../pkg/operator/health.ts';
import { loadKubeConfig } from '../../pkg/operator/kube/kubeconfig.ts';
import { KubeHttpError, createKubeTransport } from '../../pkg/operator/kube/transport.ts';
import type { KubeTransport } from '../../pkg/operator/kube/transport.ts';
import { startOperator } from '../../pkg/operator/operator.ts';
import type { RunningOperator } from '../../pkg/operator/operator.ts';
import { tokenReviewAuth } from '../../pkg/sync/auth.ts';
import type { TokenReviewer } from '../../pkg/sync/auth.ts';
import { startSyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import type { SyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import { API, applyAll, condition, describeResponse, provider, readObject, route, secret, testLogger, waitFor } from '../operator/harness.ts';
import { startCluster } from '../support/cluster.ts';
import type { Cluster } from '../support/cluster.ts';
import { render } from '../support/helm.ts';
import { KubeClient } from '../support/kube.ts';
import type { KubeObject } from '../support/kube.ts';
import { requireTestenvBinaries } from '../support/testenv.ts';
import { allows, grantKeys, grantsFor, needOf, permissionKey } from './rbac.ts';
import type { Need } from './rbac.ts';

const NS = 'switchyard';
const TEAM = 'team-a';
const KEY = 'sk-swy-e2e-chart-rbac-0123456789abcdef';
const RBAC_KINDS = new Set(['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

interface Call extends Need {
  readonly method: string;
  readonly path: string;
  /** HTTP status; 0 for a watch stream that was opened. */
  readonly status: number;
}

let cluster: Cluster;
let kube: KubeClient;
let chart: KubeObject[] = [];
let op: RunningOperator | undefined;
let proxy: SyncedProxy | undefined;
const calls: Call[] = [];
const transports: KubeTransport[] = [];

/** The operator's transport, recording each request's RBAC attributes and answer (a pass-through observer). */
function recording(t: KubeTransport): KubeTransport {
  return {
    server: t.server,
    request: async (req) => {
      const res = await t.request(req);
      calls.push({ ...needOf(req.method, req.path), method: req.method, path: req.path, status: res.status });
      return res;
    },
    stream: async (path, onLine, signal) => {
      const need = needOf('GET', path, true);
      calls.push({ ...need, method: 'GET', path, status: 0 });
      try {
        await t.stream(path, onLine, signal);
      } catch (err) {
        if (err instanceof KubeHttpError) calls.push({ ...need, method: 'GET', path, status: err.status });
        throw err;
      }
    },
    close: () => t.close(),
  };
}

/** A bound token of a ServiceAccount (TokenRequest API), as the kubelet would project it. */
async function saToken(name: string): Promise<string> {
  const res = await kube.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 },
  });
  const token = (res.body as { status?: { token?: string } }).status?.token;
  if (res.status !== 201 || !token) throw new Error(`TokenRequest for ${name}: ${describeResponse(res)}`);
  return token;
}

/** `--name=value` flags of the chart's operator container. */
function operatorFlags(): Map<string, string> {
  const dep = chart.find((o) => o.kind === 'Deployment' && o.metadata.name === 'sy-switchyard-operator');
  const args = (dep as { spec: { template: { spec: { containers: { args: string[] }[] } } } } | undefined)?.spec.template.spec.containers[0]?.args ?? [];
  return new Map(args.flatMap((a) => {
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    return m ? [[m[1] ?? '', m[2] ?? ''] as [string, string]] : [];
  }));
}

async function chat(): Promise<number> {
  if (!proxy) throw new Error('no proxy');
  const res = await fetch(`${proxy.dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = await res.text();
  if (res.status !== 200) console.log(`chart rbac e2e: chat answered ${res.status}: ${body.slice(0, 500)}`);
  return res.status;
}

const granted = () => grantsFor(chart, { namespace: NS, name: 'sy-switchyard-operator' });

beforeAll(async () => {
  cluster = await startCluster({ binDir: requireTestenvBinaries(['etcd', 'kube-apiserver', 'helm']), logDir: process.env.SWITCHYARD_E2E_LOG_DIR });
  kube = new KubeClient(cluster);
  chart = (await render({ namespace: NS })).map((d) => d.obj);
  for (const ns of [NS, TEAM]) await applyAll(kube, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }]);
  const crds = chart.filter((o) => o.kind === 'CustomResourceDefinition');
  await applyAll(kube, crds);
  for (const crd of crds) await kube.waitForCrdEstablished(crd.metadata.name);
  await applyAll(kube, chart.filter((o) => RBAC_KINDS.has(o.kind)));

  // The operator, as the chart's Deployment starts it, with its ServiceAccount's token in a kubeconfig.
  const f = operatorFlags();
  const kubeconfig = join(cluster.dir, 'operator-sa.kubeconfig');
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: e2e, cluster: {server: ${JSON.stringify(cluster.server)}, certificate-authority: ${JSON.stringify(cluster.caFile)}}}]`,
    `users: [{name: operator, user: {token: ${JSON.stringify(await saToken('sy-switchyard-operator'))}}}]`,
    'contexts: [{name: e2e, context: {cluster: e2e, user: operator}}]', 'current-context: e2e', '',
  ].join('\n'), { mode: 0o600 });
  const { kc } = loadKubeConfig({ file: kubeconfig, env: {} });
  const base = createKubeTransport(kc);
  transports.push(base);
  // TokenReview goes through client-node, not the transport: record it at the reviewer.
  const api = kc.makeApiClient(k8s.AuthenticationV1Api);
  const reviewer: TokenReviewer = {
    createTokenReview: async (param) => {
      try {
        const out = await api.createTokenReview(param);
        calls.push({ ...needOf('POST', '/apis/authentication.k8s.io/v1/tokenreviews'), method: 'POST', path: '/apis/authentication.k8s.io/v1/tokenreviews', status: 201 });
        return out;
      } catch (err) {
        const code = typeof err === 'object' && err !== null && 'code' in err ? Number(err.code) : 0;
        calls.push({ ...needOf('POST', '/apis/authentication.k8s.io/v1/tokenreviews'), method: 'POST', path: '/apis/authentication.k8s.io/v1/tokenreviews', status: code });
        throw err;
      }
    },
  };
  expect(f.get('sync-auth')).toBe('tokenreview');
  const allow = (f.get('sync-allow') ?? '').split(',');
  op = await startOperator({
    transport: recording(base), logger: testLogger('chart-operator'), health: createHealthAggregator({ clock: Date.now }),
    auth: tokenReviewAuth(kc, { allow, reviewer }),
    namespace: f.get('namespace'),
    lease: {
      namespace: f.get('lease-namespace') ?? '', name: f.get('lease-name') ?? '', identity: 'sy-switchyard-operator-0',
      leaseDurationMs: durationMs(f.get('lease-duration') ?? ''), renewDeadlineMs: durationMs(f.get('renew-deadline') ?? ''),
      retryPeriodMs: durationMs(f.get('retry-period') ?? ''),
    },
    statusQps: Number(f.get('status-qps')), syncPort: 0, adminPort: 0, host: '127.0.0.1', processMetrics: false,
  });
  proxy = await startSyncedProxy({
    syncUrls: [op.syncUrl], token: await saToken('sy-switchyard-proxy'), proxyId: 'sy-switchyard-proxy-0',
    dataPort: 0, adminPort: 0, host: '127.0.0.1', authMode: 'required', logger: testLogger('chart-proxy'), sync: { reportIntervalMs: 500 },
  });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await op?.close();
  await Promise.allSettled(transports.map((t) => t.close()));
  await cluster?.stop();
}, 30_000);

describe('the operator with the chart RBAC', () => {
  it('reconciles a Provider, ModelRoute, Quota and API key in another namespace to Programmed and serves', async () => {
    await applyAll(kube, [
      provider(TEAM, 'fake', { type: 'fake', models: [{ name: 'fake-small' }], fake: { outputTokens: 4 } }),
      route(TEAM, 'chat', { model: 'chat-model', targets: [{ provider: 'fake', model: 'fake-small' }] }),
      secret(TEAM, 'alice', { key: KEY, user: 'alice' }, { 'switchyard.dev/api-key': 'true' }),
      { apiVersion: API, kind: 'Quota', metadata: { name: 'alice-rpm', namespace: TEAM }, spec: { subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1m', requests: 100 }] } },
    ]);
    for (const [kind, name] of [['ModelRoute', 'chat'], ['Provider', 'fake'], ['Quota', 'alice-rpm']] as const) {
      const o = await waitFor(`${kind} ${name} Programmed=True`, async () => {
        const v = await readObject(kube, kind, TEAM, name);
        return condition(v, 'Programmed')?.status === 'True' ? v : undefined;
      }, 30_000);
      expect(o.observedGeneration, `${kind} ${name}`).toBe(o.generation);
      expect(condition(o, 'Accepted')?.status, `${kind} ${name}`).toBe('True');
    }
    expect(await chat()).toBe(200);
    const lease = await kube.get(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/switchyard-operator`);
    expect((lease.body as { spec?: { holderIdentity?: string } }).spec?.holderIdentity).toBe('sy-switchyard-operator-0');
    // The proxy's identity came from a TokenReview, with the chart's allow-list.
    expect(op?.sync.proxies().find((p) => p.id === 'sy-switchyard-proxy-0')?.connected).toBe(true);
  }, 60_000);

  it('uses exactly the permissions the chart grants: every request allowed, none refused, every rule used', async () => {
    // A lease renewal (update) happens every retry period: wait for one.
    await waitFor('a Lease renewal', () => calls.some((c) => c.verb === 'update' && c.resource === 'leases' && c.status === 200), 15_000);
    const grants = granted();
    const refused = calls.filter((c) => c.status === 401 || c.status === 403);
    expect(refused.map((c) => `${c.method} ${c.path} → ${c.status}`)).toEqual([]);
    const unauthorized = calls.filter((c) => !grants.some((g) => allows(g, c)));
    expect(unauthorized.map((c) => `${permissionKey(c)} ns=${c.namespace} name=${c.name}`)).toEqual([]);
    const used = new Set(calls.map(permissionKey));
    const offered = new Set(grants.flatMap(grantKeys));
    console.log(`chart rbac e2e: ${calls.length} requests; permissions used: ${[...used].sort().join(', ')}`);
    expect([...offered].filter((k) => !used.has(k)), 'granted by the chart but never used by the operator').toEqual([]);
    expect([...used].sort()).toEqual([...offered].sort());
  }, 30_000);

  it('fails without one rule (status patches) and recovers when it is back', async () => {
    const roleName = 'switchyard-sy-switchyard-operator';
    const full = chart.find((o) => o.kind === 'ClusterRole' && o.metadata.name === roleName);
    if (!full) throw new Error(`no ClusterRole ${roleName} in the chart`);
    const rules = full['rules'] as { resources: string[] }[];
    const withoutStatus = { ...full, rules: rules.filter((r) => !r.resources.some((x) => x.endsWith('/status'))) };
    expect((withoutStatus.rules as unknown[]).length).toBe(rules.length - 1);
    await applyAll(kube, [withoutStatus]);
    const before = calls.length;
    const t0 = Date.now();

    await applyAll(kube, [route(TEAM, 'chat', { model: 'chat-model', targets: [{ provider: 'fake', model: 'fake-small', weight: 2 }] })]);
    const refused = await waitFor('a refused status patch', () => calls.slice(before).find((c) => c.resource === 'modelroutes/status' && c.status === 403), 20_000);
    expect(refused.verb).toBe('patch');
    const stale = await readObject(kube, 'ModelRoute', TEAM, 'chat');
    expect(stale?.generation).toBe(2);
    expect(stale?.observedGeneration).toBe(1);
    console.log(`chart rbac e2e: status patch refused ${Date.now() - t0} ms after the rule was removed`);

    await applyAll(kube, [full]);
    const healed = await waitFor('observedGeneration 2 once the rule is back', async () => {
      const v = await readObject(kube, 'ModelRoute', TEAM, 'chat');
      return v?.observedGeneration === 2 ? v : undefined;
    }, 30_000);
    expect(condition(healed, 'Programmed')?.status).toBe('True');
  }, 60_000);
});
