// The benchmark's results: the JSON written to bench/results/, the human summary, and PASS/FAIL against targets.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatFloorSuite, formatGoalTable, goalRows } from './goals.ts';
import type { FloorSuite, GoalRow } from './goals.ts';
import type { LatencySummary } from './histogram.ts';
import type { LatencyPhase, RunResult, ThroughputPhase } from './phases.ts';
import { formatTranslateBench } from './micro/translate.bench.ts';
import type { TranslateBenchResult } from './micro/translate.bench.ts';

export interface Environment {
  readonly node_version: string;
  readonly cpu_model: string;
  readonly cpus: number;
  readonly pinned: boolean;
  /** Which CPU each process ran on, or why it ran unpinned. */
  readonly pinning: string;
  readonly loadavg_at_start: readonly number[];
  readonly duration_s: number;
  readonly warmup_s: number;
  readonly connections: number;
  readonly quick: boolean;
}

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly actual: number | null;
  readonly pass: boolean;
}

export interface Targets {
  readonly minSustainedRps: number;
  readonly maxAddedP50Ms: number;
  readonly maxIdleRssMb: number;
}

export const DEFAULT_TARGETS: Targets = { minSustainedRps: 8000, maxAddedP50Ms: 0.5, maxIdleRssMb: 80 };

export interface Memory {
  readonly rss_idle_mb: number;
  readonly rss_after_mb: number;
  readonly rss_peak_mb: number;
  /** Gateway CPU while idle after startup (timers, file watching), over 2 s. */
  readonly idle_cpu_pct: number;
}

export interface BenchResults {
  readonly schema: 1;
  readonly timestamp: string;
  readonly rate: number;
  readonly direct: LatencySummary;
  readonly gateway: LatencySummary;
  readonly added_p50_ms: number;
  readonly added_p90_ms: number;
  readonly added_p99_ms: number;
  /** Gateway CPU per request at the highest sustained step (at the latency rate when no step passed). */
  readonly cpu_us_per_request: number | null;
  readonly cpu_us_per_request_at_latency_rate: number | null;
  /** 1e6 ÷ cpu_us_per_request: the rate one fully busy core could serve if CPU were the only limit. */
  readonly cpu_bound_rps_estimate: number | null;
  readonly rss_idle_mb: number;
  readonly rss_after_mb: number;
  readonly rss_peak_mb: number;
  readonly idle_cpu_pct: number;
  readonly max_sustained_rps: number;
  readonly node_version: string;
  readonly cpu_model: string;
  readonly pinned: boolean;
  readonly environment: Environment;
  /** The earlier targets (kept in the JSON for comparison with older results; the summary prints `goals`). */
  readonly targets: readonly TargetCheck[];
  readonly latency_runs: { readonly direct: RunResult; readonly gateway: RunResult };
  readonly throughput: ThroughputPhase;
  /** Micro-benchmarks run by `npm run bench` (bench/micro/), null when skipped (--no-micro). */
  readonly micro: { readonly translate: TranslateBenchResult } | null;
  /** The gateway against the bare-Node floor: closed and open loop, body sizes, streams and pairs, memory. */
  readonly floor: FloorSuite;
  /** Issue 12 point 5: each figure beside its goal. */
  readonly goals: readonly GoalRow[];
  readonly latency_floor: RunResult | null;
}

