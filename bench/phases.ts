// The benchmark phases: one open-loop load run in its own process with the gateway's CPU time measured around it,
// the latency comparison (direct vs via gateway at the same rate) and the throughput staircase.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BodyDialect, LoadResult } from './loadgen.ts';
import { allStdout, cpuSample } from './procs.ts';
import type { ProcessGroup } from './procs.ts';

export interface BenchEnv {
  readonly group: ProcessGroup;
  readonly ticksPerSecond: number;
  readonly gatewayPid: number;
  readonly mockPid: number;
  /** Origins of the three servers a run can target (paths come from the run's options). */
  readonly origins: { readonly direct: string; readonly floor: string; readonly gateway: string };
  /** The bare-Node pass-through floor (bench/floor.ts), on the gateway's core. */
  readonly floorPid: number;
  readonly apiKey: string;
  readonly connections: number;
  readonly durationS: number;
  readonly warmupS: number;
  /** CPU list for the generator (same core as the mock). */
  readonly generatorCpu: string;
}

/** What a run sends to: the mock directly, the bare-Node floor in front of it, or the gateway in front of it. */
export type Target = 'direct' | 'floor' | 'gateway';

/** How a run loads its target, beyond the defaults of BenchEnv (small OpenAI chat body, open loop). */
export interface RunOptions {
  /** Request path (default /v1/chat/completions). */
  readonly path?: string;
  readonly dialect?: BodyDialect;
  readonly model?: string;
  /** Request body size (0: the small default body). */
  readonly bodyBytes?: number;
  readonly stream?: boolean;
  /** Closed loop with `connections` clients instead of the open-loop schedule. */
  readonly closed?: boolean;
  readonly connections?: number;
  readonly durationS?: number;
  readonly warmupS?: number;
}

// The gateway_* fields describe the process under test: the gateway, or the floor when the target is 'floor'.
export interface RunResult {
  readonly load: LoadResult;
  /** Gateway CPU time (user + system) ÷ requests completed, warm-up included; null for direct runs. */
  readonly gateway_cpu_us_per_request: number | null;
  /** Gateway CPU time ÷ wall time of the run: 100 means one core fully busy. */
  readonly gateway_cpu_pct: number | null;
  /**
   * Time the gateway's threads were runnable but waited for a CPU, ÷ wall time (from schedstat; null without it).
   * Well above a few percent means other processes competed for the gateway's core and the figures are pessimistic.
   */
  readonly gateway_runqueue_wait_pct: number | null;
  readonly mock_cpu_pct: number;
  /** Mock + generator CPU (they share one core when pinned): near 100 means the harness, not the gateway, is busy. */
  readonly harness_cpu_pct: number;
}

export interface StepResult extends RunResult {
  readonly rate: number;
  readonly pass: boolean;
  readonly reasons: readonly string[];
}

