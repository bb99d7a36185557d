// charts/switchyard without a cluster: `helm lint --strict`, values → rendered golden files (test/chart/testdata/<case>;
// UPDATE_GOLDEN=1 rewrites them), CRDs identical to crds/, and the properties a cluster admin checks before trusting a
// chart, asserted on every case: pod security, args the CLI knows, least-privilege RBAC with no wildcards, admin and
// sync ports closed to other namespaces, shutdown timing, alert rules on metrics that exist.
// The same manifests go to a real API server in e2e/chart/.
import { lstatSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPERATOR_HELP, PROXY_HELP } from '../../cmd/help.ts';
import { CHART_DIR, KUBE_VERSION, helm, helmNoise, objectKey, parseRendered, renderText } from '../../e2e/support/helm.ts';
import type { RenderedDoc } from '../../e2e/support/helm.ts';
import type { KubeObject } from '../../e2e/support/kube.ts';
import { REPO_ROOT } from '../../e2e/support/testenv.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const CASES = readdirSync(TESTDATA).filter((d) => !d.startsWith('.')).sort();
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NS = 'switchyard';

type Obj = Record<string, unknown>;
const rendered = new Map<string, { text: string; docs: RenderedDoc[] }>();

beforeAll(async () => {
  await Promise.all(CASES.map(async (c) => {
    const text = await renderText({ valuesFiles: [join(TESTDATA, c, 'values.yaml')] });
    rendered.set(c, { text, docs: parseRendered(text) });
  }));
}, 60_000);

function docs(c: string): RenderedDoc[] {
  const r = rendered.get(c);
  if (!r) throw new Error(`case ${c} not rendered`);
  return r.docs;
}
const objs = (c: string, kind?: string): KubeObject[] => docs(c).map((d) => d.obj).filter((o) => kind === undefined || o.kind === kind);
const one = (c: string, kind: string, name: string): Obj => {
  const found = objs(c, kind).find((o) => o.metadata.name === name);
  if (!found) throw new Error(`${c}: no ${kind} ${name}; have ${objs(c).map(objectKey).join(', ')}`);
  return found as Obj;
};
const at = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k as string], o);
const podSpec = (d: Obj): Obj => at(d, 'spec', 'template', 'spec') as Obj;
const containers = (d: Obj): Obj[] => (podSpec(d)['containers'] as Obj[]) ?? [];
/** `--name=value` args → { name: value } (a bare `--flag` maps to ''). */
function flags(args: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of args) {
    const x = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (x) m.set(x[1] ?? '', x[2] ?? '');
  }
  return m;
}
const argsOf = (c: Obj): string[] => (c['args'] as string[]) ?? [];

/** The golden form: every non-CRD document as rendered (CRDs are compared with crds/ below). */
function golden(c: string): string {
  const parts = docs(c).filter((d) => d.obj.kind !== 'CustomResourceDefinition').map((d) => d.text);
  const crds = objs(c, 'CustomResourceDefinition').map((o) => `# CustomResourceDefinition ${o.metadata.name}: crds/ (see "CRDs come from crds/")`);
  return [`# helm template sy charts/switchyard -n ${NS} --kube-version ${KUBE_VERSION} -f test/chart/testdata/${c}/values.yaml`, ...crds, ...parts].join('\n---\n') + '\n';
}

