// `npm run bench:operator`: the control-plane benchmark (issue 3). On a real kube-apiserver + etcd it creates 500
// Providers (with their key Secrets) and 10,000 ModelRoutes, measures compile time (in-process and in the operator),
// starts `switchyard operator` and ≥ 20 proxy sync connections (real sync clients with TableHolders, in a few worker
// processes), changes one route at a time and measures until every connection has ACKed and serves the change
// (p50/p99 over 20 changes), then measures a new proxy's full sync. Prints a summary and writes
// bench/results/operator-latest.json. Method: docs/benchmarking-operator.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../../e2e/support/cluster.ts';
import type { Cluster } from '../../e2e/support/cluster.ts';
import { KubeClient, readManifests, yamlFiles } from '../../e2e/support/kube.ts';
import type { KubeObject } from '../../e2e/support/kube.ts';
import { requireTestenvBinaries } from '../../e2e/support/testenv.ts';
import { commandExists, createProcessGroup } from '../procs.ts';
import { NS, benchObjects, createAll } from './objects.ts';
import {
  applyCostPhase, compilePhase, metricSum, metricsText, newProxyPhase, propagationPhase, settleStatus, startOperator, startProxies,
} from './phases.ts';
import { checkTargets, formatResults, machine, writeResultsFile } from './results.ts';
import type { OperatorBenchResults } from './results.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const SYSTEM_NS = 'switchyard-system';

interface Flags {
  readonly routes: number;
  readonly providers: number;
  readonly proxies: number;
  readonly workers: number;
  readonly changes: number;
  readonly concurrency: number;
  readonly compileRuns: number;
  readonly newProxyRuns: number;
  /** Changes measured again on connections without deltas (the 'before' figures); 0 skips it. */
  readonly beforeChanges: number;
  readonly quick: boolean;
  readonly out: string;
}

function flags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      routes: { type: 'string' }, providers: { type: 'string' }, proxies: { type: 'string', default: '20' },
      workers: { type: 'string', default: '2' }, changes: { type: 'string' }, 'before-changes': { type: 'string' },
      concurrency: { type: 'string', default: '32' }, quick: { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench', 'results', 'operator-latest.json') },
    },
  });
  const num = (v: string | undefined, dflt: number, name: string): number => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
    return n;
  };
  const quick = values.quick;
  return {
    routes: num(values.routes, quick ? 1_000 : 10_000, 'routes'),
    providers: num(values.providers, quick ? 50 : 500, 'providers'),
    proxies: num(values.proxies, 20, 'proxies'),
    workers: num(values.workers, 2, 'workers'),
    changes: num(values.changes, quick ? 5 : 20, 'changes'),
    concurrency: num(values.concurrency, 32, 'concurrency'),
    compileRuns: quick ? 3 : 5,
    newProxyRuns: 3,
    beforeChanges: values['before-changes'] === '0' ? 0 : num(values['before-changes'], quick ? 3 : 10, 'before-changes'),
    quick,
    out: values.out,
  };
}

async function setup(kube: KubeClient, token: string): Promise<void> {
  const crds: KubeObject[] = [];
  for (const file of await yamlFiles(join(ROOT, 'crds'))) crds.push(...(await readManifests(file)));
  for (const crd of crds) {
    const res = await kube.apply(crd);
    if (res.status !== 200 && res.status !== 201) throw new Error(`CRD ${crd.metadata.name}: HTTP ${res.status}`);
  }
  for (const crd of crds) await kube.waitForCrdEstablished(crd.metadata.name);
  for (const ns of [NS, SYSTEM_NS]) await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const res = await kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'switchyard-sync', namespace: SYSTEM_NS }, stringData: { token } });
  if (res.status !== 201) throw new Error(`sync token Secret: HTTP ${res.status}`);
}

function log(msg: string): void {
  process.stderr.write(`[bench:operator +${Math.round(performance.now() / 1000)}s] ${msg}\n`);
}