export interface Criteria {
  readonly maxErrorRate: number;
  readonly maxP99Ms: number;
  /** Achieved / target below this means the system (or the generator) did not keep up. */
  readonly minAchievedRatio: number;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

async function spawnLoadgen(env: BenchEnv, url: string, rate: number, o: RunOptions): Promise<LoadResult> {
  const m = env.group.spawnNode({
    name: `loadgen@${o.closed === true ? 'closed' : rate}`,
    cpu: env.generatorCpu,
    stdout: 'pipe',
    env: { ...process.env, SWITCHYARD_BENCH_API_KEY: env.apiKey },
    args: [
      new URL('./loadgen.ts', import.meta.url).pathname,
      '--url', url, '--rate', String(o.closed === true ? Math.max(1, rate) : rate), '--duration', String(o.durationS ?? env.durationS),
      '--warmup', String(o.warmupS ?? env.warmupS), '--connections', String(o.connections ?? env.connections),
      '--body-bytes', String(o.bodyBytes ?? 0), '--dialect', o.dialect ?? 'openai', '--model', o.model ?? 'bench-model',
      ...(o.stream === true ? ['--stream'] : []), ...(o.closed === true ? ['--closed'] : []),
    ],
  });
  const out = await allStdout(m);
  return JSON.parse(out) as LoadResult;
}

/**
 * One load run against `target`, with the CPU of the process under test (gateway or floor) and of the mock measured
 * over exactly that run.
 */
export async function measuredRun(env: BenchEnv, target: Target, rate: number, o: RunOptions = {}): Promise<RunResult> {
  const url = `${env.origins[target]}${o.path ?? '/v1/chat/completions'}`;
  const pid = target === 'floor' ? env.floorPid : env.gatewayPid;
  const g0 = cpuSample(pid, env.ticksPerSecond);
  const m0 = cpuSample(env.mockPid, env.ticksPerSecond);
  const t0 = performance.now();
  const load = await spawnLoadgen(env, url, rate, o);
  const wallUs = (performance.now() - t0) * 1000;
  const g1 = cpuSample(pid, env.ticksPerSecond);
  const gUs = g1.cpuUs - g0.cpuUs;
  const mUs = cpuSample(env.mockPid, env.ticksPerSecond).cpuUs - m0.cpuUs;
  const viaGateway = target !== 'direct';
  const waitPct = round1(((g1.waitUs - g0.waitUs) / wallUs) * 100);
  return {
    load,
    gateway_cpu_us_per_request: viaGateway && load.total_completed > 0 ? round1(gUs / load.total_completed) : null,
    gateway_cpu_pct: viaGateway ? round1((gUs / wallUs) * 100) : null,
    gateway_runqueue_wait_pct: viaGateway && Number.isFinite(waitPct) ? waitPct : null,
    mock_cpu_pct: round1((mUs / wallUs) * 100),
    harness_cpu_pct: round1((mUs / wallUs) * 100 + load.generator_cpu_pct),
  };
}

export interface LatencyPhase {
  readonly rate: number;
  readonly direct: RunResult;
  /** The bare-Node floor at the same rate (null when not run). */
  readonly floor: RunResult | null;
  readonly gateway: RunResult;
  readonly added_p50_ms: number;
  readonly added_p90_ms: number;
  readonly added_p99_ms: number;
}

/** Direct baseline, floor and via-gateway runs at the same rate, back to back in the same run. */
export async function latencyPhase(env: BenchEnv, rate: number, log: (s: string) => void, withFloor = true): Promise<LatencyPhase> {
  log(`latency: direct at ${rate} RPS…`);
  const direct = await measuredRun(env, 'direct', rate);
  await settle(env, log);
  let floor: RunResult | null = null;
  if (withFloor) {
    log(`latency: via the bare-Node floor at ${rate} RPS…`);
    floor = await measuredRun(env, 'floor', rate);
    await settle(env, log);
  }
  log(`latency: via gateway at ${rate} RPS…`);
  const gateway = await measuredRun(env, 'gateway', rate);
  await settle(env, log);
  const diff = (k: 'p50_ms' | 'p90_ms' | 'p99_ms'): number =>
    Math.round((gateway.load.latency[k] - direct.load.latency[k]) * 1000) / 1000;
  return { rate, direct, floor, gateway, added_p50_ms: diff('p50_ms'), added_p90_ms: diff('p90_ms'), added_p99_ms: diff('p99_ms') };
}

export function judgeStep(load: LoadResult, c: Criteria): string[] {
  const reasons: string[] = [];
  if (load.error_rate > c.maxErrorRate) reasons.push(`error rate ${(load.error_rate * 100).toFixed(2)}% > ${c.maxErrorRate * 100}%`);
  if (!(load.latency.p99_ms <= c.maxP99Ms)) reasons.push(`p99 ${load.latency.p99_ms} ms > ${c.maxP99Ms} ms`);
  if (load.achieved_rps < load.target_rps * c.minAchievedRatio) {
    reasons.push(`achieved ${load.achieved_rps} RPS < ${Math.round(c.minAchievedRatio * 100)}% of target`);
  }
  return reasons;
}

export interface ThroughputPhase {
  readonly criteria: Criteria;
  readonly steps: readonly StepResult[];
  /** Highest step rate (staircase or refinement) that met every criterion (0 when none did). */
  readonly max_sustained_rps: number;
  /**
   * The first failing rate re-run directly against the mock: when it fails too, the harness (generator + mock on
   * one core) was the limit, not the gateway, and max_sustained_rps is a lower bound.
   */
  readonly direct_check: DirectCheck | null;
}

export interface DirectCheck {
  readonly rate: number;
  readonly pass: boolean;
  readonly reasons: readonly string[];
  readonly run: RunResult;
}

async function step(env: BenchEnv, target: Target, rate: number, criteria: Criteria, log: (s: string) => void): Promise<StepResult> {
  log(`throughput: via ${target} at ${rate} RPS…`);
  const run = await measuredRun(env, target, rate);
  const reasons = judgeStep(run.load, criteria);
  const pass = reasons.length === 0;
  log(`  p99 ${run.load.latency.p99_ms} ms, achieved ${run.load.achieved_rps} RPS, errors ${(run.load.error_rate * 100).toFixed(3)}%, ` +
    `${target} CPU ${run.gateway_cpu_pct}% (waited ${run.gateway_runqueue_wait_pct ?? 'n/a'}%), generator+mock CPU ${run.harness_cpu_pct}% ` +
    `→ ${pass ? 'ok' : `fail (${reasons.join('; ')})`}`);
  await settle(env, log);
  return { ...run, rate, pass, reasons };
}

/**
 * Wait until the gateway and the floor are idle (under 5% CPU together over 300 ms, at most 20 s): after an overloaded step it may still be
 * working through requests the generator gave up on, which would spoil the next step.
 */
export async function settle(env: BenchEnv, log: (s: string) => void): Promise<void> {
  const deadline = performance.now() + 20_000;
  await sleep(200);
  for (;;) {
    const busy = (): number => cpuSample(env.gatewayPid, env.ticksPerSecond).cpuUs + cpuSample(env.floorPid, env.ticksPerSecond).cpuUs;
    const c0 = busy();
    await sleep(300);
    const pct = ((busy() - c0) / 300_000) * 100;
    if (pct < 5) return;
    if (performance.now() > deadline) {
      log(`  gateway still at ${Math.round(pct)}% CPU 20 s after the run: continuing anyway`);
      return;
    }
  }
}

/** Re-run the failing rate directly against the mock: did the harness or the gateway give out? */
async function directCheck(env: BenchEnv, rate: number, criteria: Criteria, log: (s: string) => void): Promise<DirectCheck> {
  log(`throughput: direct at ${rate} RPS (is the harness the limit?)…`);
  const run = await measuredRun(env, 'direct', rate);
  const reasons = judgeStep(run.load, criteria);
  log(`  direct: ${reasons.length === 0 ? 'ok, so the gateway is the limit' : `also fails (${reasons.join('; ')}): harness-limited`}`);
  return { rate, pass: reasons.length === 0, reasons, run };
}

export interface StaircaseOptions {
  readonly rates: readonly number[];
  readonly criteria: Criteria;
  /** A rate already known to pass (e.g. the latency phase's), the floor for refinement; 0 if none. */
  readonly knownGood: number;
  /** Bisection runs between the last passing and the first failing rate. */
  readonly refineSteps: number;
  /** The process stepped (default the gateway). */
  readonly target?: Target;
  /** Re-run the first failing rate directly against the mock (default true). */
  readonly directCheck?: boolean;
}

/** Round to a "nice" step of 250 RPS (or 50 below 1,000). */
function niceRate(v: number): number {
  const unit = v < 1000 ? 50 : 250;
  return Math.max(unit, Math.round(v / unit) * unit);
}

/**
 * Step the rate up via the gateway until a step fails the criteria, then bisect between the last passing and the
 * failing rate `refineSteps` times, and finally re-run the failing rate directly to see who gave out.
 */
export async function throughputPhase(env: BenchEnv, opts: StaircaseOptions, log: (s: string) => void): Promise<ThroughputPhase> {
  const { criteria } = opts;
  const steps: StepResult[] = [];
  let best = 0;
  let failed = 0;
  const target = opts.target ?? 'gateway';
  for (const rate of opts.rates) {
    const s = await step(env, target, rate, criteria, log);
    steps.push(s);
    if (!s.pass) {
      failed = rate;
      break;
    }
    best = rate;
  }
  if (failed === 0) return { criteria, steps, max_sustained_rps: best, direct_check: null };
  let lo = Math.max(best, opts.knownGood < failed ? opts.knownGood : 0);
  let hi = failed;
  // When even the first step failed, bisect further down so the figure is not 0 for want of a low enough step.
  const refine = best === 0 ? opts.refineSteps + 2 : opts.refineSteps;
  for (let i = 0; i < refine; i++) {
    const mid = niceRate((lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    const s = await step(env, target, mid, criteria, log);
    steps.push(s);
    if (s.pass) lo = mid;
    else hi = mid;
    if (s.pass) best = Math.max(best, mid);
  }
  const check = opts.directCheck === false ? null : await directCheck(env, failed, criteria, log);
  return { criteria, steps, max_sustained_rps: best, direct_check: check };
}