describe('helm lint', () => {
  it.each(CASES)('passes --strict with %s values', async (c) => {
    const res = await helm(['lint', '--strict', CHART_DIR, '--namespace', NS, '--kube-version', KUBE_VERSION, '--values', join(TESTDATA, c, 'values.yaml')]);
    expect(res.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(res.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(helmNoise(res.stderr)).toBe('');
  });
});

describe('rendered manifests (golden files)', () => {
  it.each(CASES)('%s', (c) => {
    const file = join(TESTDATA, c, 'rendered.yaml');
    const got = golden(c);
    if (UPDATE) writeFileSync(file, got);
    expect(got, `${file} differs from the rendered chart; run UPDATE_GOLDEN=1 npx vitest run test/chart and review the diff`).toBe(readFileSync(file, 'utf8'));
  });

  it('every case renders the operator and proxy workloads with unique object names', () => {
    for (const c of CASES) {
      const keys = objs(c).map(objectKey);
      expect(new Set(keys).size, c).toBe(keys.length);
      expect(objs(c, 'Deployment').map((d) => d.metadata.name).sort(), c).toEqual(['sy-switchyard-operator', 'sy-switchyard-proxy']);
    }
  });
});

describe('CRDs come from crds/', () => {
  const repoCrds = (): Obj[] => readdirSync(join(REPO_ROOT, 'crds')).filter((f) => f.endsWith('.yaml')).sort().map((f) => parse(readFileSync(join(REPO_ROOT, 'crds', f), 'utf8')) as Obj);

  it('files/crds is a symlink to the repository crds/ (no copy to keep in step)', () => {
    const link = join(CHART_DIR, 'files', 'crds');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(join(REPO_ROOT, 'crds')));
  });

  it('renders each crds/*.yaml unchanged apart from labels and the keep policy', () => {
    const want = repoCrds();
    expect(want.length).toBe(3);
    for (const c of CASES) {
      const got = objs(c, 'CustomResourceDefinition').map((o) => structuredClone(o) as Obj);
      expect(got.map((o) => at(o, 'metadata', 'name')).sort(), c).toEqual(want.map((o) => at(o, 'metadata', 'name')).sort());
      for (const g of got) {
        const meta = g['metadata'] as Obj;
        expect(meta['annotations'], c).toEqual({ 'helm.sh/resource-policy': 'keep' });
        expect(meta['labels'], c).toMatchObject({ 'app.kubernetes.io/instance': 'sy', 'app.kubernetes.io/part-of': 'switchyard' });
        delete meta['annotations'];
        delete meta['labels'];
        expect(g, `${c}: ${String(meta['name'])}`).toEqual(want.find((w) => at(w, 'metadata', 'name') === meta['name']));
      }
    }
  });

  it('crds.install=false renders none; crds.keep=false drops the keep policy', async () => {
    const off = parseRendered(await renderText({ setJson: ['crds.install=false'] }));
    expect(off.filter((d) => d.obj.kind === 'CustomResourceDefinition')).toEqual([]);
    const nokeep = parseRendered(await renderText({ setJson: ['crds.keep=false'] })).filter((d) => d.obj.kind === 'CustomResourceDefinition');
    expect(nokeep).toHaveLength(3);
    for (const d of nokeep) expect(at(d.obj, 'metadata', 'annotations')).toBeUndefined();
  });
});

describe('pod security (every case)', () => {
  it.each(CASES)('%s: non-root, seccomp, read-only root, no capabilities; writable paths are emptyDirs', (c) => {
    for (const d of objs(c, 'Deployment') as Obj[]) {
      const spec = podSpec(d);
      const name = String(at(d, 'metadata', 'name'));
      expect(spec['securityContext'], name).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) expect(spec[k], `${name} ${k}`).toBeUndefined();
      const volumes = (spec['volumes'] as Obj[]) ?? [];
      expect(volumes.filter((v) => 'hostPath' in v), name).toEqual([]);
      for (const ct of containers(d)) {
        expect(ct['securityContext'], name).toMatchObject({
          readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] },
        });
        expect(at(ct, 'securityContext', 'capabilities', 'add'), name).toBeUndefined();
        expect(String(ct['image']), name).toMatch(/(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
        expect(String(ct['image']), name).not.toMatch(/:latest$/);
        expect(at(ct, 'resources', 'requests', 'memory'), name).toBeDefined();
        const mounts = (ct['volumeMounts'] as Obj[]) ?? [];
        for (const m of mounts.filter((x) => x['readOnly'] !== true)) {
          const v = volumes.find((x) => x['name'] === m['name']);
          expect(v && 'emptyDir' in v, `${name}: writable mount ${String(m['mountPath'])} must be an emptyDir`).toBe(true);
        }
        // Every file the container is told to read or write lies under a mount (the root filesystem is read-only).
        const f = flags(argsOf(ct));
        for (const flag of ['snapshot-out', 'bootstrap', 'sync-token-file', 'oidc-config']) {
          const path = f.get(flag);
          if (path === undefined) continue;
          const mount = mounts.find((m) => path.startsWith(`${String(m['mountPath'])}/`));
          expect(mount, `${name} --${flag}=${path} is not under a volume mount`).toBeDefined();
          if (flag === 'snapshot-out') expect(mount?.['readOnly'], `${name}: --snapshot-out needs a writable mount`).not.toBe(true);
        }
      }
    }
  });

  it('the proxies get no Kubernetes API token; the operator does', () => {
    for (const c of CASES) {
      expect(podSpec(one(c, 'Deployment', 'sy-switchyard-proxy'))['automountServiceAccountToken'], c).toBe(false);
      expect(one(c, 'ServiceAccount', 'sy-switchyard-proxy')['automountServiceAccountToken'], c).toBe(false);
      expect(podSpec(one(c, 'Deployment', 'sy-switchyard-operator'))['automountServiceAccountToken'], c).toBe(true);
    }
  });
});

