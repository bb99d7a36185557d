// The control-plane benchmark's results: shape, target checks, the printed summary and the JSON file.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname } from 'node:path';
import { summarise } from '../histogram.ts';
import type { LatencySummary } from '../histogram.ts';
import type { CreateStats } from './objects.ts';

/** Issue 12 point 5 (issue 3's compile and propagation targets; new proxy tightened from 3 s to 1.5 s). */
export const TARGETS = { compileMs: 300, compileOneMs: 50, propagationP99Ms: 1000, firstServedMs: 300, newProxyMs: 1500 } as const;

export interface CompileStats {
  readonly runsMs: readonly number[];
  readonly medianMs: number;
  readonly maxMs: number;
  /** Canonical JSON of the table content (what the hash covers). */
  readonly tableBytes: number;
  /** One snapshot line on the stream (gzip + base64 + envelope). */
  readonly snapshotLineBytes: number;
  readonly routes: number;
  readonly providers: number;
  /** One ModelRoute changed, compiled with the previous compile's memo (incremental compile, ADR 0024). */
  readonly oneChangeMedianMs: number;
  readonly oneChangeRunsMs: readonly number[];
}

/** In-process cost of one publication: the operator encodes once, every proxy decodes and loads. */
export interface ApplyCost {
  readonly encodeMs: number;
  readonly decodeMs: number;
  readonly loadMs: number;
  /** One route changed, as a delta (ADR 0024): operator computes and encodes it; each proxy applies, hashes and loads it. */
  readonly deltaEncodeMs: number;
  readonly deltaApplyMs: number;
  readonly deltaLineBytes: number;
}

export interface PropagationStats {
  readonly changes: number;
  readonly connections: number;
  readonly workers: number;
  /** PATCH accepted → every connection serves the change. */
  readonly servedMs: LatencySummary;
  /** PATCH accepted → the operator has every connection's ACK of that version. */
  readonly ackedMs: LatencySummary;
  /** max(served, acked): the figure the target applies to. */
  readonly totalMs: LatencySummary;
  /** PATCH accepted → the first connection serves it (what one proxy with a core of its own sees). */
  readonly firstServedMs: LatencySummary;
  /** Every connection's own latency, all changes pooled. */
  readonly perConnectionMs: LatencySummary;
  /** The operator's own ack-lag histogram (publish → last ACK), mean over the changes. */
  readonly operatorAckLagMeanMs: number;
}

export interface NewProxyStats {
  /** A sync client in a fresh process: client started → first table loaded and served. */
  readonly syncMs: LatencySummary;
  /** Same runs: process spawned → first table served (includes Node start and module loading). */
  readonly workerProcessMs: LatencySummary;
  /** `switchyard proxy --sync` process spawned → /readyz 200. */
  readonly proxyProcessMs: LatencySummary;
}

export interface TargetCheck {
  readonly name: string;
  readonly target: number;
  readonly value: number;
  readonly pass: boolean;
  /** The same figure without deltas / incremental compile, measured in the same run. */
  readonly before?: number;
}

export interface OperatorBenchResults {
  readonly schema: 'switchyard-bench-operator/v1';
  readonly at: string;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly loadavg: readonly number[] };
  readonly config: Readonly<Record<string, number | boolean>>;
  readonly populate: CreateStats;
  readonly compile: CompileStats;
  readonly applyCost: ApplyCost;
  readonly operator: {
    readonly firstPublishMs: number;
    readonly compileMeanMs: number;
    readonly compileCount: number;
    /** Status writes of the first start (every object) and how long until they stopped. */
    readonly initialStatusWrites: number;
    readonly statusSettleMs: number;
  };
  readonly propagation: PropagationStats;
  /** The same changes to connections that do not announce deltas (snapshots only: the figures before ADR 0024). */
  readonly propagationSnapshots: PropagationStats | null;
  readonly newProxy: NewProxyStats;
  readonly targets: readonly TargetCheck[];
}

export function summary(values: readonly number[]): LatencySummary {
  return summarise(Float64Array.from(values));
}

export function machine(): OperatorBenchResults['machine'] {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) };
}