export function buildResults(
  env: Environment, lat: LatencyPhase, tp: ThroughputPhase, mem: Memory, targets: Targets = DEFAULT_TARGETS,
  micro: { readonly translate: TranslateBenchResult } | null, suite: FloorSuite,
): BenchResults {
  const best = tp.steps.find((s) => s.pass && s.rate === tp.max_sustained_rps);
  const cpuAtRate = lat.gateway.gateway_cpu_us_per_request;
  const cpuPerReq = best?.gateway_cpu_us_per_request ?? cpuAtRate;
  const checks: TargetCheck[] = [
    { name: 'sustained throughput on one core (RPS)', target: `>= ${targets.minSustainedRps}`, actual: tp.max_sustained_rps,
      pass: tp.max_sustained_rps >= targets.minSustainedRps },
    { name: `p50 added latency at ${lat.rate} RPS (ms)`, target: `<= ${targets.maxAddedP50Ms}`, actual: lat.added_p50_ms,
      pass: lat.added_p50_ms <= targets.maxAddedP50Ms },
    { name: 'idle RSS after startup (MB)', target: `<= ${targets.maxIdleRssMb}`, actual: mem.rss_idle_mb,
      pass: mem.rss_idle_mb <= targets.maxIdleRssMb },
  ];
  if (micro !== null) {
    const t = micro.translate;
    checks.push({ name: 'stream translation CPU per event, slowest translated pair (µs)', target: `<= ${t.goal_us_per_event}`,
      actual: t.translated_max_cpu_us_per_event, pass: t.pass });
  }
  return {
    schema: 1, timestamp: new Date().toISOString(), rate: lat.rate,
    direct: lat.direct.load.latency, gateway: lat.gateway.load.latency,
    added_p50_ms: lat.added_p50_ms, added_p90_ms: lat.added_p90_ms, added_p99_ms: lat.added_p99_ms,
    cpu_us_per_request: cpuPerReq, cpu_us_per_request_at_latency_rate: cpuAtRate,
    cpu_bound_rps_estimate: cpuPerReq === null || cpuPerReq <= 0 ? null : Math.round(1e6 / cpuPerReq),
    ...mem, max_sustained_rps: tp.max_sustained_rps,
    node_version: env.node_version, cpu_model: env.cpu_model, pinned: env.pinned, environment: env,
    targets: checks, latency_runs: { direct: lat.direct, gateway: lat.gateway }, throughput: tp, micro,
    floor: suite, goals: goalRows(suite, lat, micro?.translate ?? null), latency_floor: lat.floor,
  };
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(3)} ms` : 'n/a');

function latencyLine(label: string, r: RunResult): string {
  const l = r.load.latency;
  const cpu = r.gateway_cpu_pct === null ? '' : `, gateway CPU ${r.gateway_cpu_pct}%, waited ${r.gateway_runqueue_wait_pct ?? 'n/a'}%`;
  return `  ${label.padEnd(8)} p50 ${ms(l.p50_ms)}  p90 ${ms(l.p90_ms)}  p99 ${ms(l.p99_ms)}  max ${ms(l.max_ms)}  ` +
    `(achieved ${r.load.achieved_rps} RPS, errors ${r.load.errors + r.load.timeouts}, non-2xx ${r.load.non2xx}${cpu})`;
}

/** Warnings when other processes competed for the CPUs: before the run (load average) or during it (run queue). */
function busyWarnings(r: BenchResults): string[] {
  const e = r.environment;
  const out: string[] = [];
  const load = e.loadavg_at_start[0] ?? 0;
  if (load >= e.cpus * 0.5) {
    out.push(`WARNING: load average ${load.toFixed(2)} on ${e.cpus} CPUs before the run: other processes share the cores, so treat the figures as rough.`);
  }
  const waits = [r.latency_runs.gateway, ...r.throughput.steps].map((x) => x.gateway_runqueue_wait_pct ?? 0);
  const worst = Math.max(0, ...waits);
  if (worst > 10) {
    out.push(`WARNING: the gateway waited for its CPU up to ${worst}% of a run's time (other processes on its core): ` +
      'latency and throughput are pessimistic; CPU µs per request is still meaningful.');
  }
  return out;
}

function directCheckLines(tp: ThroughputPhase): string[] {
  const d = tp.direct_check;
  if (d === null) {
    return [tp.steps.some((s) => !s.pass) ? '  (direct re-run of the failing rate skipped in --quick)' : '  (no step failed: the real limit is above the last step)'];
  }
  const l = d.run.load;
  const verdict = d.pass ? 'passes, so the gateway was the limit' : `fails too (${d.reasons.join('; ')}): harness-limited, the figure is a lower bound`;
  return [`  direct at ${d.rate} RPS: p99 ${ms(l.latency.p99_ms)}, achieved ${l.achieved_rps}, generator+mock CPU ${d.run.harness_cpu_pct}% → ${verdict}`];
}

