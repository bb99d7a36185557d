// The multi-process world of the e2e suite: a real kube-apiserver + etcd with crds/ installed, a shared sync token
// in a Secret, operator processes (`switchyard operator`) and proxy processes (`switchyard proxy --sync`), all on
// loopback ports picked here. Every process logs to <logDir>/<name>.log; report() gathers the tails for a failure.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../support/cluster.ts';
import type { Cluster } from '../../support/cluster.ts';
import { KubeClient, readManifests, yamlFiles } from '../../support/kube.ts';
import { REPO_ROOT, requireTestenvBinaries } from '../../support/testenv.ts';
import { getJson, getText } from './http.ts';
import { debugTable, operatorState, proxyTable } from './probes.ts';
import type { DebugTable, OperatorNode, OperatorState, ProxyNode, TableView } from './probes.ts';
import { applyManifests, ensureNamespace, secret } from './objects.ts';
import { freePort } from '../../support/ports.ts';
import { createProcessGroup } from './process.ts';
import type { ManagedProcess, ProcessGroup } from './process.ts';
import { waitFor } from './wait.ts';

export type { DebugTable, OperatorNode, OperatorState, ProxyNode, TableView } from './probes.ts';

export const SYSTEM_NS = 'switchyard-system';
export const SYNC_SECRET = 'switchyard-sync';

/** Leader election timings for the suite: failover well inside 15 s even on a busy 2-core machine. */
export const LEASE_FLAGS = ['--lease-duration', '6s', '--renew-deadline', '4s', '--retry-period', '1s'] as const;

export interface WorldOptions {
  /** Names the log directory. */
  readonly name: string;
  /** Operator processes started at once (proxies know every operator's sync URL). Default 1. */
  readonly operators?: number;
  /** Proxy processes. Default 3. */
  readonly proxies?: number;
  /** Extra flags for every operator. */
  readonly operatorFlags?: readonly string[];
  /** The proxies' `--auth` mode (design §7): stated by every suite, never defaulted. */
  readonly auth: 'required' | 'open';
}

export interface World {
  readonly cluster: Cluster;
  readonly kube: KubeClient;
  readonly logDir: string;
  readonly procs: ProcessGroup;
  /** Proxies' token file (the same token as the Secret). */
  readonly tokenFile: string;
  readonly token: string;
  readonly operators: readonly OperatorNode[];
  readonly proxies: ProxyNode[];
  dataUrls(): string[];
  /**
   * Starts another proxy process (optionally against other sync URLs). `track: false` keeps it out of `proxies` (and
   * so out of every "all proxies" wait): for a proxy fed by something other than the operators.
   */
  addProxy(opts?: { readonly id?: string; readonly syncUrls?: readonly string[]; readonly track?: boolean }): Promise<ProxyNode>;
  operatorState(op: OperatorNode): Promise<OperatorState | null>;
  /** The operators that say they lead (normally one). */
  leaders(): Promise<OperatorNode[]>;
  waitForLeader(timeoutMs?: number): Promise<OperatorNode>;
  /** version+hash a proxy serves, or null when not ready. */
  proxyTable(p: ProxyNode): Promise<TableView | null>;
  debugTable(p: ProxyNode): Promise<DebugTable | null>;
  /** Waits until every proxy serves a table for which `pred` holds; returns those tables. */
  waitForTables(pred: (t: DebugTable) => boolean, what: string, timeoutMs?: number): Promise<DebugTable[]>;
  /** Waits until every running proxy serves the leader's latest published table. */
  waitConverged(timeoutMs?: number): Promise<TableView>;
  metrics(url: string): Promise<string>;
  /** Tails of every process log (and the apiserver's), for failure messages. */
  report(lines?: number): string;
  /** Stops every process and the cluster; the log directory is removed unless `keepLogs`. */
  stop(opts?: { readonly keepLogs?: boolean }): Promise<void>;
}