describe('args match the CLI', () => {
  it.each(CASES)('%s: every flag is one `switchyard operator|proxy --help` documents; ports and probes agree', (c) => {
    for (const [dep, cmd, help] of [['sy-switchyard-operator', 'operator', OPERATOR_HELP], ['sy-switchyard-proxy', 'proxy', PROXY_HELP]] as const) {
      const ct = containers(one(c, 'Deployment', dep))[0] as Obj;
      const args = argsOf(ct);
      expect(args[0], dep).toBe(cmd);
      const f = flags(args.slice(1));
      expect(args.slice(1).every((a) => a.startsWith('--')), `${dep}: ${args.join(' ')}`).toBe(true);
      for (const name of f.keys()) expect(help, `${dep}: --${name} is not a flag of switchyard ${cmd}`).toMatch(new RegExp(`--${name}\\b`));
      const ports = new Map(((ct['ports'] as Obj[]) ?? []).map((p) => [String(p['name']), Number(p['containerPort'])]));
      expect(Number(f.get('admin-port')), dep).toBe(ports.get('admin'));
      expect(Number(f.get(cmd === 'operator' ? 'sync-port' : 'port')), dep).toBe(ports.get(cmd === 'operator' ? 'sync' : 'http'));
      expect(at(ct, 'readinessProbe', 'httpGet'), dep).toEqual({ path: '/readyz', port: 'admin' });
      expect(at(ct, 'livenessProbe', 'httpGet'), dep).toEqual({ path: '/healthz', port: 'admin' });
    }
  });

  it.each(CASES)('%s: the proxies reach the operator Service and authenticate the way the operator expects', (c) => {
    const values = (parse(readFileSync(join(TESTDATA, c, 'values.yaml'), 'utf8')) ?? {}) as Obj;
    const op = flags(argsOf(containers(one(c, 'Deployment', 'sy-switchyard-operator'))[0] as Obj));
    const px = flags(argsOf(containers(one(c, 'Deployment', 'sy-switchyard-proxy'))[0] as Obj));
    const svc = one(c, 'Service', 'sy-switchyard-operator');
    const syncPort = ((at(svc, 'spec', 'ports') as Obj[]).find((p) => p['name'] === 'sync') ?? {})['port'];
    expect(px.get('sync')).toBe(`http://sy-switchyard-operator.${NS}.svc:${String(syncPort)}`);
    expect(op.get('lease-namespace')).toBe(NS);
    expect(px.get('proxy-id')).toBe('$(POD_NAME)');
    const pxVolumes = podSpec(one(c, 'Deployment', 'sy-switchyard-proxy'))['volumes'] as Obj[];
    const tokenVolume = pxVolumes.find((v) => v['name'] === 'sync-token');
    if (at(values, 'sync', 'auth') === 'sharedToken') {
      expect(op.get('sync-token-file')).toBe('/var/run/secrets/switchyard/sync/token');
      expect(op.has('sync-auth')).toBe(false);
      expect(at(tokenVolume, 'secret', 'secretName')).toBe(at(values, 'sync', 'sharedToken', 'existingSecret'));
      const opVolumes = podSpec(one(c, 'Deployment', 'sy-switchyard-operator'))['volumes'] as Obj[];
      expect(opVolumes.find((v) => v['name'] === 'sync-token')).toEqual(tokenVolume);
    } else {
      expect(op.get('sync-auth')).toBe('tokenreview');
      expect(op.get('sync-allow')).toBe(`system:serviceaccount:${NS}:${String(at(podSpec(one(c, 'Deployment', 'sy-switchyard-proxy')), 'serviceAccountName'))}`);
      expect(at(tokenVolume, 'projected', 'sources', 0, 'serviceAccountToken')).toEqual({ path: 'token', expirationSeconds: 3600 });
    }
    expect(px.get('sync-token-file')).toBe('/var/run/secrets/switchyard/sync/token');
  });

  it('auth mode, quota fail mode, OIDC issuers and watch namespace come from values', () => {
    const def = flags(argsOf(containers(one('defaults', 'Deployment', 'sy-switchyard-proxy'))[0] as Obj));
    expect([def.get('auth'), def.get('quota-fail-mode'), def.has('oidc-config')]).toEqual(['required', 'closed', false]);
    const ns = flags(argsOf(containers(one('single-namespace', 'Deployment', 'sy-switchyard-proxy'))[0] as Obj));
    expect([ns.get('quota-fail-mode'), ns.get('oidc-config'), ns.get('max-body-bytes')]).toEqual(['open', '/etc/switchyard/oidc/oidc.yaml', '8388608']);
    const cm = one('single-namespace', 'ConfigMap', 'sy-switchyard-proxy-oidc');
    expect(parse(String(at(cm, 'data', 'oidc.yaml')))).toEqual({ issuers: [{ issuer: 'https://login.example.com/realms/ml', audiences: ['switchyard'], claims: { team: 'team' } }] });
    const op = flags(argsOf(containers(one('single-namespace', 'Deployment', 'sy-switchyard-operator'))[0] as Obj));
    expect(op.get('namespace')).toBe('team-a');
    expect(flags(argsOf(containers(one('defaults', 'Deployment', 'sy-switchyard-operator'))[0] as Obj)).has('namespace')).toBe(false);
  });
});