async function run(f: Flags, cluster: Cluster, workDir: string, group: ReturnType<typeof createProcessGroup>): Promise<OperatorBenchResults> {
  const kube = new KubeClient(cluster);
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(workDir, 'sync-token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  await setup(kube, token);

  const objs = benchObjects(f.providers, f.routes);
  log(`creating ${objs.length} objects (${f.providers} Providers + Secrets, ${f.routes} ModelRoutes), ${f.concurrency} at a time`);
  const populate = await createAll(kube, objs, f.concurrency);
  log(`created in ${populate.ms} ms (${populate.perSecond}/s); compiling in-process`);
  const { stats: compile, table, contentJSON, changed } = await compilePhase(kube, f.compileRuns, f.providers);
  const applyCost = await applyCostPhase(table, contentJSON, f.compileRuns, changed);
  log(`compile median ${compile.medianMs} ms; decode ${applyCost.decodeMs} ms + load ${applyCost.loadMs} ms per proxy; starting the operator`);
  const { op, firstPublishMs } = await startOperator(group, cluster.kubeconfigPath, workDir, `${SYSTEM_NS}/switchyard-sync/token`);
  log(`operator published after ${firstPublishMs} ms; starting ${f.proxies} sync connections in ${f.workers} workers`);
  const workers = await startProxies(group, op, token, f.proxies, f.workers);
  log('every connection serves the table; waiting for the first-start status writes to finish');
  const settled = await settleStatus(op, 600_000);
  log(`${settled.writes} status writes in ${settled.ms} ms; changing ${f.changes} routes one at a time`);
  const propagation = await propagationPhase(kube, op, workers, f.changes, f.routes, f.providers);
  log(`propagation p99 ${propagation.totalMs.p99_ms} ms (deltas)`);
  let propagationSnapshots = null;
  if (f.beforeChanges > 0) {
    for (const w of workers) {
      w.m.child.kill('SIGTERM');
      await w.m.exited;
    }
    log(`starting ${f.proxies} connections without deltas (before); ${f.beforeChanges} changes`);
    const snapWorkers = await startProxies(group, op, token, f.proxies, f.workers, false);
    propagationSnapshots = await propagationPhase(kube, op, snapWorkers, f.beforeChanges, f.routes, f.providers, f.changes);
    log(`propagation p99 ${propagationSnapshots.totalMs.p99_ms} ms (snapshots)`);
    for (const w of snapWorkers) {
      w.m.child.kill('SIGTERM');
      await w.m.exited;
    }
  }
  log('measuring new proxies');
  const newProxy = await newProxyPhase(group, op, token, tokenFile, f.newProxyRuns);
  const m = await metricsText(op);
  const compileCount = metricSum(m, 'switchyard_operator_compile_duration_seconds_count');
  const compileMeanMs = compileCount > 0 ? Math.round((metricSum(m, 'switchyard_operator_compile_duration_seconds_sum') / compileCount) * 1000) : Number.NaN;
  return {
    schema: 'switchyard-bench-operator/v1',
    at: new Date().toISOString(),
    machine: machine(),
    config: { routes: f.routes, providers: f.providers, proxies: f.proxies, workers: f.workers, changes: f.changes, concurrency: f.concurrency, quick: f.quick },
    populate, compile, applyCost,
    operator: { firstPublishMs, compileMeanMs, compileCount, initialStatusWrites: settled.writes, statusSettleMs: settled.ms },
    propagation, propagationSnapshots, newProxy,
    targets: checkTargets(compile, propagation, newProxy, propagationSnapshots),
  };
}

async function main(): Promise<number> {
  const f = flags(process.argv.slice(2));
  const group = createProcessGroup(false, commandExists('setpriv'));
  process.once('exit', () => group.killAllSync());
  const workDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-operator-'));
  log(`starting kube-apiserver + etcd (work dir ${workDir})`);
  const cluster = await startCluster({ binDir: requireTestenvBinaries(['etcd', 'kube-apiserver']), logDir: workDir });
  const stop = async (): Promise<void> => {
    await group.stopAll();
    await cluster.stop();
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    const results = await run(f, cluster, workDir, group);
    process.stdout.write(formatResults(results));
    await writeResultsFile(f.out, results);
    log(`wrote ${f.out}`);
    await stop();
    rmSync(workDir, { recursive: true, force: true });
    return 0; // targets are reported, not enforced: the figures depend on the machine (docs/benchmarking-operator.md)
  } catch (err) {
    log(`failed: ${err instanceof Error ? err.stack ?? err.message : String(err)} (logs kept in ${workDir})`);
    await stop();
    return 2;
  }
}

process.exitCode = await main();