async function installCrds(kube: KubeClient): Promise<void> {
  const crds = [];
  for (const file of await yamlFiles(join(REPO_ROOT, 'crds'))) crds.push(...(await readManifests(file)));
  if (crds.length === 0) throw new Error('no CRDs in crds/');
  await applyManifests(kube, crds);
  for (const crd of crds) await kube.waitForCrdEstablished(crd.metadata.name);
}

function logDirFor(name: string): string {
  const base = process.env.SWITCHYARD_E2E_LOG_DIR;
  if (base !== undefined && base !== '') {
    const dir = join(base, `${name}-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return mkdtempSync(join(tmpdir(), `switchyard-e2e-${name}-`));
}

function operatorArgs(cluster: Cluster, identity: string, syncPort: number, adminPort: number, extra: readonly string[]): string[] {
  return [
    'operator', '--kubeconfig', cluster.kubeconfigPath, '--lease-namespace', SYSTEM_NS, '--identity', identity,
    '--sync-port', String(syncPort), '--admin-port', String(adminPort), '--host', '127.0.0.1',
    '--sync-token-secret', `${SYSTEM_NS}/${SYNC_SECRET}/token`, ...LEASE_FLAGS, ...extra,
  ];
}

function proxyArgs(id: string, syncUrls: readonly string[], tokenFile: string, dataPort: number, adminPort: number, auth: WorldOptions['auth']): string[] {
  return [
    'proxy', '--sync', syncUrls.join(','), '--sync-token-file', tokenFile, '--proxy-id', id,
    '--port', String(dataPort), '--admin-port', String(adminPort), '--host', '127.0.0.1', '--auth', auth,
  ];
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await getJson(url, 2_000)).status === 200;
  } catch {
    return false;
  }
}

/** Waits for an HTTP 200 from `url`, failing early (with the log tail) if the process exits. */
export async function waitHttpReady(proc: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => {
    if (!proc.running) throw new Error(`${proc.name} exited: ${JSON.stringify(await proc.exited())}\n${proc.tail(40)}`);
    return ready(url);
  }, { timeoutMs, what: `${proc.name} ${url}` }).catch((err: unknown) => {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- ${proc.name} log ---\n${proc.tail(40)}`);
  });
}

export async function startWorld(opts: WorldOptions): Promise<World> {
  const binDir = requireTestenvBinaries(['etcd', 'kube-apiserver']);
  const logDir = logDirFor(opts.name);
  const cluster = await startCluster({ binDir, logDir });
  const procs = createProcessGroup(logDir);
  const stop = async (o: { keepLogs?: boolean } = {}): Promise<void> => {
    await procs.stopAll();
    await cluster.stop();
    if (o.keepLogs !== true) rmSync(logDir, { recursive: true, force: true });
  };
  try {
    return await populate(opts, cluster, procs, logDir, stop);
  } catch (err) {
    const tails = procs.tails(40);
    await stop({ keepLogs: true }).catch(() => undefined);
    throw new Error(`e2e world ${opts.name} did not start: ${err instanceof Error ? err.message : String(err)}\n${tails}`, { cause: err });
  }
}

async function startOperators(opts: WorldOptions, cluster: Cluster, procs: ProcessGroup): Promise<OperatorNode[]> {
  const operators: OperatorNode[] = [];
  for (let i = 0; i < (opts.operators ?? 1); i++) {
    const [syncPort, adminPort] = [await freePort(), await freePort()];
    const identity = `operator-${i}`;
    const proc = procs.spawn({ name: identity, args: operatorArgs(cluster, identity, syncPort, adminPort, opts.operatorFlags ?? []) });
    operators.push({ proc, identity, syncUrl: `http://127.0.0.1:${syncPort}`, adminUrl: `http://127.0.0.1:${adminPort}` });
  }
  for (const op of operators) await waitHttpReady(op.proc, `${op.adminUrl}/healthz`, 60_000);
  return operators;
}