describe('least-privilege RBAC', () => {
  const roles = (c: string): Obj[] => [...objs(c, 'Role'), ...objs(c, 'ClusterRole')] as Obj[];
  const bindings = (c: string): Obj[] => [...objs(c, 'RoleBinding'), ...objs(c, 'ClusterRoleBinding')] as Obj[];

  it.each(CASES)('%s: no wildcard, no escalation verbs, every role bound to the operator only', (c) => {
    for (const r of roles(c)) {
      for (const rule of (r['rules'] as Obj[]) ?? []) {
        for (const k of ['apiGroups', 'resources', 'verbs', 'resourceNames']) expect((rule[k] as string[] | undefined) ?? [], `${String(at(r, 'metadata', 'name'))} ${k}`).not.toContain('*');
        expect(rule['verbs'] as string[]).not.toEqual(expect.arrayContaining(['escalate']));
        for (const v of rule['verbs'] as string[]) expect(['get', 'list', 'watch', 'create', 'update', 'patch']).toContain(v);
        expect(rule['nonResourceURLs']).toBeUndefined();
      }
    }
    for (const b of bindings(c)) {
      expect(b['subjects'], String(at(b, 'metadata', 'name'))).toEqual([{ kind: 'ServiceAccount', name: 'sy-switchyard-operator', namespace: NS }]);
    }
    expect(bindings(c).length).toBe(roles(c).length);
  });

  it('watching one namespace grants objects and Secrets there only; sharedToken grants no TokenReview', () => {
    expect(objs('single-namespace', 'ClusterRole').map((r) => r.metadata.name)).toEqual(['switchyard-sy-switchyard-operator-tokenreview']);
    const role = one('single-namespace', 'Role', 'sy-switchyard-operator');
    expect(at(role, 'metadata', 'namespace')).toBe('team-a');
    expect(JSON.stringify(role['rules'])).toContain('secrets');
    expect(objs('existing-secret', 'ClusterRole').map((r) => r.metadata.name)).toEqual(['switchyard-sy-switchyard-operator']);
    const lease = one('defaults', 'Role', 'sy-switchyard-operator-leader-election');
    expect(lease['rules']).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['switchyard-operator'], verbs: ['get', 'update'] },
    ]);
  });
});

describe('network exposure', () => {
  /** The `from` peers of the ingress rules that open `port` on the policy (undefined: anyone). */
  const peersFor = (np: Obj, port: string): Obj[] | undefined => {
    const rules = ((at(np, 'spec', 'ingress') as Obj[]) ?? []).filter((r) => ((r['ports'] as Obj[]) ?? []).some((p) => p['port'] === port));
    expect(rules.length, `no ingress rule for ${port}`).toBeGreaterThan(0);
    if (rules.some((r) => r['from'] === undefined)) return undefined;
    return rules.flatMap((r) => r['from'] as Obj[]);
  };

  it.each(CASES)('%s: admin and sync ports admit this namespace only (plus configured metrics peers)', (c) => {
    const values = (parse(readFileSync(join(TESTDATA, c, 'values.yaml'), 'utf8')) ?? {}) as Obj;
    const metricsFrom = (at(values, 'networkPolicy', 'metricsFrom') as Obj[] | undefined) ?? [];
    const px = one(c, 'NetworkPolicy', 'sy-switchyard-proxy');
    const op = one(c, 'NetworkPolicy', 'sy-switchyard-operator');
    expect(peersFor(px, 'admin')).toEqual([{ podSelector: {} }, ...metricsFrom]);
    expect(peersFor(op, 'admin')).toEqual([{ podSelector: {} }, ...metricsFrom]);
    expect(peersFor(op, 'sync')).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'switchyard', 'app.kubernetes.io/instance': 'sy', 'app.kubernetes.io/component': 'proxy' } } }]);
    expect(peersFor(px, 'http')).toEqual(at(values, 'networkPolicy', 'proxyIngressFrom'));
    // The data Service never carries the admin port; the admin Service is ClusterIP only.
    expect((at(one(c, 'Service', 'sy-switchyard-proxy'), 'spec', 'ports') as Obj[]).map((p) => p['name'])).toEqual(['http']);
    expect(at(one(c, 'Service', 'sy-switchyard-proxy-admin'), 'spec', 'type')).toBe('ClusterIP');
    expect(at(one(c, 'Service', 'sy-switchyard-operator'), 'spec', 'type')).toBe('ClusterIP');
  });
});