export function checkTargets(c: CompileStats, p: PropagationStats, n: NewProxyStats, before: PropagationStats | null): TargetCheck[] {
  const check = (name: string, target: number, value: number, was?: number): TargetCheck => ({
    name, target, value, pass: value <= target, ...(was === undefined ? {} : { before: was }),
  });
  return [
    check('full compile (in-process, median ms)', TARGETS.compileMs, c.medianMs),
    check('compile of one changed route (incremental, median ms)', TARGETS.compileOneMs, c.oneChangeMedianMs, c.medianMs),
    check('propagation p99 (all connections ACKed and serving, ms)', TARGETS.propagationP99Ms, p.totalMs.p99_ms, before?.totalMs.p99_ms),
    check('first connection serving (p99 ms)', TARGETS.firstServedMs, p.firstServedMs.p99_ms, before?.firstServedMs.p99_ms),
    check('new proxy full sync (median ms)', TARGETS.newProxyMs, n.syncMs.p50_ms),
  ];
}

const ms = (v: number): string => `${Math.round(v)} ms`;
const line = (s: LatencySummary): string => `p50 ${ms(s.p50_ms)}  p99 ${ms(s.p99_ms)}  max ${ms(s.max_ms)}  (n=${s.count})`;

export function formatResults(r: OperatorBenchResults): string {
  const p = r.propagation;
  return [
    `Switchyard control-plane benchmark — ${r.compile.routes} ModelRoutes, ${r.compile.providers} Providers, ${p.connections} proxy connections in ${p.workers} processes`,
    `  machine       ${r.machine.cpus} CPU (${r.machine.cpuModel}), Node ${r.machine.node}, load ${r.machine.loadavg.join(' ')}`,
    `  create        ${r.populate.objects} objects in ${ms(r.populate.ms)} (${r.populate.perSecond}/s)`,
    `  compile       median ${ms(r.compile.medianMs)}  max ${ms(r.compile.maxMs)}  (in-process, ${r.compile.runsMs.length} runs); operator mean ${ms(r.operator.compileMeanMs)} over ${r.operator.compileCount}`,
    `  table         ${(r.compile.tableBytes / 1e6).toFixed(1)} MB canonical JSON, ${(r.compile.snapshotLineBytes / 1e6).toFixed(2)} MB per snapshot line`,
    `  apply cost    encode ${ms(r.applyCost.encodeMs)} (operator, once per version); decode ${ms(r.applyCost.decodeMs)} + load ${ms(r.applyCost.loadMs)} (every proxy)`,
    `  delta         one route: ${r.applyCost.deltaLineBytes} bytes per line; encode ${ms(r.applyCost.deltaEncodeMs)} (operator); apply + hash + load ${ms(r.applyCost.deltaApplyMs)} (every proxy)`,
    `  compile one   median ${ms(r.compile.oneChangeMedianMs)} (one ModelRoute changed, incremental; runs ${r.compile.oneChangeRunsMs.join(', ')} ms)`,
    `  first publish ${ms(r.operator.firstPublishMs)} after the operator process started; ${r.operator.initialStatusWrites} status writes settled after ${ms(r.operator.statusSettleMs)}`,
    `  propagation   ${line(p.totalMs)}   (one route changed → every connection ACKed and serving)`,
    `     served     ${line(p.servedMs)}`,
    `     acked      ${line(p.ackedMs)}   operator ack-lag mean ${ms(p.operatorAckLagMeanMs)}`,
    `     first      ${line(p.firstServedMs)}   (the first connection to serve it)`,
    `     each       ${line(p.perConnectionMs)}   (every connection, all changes)`,
    ...(r.propagationSnapshots === null ? [] : [
      `  before        snapshots only (connections without deltas=1), ${r.propagationSnapshots.changes} changes:`,
      `     total      ${line(r.propagationSnapshots.totalMs)}`,
      `     first      ${line(r.propagationSnapshots.firstServedMs)}`,
    ]),
    `  new proxy     sync ${line(r.newProxy.syncMs)}`,
    `     process    worker ${line(r.newProxy.workerProcessMs)}`,
    `     proxy      switchyard proxy → /readyz ${line(r.newProxy.proxyProcessMs)}`,
    '  targets',
    ...r.targets.map((t) => `     ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${Math.round(t.value)} (goal ≤ ${t.target})${t.before === undefined ? '' : `  before ${Math.round(t.before)}`}`),
    '',
  ].join('\n');
}

export async function writeResultsFile(path: string, r: OperatorBenchResults): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(r, null, 2)}\n`);
}