/** The readable summary printed at the end of a run. */
export function formatSummary(r: BenchResults): string {
  const e = r.environment;
  const lines = [
    '',
    `Switchyard benchmark — node ${e.node_version}, ${e.cpu_model} (${e.cpus} CPUs), ${e.pinning}`,
    `load average at start: ${e.loadavg_at_start.map((v) => v.toFixed(2)).join(' ')}; ` +
      `${e.duration_s} s per run after ${e.warmup_s} s warm-up, ${e.connections} connections${e.quick ? ' (quick)' : ''}`,
    ...busyWarnings(r),
    '',
    `Latency at ${r.rate} RPS (open loop, from scheduled send time):`,
    latencyLine('direct', r.latency_runs.direct),
    ...(r.latency_floor === null ? [] : [latencyLine('floor', r.latency_floor)]),
    latencyLine('gateway', r.latency_runs.gateway),
    `  added    p50 ${ms(r.added_p50_ms)}  p90 ${ms(r.added_p90_ms)}  p99 ${ms(r.added_p99_ms)}`,
    '',
    'Throughput via gateway (step: p99, achieved, errors, gateway CPU (run-queue wait, generator+mock CPU), gateway µs/request):',
    ...r.throughput.steps.map((s) => `  ${String(s.rate).padStart(6)} RPS: p99 ${ms(s.load.latency.p99_ms)}, ` +
      `achieved ${s.load.achieved_rps}, errors ${(s.load.error_rate * 100).toFixed(3)}%, CPU ${s.gateway_cpu_pct}% ` +
      `(waited ${s.gateway_runqueue_wait_pct ?? 'n/a'}%, harness ${s.harness_cpu_pct}%), ` +
      `${s.gateway_cpu_us_per_request} µs/req${s.pass ? '' : `  ✗ ${s.reasons.join('; ')}`}`),
    `  max sustained: ${r.max_sustained_rps} RPS (error rate < ${r.throughput.criteria.maxErrorRate * 100}%, ` +
      `p99 < ${r.throughput.criteria.maxP99Ms} ms)`,
    ...directCheckLines(r.throughput),
    '',
    `CPU per request: ${r.cpu_us_per_request ?? 'n/a'} µs (at ${r.rate} RPS: ${r.cpu_us_per_request_at_latency_rate ?? 'n/a'} µs); ` +
      `one busy core ≈ ${r.cpu_bound_rps_estimate ?? 'n/a'} RPS if CPU were the only limit`,
    `RSS: idle ${r.rss_idle_mb} MB, after load ${r.rss_after_mb} MB, peak ${r.rss_peak_mb} MB; idle CPU ${r.idle_cpu_pct}%`,
    '',
    ...(r.micro === null ? [] : [formatTranslateBench(r.micro.translate)]),
    formatFloorSuite(r.floor, { rate: r.rate, direct: r.latency_runs.direct, floor: r.latency_floor, gateway: r.latency_runs.gateway,
      added_p50_ms: r.added_p50_ms, added_p90_ms: r.added_p90_ms, added_p99_ms: r.added_p99_ms }),
    formatGoalTable(r.goals, busyWarnings(r)),
  ];
  return lines.join('\n');
}

/** Write latest.json and a timestamped copy; returns the paths written. */
export async function writeResults(dir: string, r: BenchResults): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const text = `${JSON.stringify(r, null, 2)}\n`;
  const stamp = r.timestamp.replace(/[:.]/g, '-');
  const paths = [join(dir, 'latest.json'), join(dir, `bench-${stamp}.json`)];
  await Promise.all(paths.map((p) => writeFile(p, text)));
  return paths;
}