describe('availability and shutdown', () => {
  it.each(CASES)('%s: the proxy grace period covers preStop + the 10 s drain; PDBs keep one pod of each', (c) => {
    const px = podSpec(one(c, 'Deployment', 'sy-switchyard-proxy'));
    const preStop = Number(at(px, 'containers', 0, 'lifecycle', 'preStop', 'sleep', 'seconds'));
    expect(preStop).toBeGreaterThan(0);
    expect(Number(px['terminationGracePeriodSeconds'])).toBeGreaterThanOrEqual(preStop + 10 + 5);
    expect(at(one(c, 'PodDisruptionBudget', 'sy-switchyard-operator'), 'spec', 'minAvailable')).toBe(1);
    expect(at(one(c, 'PodDisruptionBudget', 'sy-switchyard-proxy'), 'spec', 'maxUnavailable')).toBe(1);
    expect(Number(at(one(c, 'Deployment', 'sy-switchyard-operator'), 'spec', 'replicas'))).toBeGreaterThanOrEqual(2);
  });

  it('HA: the HPA owns the proxy replica count', () => {
    expect(at(one('ha', 'Deployment', 'sy-switchyard-proxy'), 'spec', 'replicas')).toBeUndefined();
    expect(one('ha', 'HorizontalPodAutoscaler', 'sy-switchyard-proxy')['spec']).toMatchObject({ minReplicas: 3, maxReplicas: 20, scaleTargetRef: { kind: 'Deployment', name: 'sy-switchyard-proxy' } });
    expect(objs('defaults', 'HorizontalPodAutoscaler')).toEqual([]);
    expect(at(one('defaults', 'Deployment', 'sy-switchyard-proxy'), 'spec', 'replicas')).toBe(2);
  });
});

describe('monitoring', () => {
  it('ServiceMonitors scrape the admin ports; every alert names metrics the code exports', () => {
    const sms = objs('servicemonitor', 'ServiceMonitor') as Obj[];
    expect(sms.map((s) => at(s, 'metadata', 'name')).sort()).toEqual(['sy-switchyard-operator', 'sy-switchyard-proxy']);
    for (const s of sms) expect(at(s, 'spec', 'endpoints', 0)).toMatchObject({ port: 'admin', path: '/metrics', interval: '15s' });
    const source = readdirSync(join(REPO_ROOT, 'pkg'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(REPO_ROOT, 'pkg', f), 'utf8')).join('\n');
    const rules = (at(one('servicemonitor', 'PrometheusRule', 'sy-switchyard'), 'spec', 'groups', 0, 'rules') as Obj[]);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const r of rules) {
      const names = String(r['expr']).match(/switchyard_[a-z_]+/g) ?? [];
      expect(names.length, String(r['alert'])).toBeGreaterThan(0);
      for (const n of names) expect(source, `${String(r['alert'])}: ${n} is not a metric in pkg/`).toContain(`'${n}'`);
    }
    expect(objs('defaults', 'ServiceMonitor')).toEqual([]);
    expect(objs('defaults', 'PrometheusRule')).toEqual([]);
  });
});

describe('values are checked before anything renders', () => {
  const fails = async (setJson: string[]): Promise<string> => {
    try {
      await renderText({ setJson });
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`rendering with ${setJson.join(' ')} succeeded`);
  };

  it('values.schema.json refuses typos and unknown modes', async () => {
    expect(await fails(['proxy.auth="none"'])).toMatch(/proxy\/auth/);
    expect(await fails(['proxy.quotaFailMode="maybe"'])).toMatch(/quotaFailMode/);
    expect(await fails(['sync.auth="anonymous"'])).toMatch(/sync\/auth/);
    expect(await fails(['proxy.replicas=3'])).toMatch(/replicas/);
    expect(await fails(['operator.leaderElection.leaseDuration="ten"'])).toMatch(/leaseDuration/);
  });

  it('render-time checks explain what to set', async () => {
    expect(await fails(['sync.auth="sharedToken"'])).toContain('needs sync.sharedToken.existingSecret');
    expect(await fails(['proxy.terminationGracePeriodSeconds=10'])).toContain('at least proxy.preStopSleepSeconds + 15');
  });
});
