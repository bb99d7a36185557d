// The measured phases of the control-plane benchmark: in-process compile, the operator's first publish, propagation
// of single-route changes to every proxy connection, and a new proxy's full sync.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fetch } from 'undici';
import type { KubeClient } from '../../e2e/support/kube.ts';
import { pino } from 'pino';
import { compile } from '../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { computeDelta } from '../../pkg/sync/delta.ts';
import { decodeDelta, decodeSnapshot, encodeDelta, encodeSnapshot, ndjsonLine } from '../../pkg/sync/protocol.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { freePort } from '../procs.ts';
import type { Managed, ProcessGroup } from '../procs.ts';
import { NS, listAll, routeName, providerName, weightPatch } from './objects.ts';
import { summary } from './results.ts';
import type { ApplyCost, CompileStats, NewProxyStats, PropagationStats } from './results.ts';
import { spawnWorker, waitEvents } from './workers.ts';
import type { Worker } from './workers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'cmd', 'switchyard.ts');
const API = 'switchyard.dev/v1alpha1';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN) * 10) / 10;
}

function timed(runs: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

export async function compilePhase(
  kube: KubeClient, runs: number, providers: number,
): Promise<{ stats: CompileStats; table: RoutingTable; contentJSON: string; changed: RoutingTable }> {
  const objects = [
    ...(await listAll(kube, API, 'Provider')), ...(await listAll(kube, API, 'ModelRoute')), ...(await listAll(kube, 'v1', 'Secret')),
  ];
  let result = compile(objects, { version: 1 }); // warm-up
  const times = timed(runs, () => {
    result = compile(objects, { version: 1 });
  });
  const { table, contentJSON } = result;
  // Incremental (ADR 0024): one ModelRoute edited (a new resourceVersion, as the API server gives it), compiled with
  // the previous compile's memo and lastGood, as the operator's reconciler does.
  type Raw = { readonly kind?: unknown; readonly metadata: Record<string, unknown>; readonly spec: Record<string, unknown> };
  const routeAt = objects.findIndex((o) => (o as Raw).kind === 'ModelRoute');
  const target = objects[routeAt] as Raw;
  const index = Number(/(\d+)$/.exec(String(target.metadata.name))?.[1] ?? 0);
  let chain = compile(objects, { version: 1, previous: result.lastGood, memo: result.memo });
  chain = compile(objects, { version: 1, previous: chain.lastGood, memo: chain.memo });
  let changed = chain.table;
  const oneTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const edited = objects.slice();
    const metadata = { ...target.metadata, resourceVersion: `${String(target.metadata.resourceVersion)}-${i}` };
    edited[routeAt] = { ...target, metadata, spec: { ...target.spec, ...(weightPatch(index, providers, 100 + i).spec as object) } };
    const t0 = performance.now();
    changed = compile(edited, { version: 2 + i, previous: chain.lastGood, memo: chain.memo }).table;
    oneTimes.push(performance.now() - t0);
  }
  const snapshot = encodeSnapshot(table, contentJSON);
  const stats: CompileStats = {
    runsMs: times.map((x) => Math.round(x)),
    medianMs: Math.round(median(times)),
    maxMs: Math.round(Math.max(...times)),
    tableBytes: snapshot.bytes,
    snapshotLineBytes: ndjsonLine(snapshot).length,
    routes: table.routes.length,
    providers: Object.keys(table.providers).length,
    oneChangeMedianMs: Math.round(median(oneTimes)),
    oneChangeRunsMs: oneTimes.map((x) => Math.round(x)),
  };
  return { stats, table, contentJSON, changed };
}

/**
 * What one publication costs the operator (encode, from the canonical JSON compile() returns, as the operator does)
 * and each proxy (decode + load), in-process, median of `runs`.
 */
export async function applyCostPhase(table: RoutingTable, contentJSON: string, runs: number, changed: RoutingTable): Promise<ApplyCost> {
  const line = ndjsonLine(encodeSnapshot(table, contentJSON));
  const encode = timed(runs, () => encodeSnapshot(table, contentJSON));
  const decode = timed(runs, () => decodeSnapshot(JSON.parse(line)));
  const pools = createUpstreamPools();
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger: pino({ level: 'silent' }) });
  const load = timed(runs, (i) => holder.load({ ...table, version: i + 1 }));
  // A delta of one route (ADR 0024): the operator computes and encodes it, each proxy applies it (hash of the whole
  // content included) and loads it, rebuilding that route only.
  const base = { ...table, version: 1 };
  const next = { ...changed, version: 2 };
  const deltaEncode = timed(runs, () => encodeDelta(base, next, computeDelta(base, next)));
  const deltaLine = ndjsonLine(encodeDelta(base, next, computeDelta(base, next)));
  const applyTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    holder.load({ ...table, version: 10 + 2 * i });
    const b = holder.table as RoutingTable;
    const line = ndjsonLine(encodeDelta(b, { ...changed, version: 11 + 2 * i }, computeDelta(b, changed)));
    const t0 = performance.now();
    holder.load(decodeDelta(JSON.parse(line), b));
    applyTimes.push(performance.now() - t0);
  }
  await pools.destroy();
  return {
    encodeMs: median(encode), decodeMs: median(decode), loadMs: median(load),
    deltaEncodeMs: median(deltaEncode), deltaApplyMs: median(applyTimes), deltaLineBytes: deltaLine.length,
  };
}