function proxyStarter(procs: ProcessGroup, operators: readonly OperatorNode[], proxies: ProxyNode[], tokenFile: string, auth: WorldOptions['auth']): World['addProxy'] {
  return async (o = {}) => {
    const id = o.id ?? `proxy-${procs.all.filter((p) => p.name.startsWith('proxy-')).length}`;
    const [dataPort, adminPort] = [await freePort(), await freePort()];
    const syncUrls = o.syncUrls ?? operators.map((op) => op.syncUrl);
    const proc = procs.spawn({ name: id, args: proxyArgs(id, syncUrls, tokenFile, dataPort, adminPort, auth) });
    const node = { proc, id, dataUrl: `http://127.0.0.1:${dataPort}`, adminUrl: `http://127.0.0.1:${adminPort}` };
    if (o.track !== false) proxies.push(node);
    return node;
  };
}

type Inspectors = Pick<World, 'leaders' | 'waitForLeader' | 'waitForTables' | 'waitConverged'>;

function inspectors(operators: readonly OperatorNode[], proxies: readonly ProxyNode[]): Inspectors {
  const running = (): ProxyNode[] => proxies.filter((p) => p.proc.running);
  const leaders = async (): Promise<OperatorNode[]> => {
    const states = await Promise.all(operators.map(async (op) => (op.proc.running ? operatorState(op) : null)));
    return operators.filter((_op, i) => states[i]?.leader === true);
  };
  return {
    leaders,
    waitForLeader: (timeoutMs = 30_000) => waitFor(async () => {
      const l = await leaders();
      return l.length === 1 ? l[0] : undefined;
    }, { timeoutMs, what: 'exactly one leader' }),
    waitForTables: (pred, what, timeoutMs = 20_000) => waitFor(async () => {
      const tables = await Promise.all(running().map((p) => debugTable(p)));
      return tables.every((t) => t !== null && pred(t)) ? (tables as DebugTable[]) : undefined;
    }, { timeoutMs, what: `every proxy to serve a table where ${what}` }),
    waitConverged: (timeoutMs = 20_000) => waitFor(async () => {
      const leader = (await leaders())[0];
      const published = leader === undefined ? null : (await operatorState(leader))?.published ?? null;
      if (published === null) return undefined;
      const tables = await Promise.all(running().map((p) => proxyTable(p)));
      const done = tables.every((t) => t !== null && t.version === published.version && t.hash === published.hash);
      return done ? { version: published.version, hash: published.hash } : undefined;
    }, { timeoutMs, what: 'every proxy to serve the leader\'s latest table' }),
  };
}

async function populate(opts: WorldOptions, cluster: Cluster, procs: ProcessGroup, logDir: string, stop: World['stop']): Promise<World> {
  const kube = new KubeClient(cluster);
  await installCrds(kube);
  await ensureNamespace(kube, SYSTEM_NS);
  const token = randomBytes(24).toString('hex');
  await applyManifests(kube, [secret(SYSTEM_NS, SYNC_SECRET, { token })]);
  const tokenFile = join(logDir, 'sync-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const operators = await startOperators(opts, cluster, procs);
  const proxies: ProxyNode[] = [];
  const addProxy = proxyStarter(procs, operators, proxies, tokenFile, opts.auth);
  for (let i = 0; i < (opts.proxies ?? 3); i++) await addProxy();
  for (const p of proxies) await waitHttpReady(p.proc, `${p.adminUrl}/readyz`, 60_000);
  return {
    cluster, kube, logDir, procs, tokenFile, token, operators, proxies, addProxy,
    dataUrls: () => proxies.filter((p) => p.proc.running).map((p) => p.dataUrl),
    operatorState, proxyTable, debugTable,
    ...inspectors(operators, proxies),
    metrics: (url) => getText(`${url}/metrics`),
    report: (lines = 40) => `logs in ${logDir}\n${procs.tails(lines)}\n--- kube-apiserver ---\n${tailOf(join(cluster.logDir, 'kube-apiserver.log'), 15)}`,
    stop,
  };
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(none)';
  }
}