/** Waits until the operator's status writes stop (the first-start backlog is written); returns how long that took. */
export async function settleStatus(op: OperatorProc, timeoutMs: number): Promise<{ writes: number; ms: number }> {
  const t0 = performance.now();
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    const writes = metricSum(await metricsText(op), 'switchyard_operator_status_writes_total');
    if (writes !== last) {
      last = writes;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 3_000) {
      return { writes, ms: Math.round(performance.now() - t0) };
    }
    if (performance.now() - t0 > timeoutMs) return { writes, ms: Math.round(performance.now() - t0) };
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface OperatorProc {
  readonly m: Managed;
  readonly syncUrl: string;
  readonly adminUrl: string;
}

interface OperatorState {
  readonly leader: boolean;
  readonly published: { readonly version: number; readonly hash: string } | null;
  readonly proxies: readonly { readonly id: string; readonly connected: boolean; readonly version: number }[];
}

export async function operatorState(op: OperatorProc): Promise<OperatorState | null> {
  try {
    const res = await fetch(`${op.adminUrl}/debug/operator`, { signal: AbortSignal.timeout(5_000) });
    return res.status === 200 ? ((await res.json()) as OperatorState) : null;
  } catch {
    return null;
  }
}

export async function metricsText(op: OperatorProc): Promise<string> {
  const res = await fetch(`${op.adminUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
  return res.text();
}

export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const l of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(l);
    if (m !== null && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}

/** Starts `switchyard operator`; resolves once it leads and has published, with the time that took. */
export async function startOperator(group: ProcessGroup, kubeconfig: string, logDir: string, tokenSecret: string): Promise<{ op: OperatorProc; firstPublishMs: number }> {
  const [syncPort, adminPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const m = group.spawnNode({
    name: 'operator',
    args: [CLI, 'operator', '--kubeconfig', kubeconfig, '--lease-namespace', 'switchyard-system', '--identity', 'bench-operator',
      '--sync-port', String(syncPort), '--admin-port', String(adminPort), '--host', '127.0.0.1', '--sync-token-secret', tokenSecret,
      // The first start writes a status on every object; a higher rate gets that backlog out of the way sooner.
      '--status-qps', '200'],
    stdout: 'pipe',
  });
  m.child.stdout?.pipe(createWriteStream(join(logDir, 'operator.log')));
  const op = { m, syncUrl: `http://127.0.0.1:${syncPort}`, adminUrl: `http://127.0.0.1:${adminPort}` };
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (m.child.exitCode !== null) throw new Error(`the operator exited: ${m.stderrTail().slice(-2000)}`);
    const st = await operatorState(op);
    if (st?.leader === true && st.published !== null) return { op, firstPublishMs: Math.round(performance.now() - t0) };
    if (Date.now() > deadline) throw new Error('the operator did not publish within 180 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns the workers holding `connections` sync connections; resolves once every connection serves a table. */
export async function startProxies(group: ProcessGroup, op: OperatorProc, token: string, connections: number, workers: number, deltas = true): Promise<Worker[]> {
  const out: Worker[] = [];
  for (let i = 0; i < workers; i++) {
    const n = Math.floor(connections / workers) + (i < connections % workers ? 1 : 0);
    out.push(spawnWorker(group, `${deltas ? 'worker' : 'snapworker'}${i}`, op.syncUrl, token, n, deltas));
  }
  await waitEvents(out, (ev) => (ev.filter((e) => e.type === 'first').length >= connections ? true : undefined), 180_000, 'every connection\'s first table');
  return out;
}

/** Polls the operator until every connected proxy has ACKed `version`; returns the epoch ms it saw that. */
async function ackedAt(op: OperatorProc, version: number, connections: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const st = await operatorState(op);
    const live = st?.proxies.filter((p) => p.connected) ?? [];
    if (live.length >= connections && live.every((p) => p.version >= version)) return Date.now();
    if (Date.now() > deadline) throw new Error(`not every proxy ACKed v${version} within 60 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface ChangeSample {
  readonly served: number;
  readonly acked: number;
  readonly first: number;
  readonly each: readonly number[];
}

async function oneChange(kube: KubeClient, op: OperatorProc, workers: readonly Worker[], id: number, routes: number, providers: number): Promise<ChangeSample> {
  const connections = workers.reduce((n, w) => n + w.connections, 0);
  const i = (id * 7919) % routes;
  const weight = 10 + id;
  const expect = { cmd: 'expect', id, route: `${NS}/${routeName(i)}`, provider: `${NS}/${providerName((i + 1) % providers)}`, weight };
  for (const w of workers) w.send(expect);
  await waitEvents(workers, (ev) => (ev.filter((e) => e.type === 'expecting' && e.id === id).length >= workers.length ? true : undefined), 10_000, `workers to expect change ${id}`);
  const path = `${await kube.collectionPath(API, 'ModelRoute', NS)}/${routeName(i)}`;
  const t0 = Date.now();
  const res = await kube.request('PATCH', path, weightPatch(i, providers, weight), 'application/merge-patch+json');
  if (res.status !== 200) throw new Error(`PATCH ${path}: HTTP ${res.status}`);
  const served = await waitEvents(workers, (ev) => {
    const s = ev.filter((e) => e.type === 'served' && e.id === id);
    return s.length >= connections ? s : undefined;
  }, 60_000, `every connection to serve change ${id}`);
  const version = Math.max(...served.map((e) => e.version ?? 0));
  const acked = await ackedAt(op, version, connections);
  const each = served.map((e) => (e.at ?? t0) - t0);
  return { served: Math.max(...each), acked: acked - t0, first: Math.min(...each), each };
}

export async function propagationPhase(
  kube: KubeClient, op: OperatorProc, workers: readonly Worker[], changes: number, routes: number, providers: number, firstId = 0,
): Promise<PropagationStats> {
  const m0 = await metricsText(op);
  const samples: ChangeSample[] = [];
  for (let id = firstId; id < firstId + changes; id++) {
    samples.push(await oneChange(kube, op, workers, id, routes, providers));
    await new Promise((r) => setTimeout(r, 250));
  }
  const m1 = await metricsText(op);
  const lagSum = metricSum(m1, 'switchyard_operator_ack_lag_seconds_sum') - metricSum(m0, 'switchyard_operator_ack_lag_seconds_sum');
  const lagCount = metricSum(m1, 'switchyard_operator_ack_lag_seconds_count') - metricSum(m0, 'switchyard_operator_ack_lag_seconds_count');
  return {
    changes,
    connections: workers.reduce((n, w) => n + w.connections, 0),
    workers: workers.length,
    servedMs: summary(samples.map((s) => s.served)),
    ackedMs: summary(samples.map((s) => s.acked)),
    totalMs: summary(samples.map((s) => Math.max(s.served, s.acked))),
    firstServedMs: summary(samples.map((s) => s.first)),
    perConnectionMs: summary(samples.flatMap((s) => s.each)),
    operatorAckLagMeanMs: lagCount > 0 ? Math.round((lagSum / lagCount) * 1000) : Number.NaN,
  };
}

async function waitReady(url: string, m: Managed, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (m.child.exitCode !== null) throw new Error(`${m.name} exited: ${m.stderrTail().slice(-2000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${m.name}: ${url} not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A fresh sync connection (in a fresh worker process), and a fresh `switchyard proxy` process, `runs` times each. */
export async function newProxyPhase(group: ProcessGroup, op: OperatorProc, token: string, tokenFile: string, runs: number): Promise<NewProxyStats> {
  const sync: number[] = [];
  const proc: number[] = [];
  const proxy: number[] = [];
  for (let i = 0; i < runs; i++) {
    const spawnedAt = Date.now();
    const w = spawnWorker(group, `newproxy${i}`, op.syncUrl, token, 1);
    const first = await waitEvents([w], (ev) => ev.find((e) => e.type === 'first'), 60_000, 'the new connection\'s first table');
    sync.push((first.at ?? 0) - (first.startedAt ?? 0));
    proc.push((first.at ?? 0) - spawnedAt);
    w.m.child.kill('SIGTERM');
    await w.m.exited;

    const [dataPort, adminPort] = [await freePort(), await freePort()];
    const t0 = Date.now();
    const m = group.spawnNode({
      name: `proxy${i}`,
      args: [CLI, 'proxy', '--sync', op.syncUrl, '--sync-token-file', tokenFile, '--proxy-id', `new-proxy-${i}`,
        '--port', String(dataPort), '--admin-port', String(adminPort), '--host', '127.0.0.1', '--log-level', 'warn'],
      stdout: 'ignore',
    });
    await waitReady(`http://127.0.0.1:${adminPort}/readyz`, m, 60_000);
    proxy.push(Date.now() - t0);
    m.child.kill('SIGTERM');
    await m.exited;
  }
  return { syncMs: summary(sync), workerProcessMs: summary(proc), proxyProcessMs: summary(proxy) };
}
