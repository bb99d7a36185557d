// The phases that compare the gateway with the bare-Node floor (bench/floor.ts) in the same run: closed-loop
// throughput, request bodies of several sizes, and streams and translated pairs (TTFB, CPU per forwarded event).
// Each figure has the direct baseline (the mock alone) beside it. Issue 12 points 1 and 5.
import { measuredRun, settle } from './phases.ts';
import type { BenchEnv, RunOptions, RunResult, Target } from './phases.ts';
import { ANTHROPIC_STREAM_EVENTS, OPENAI_STREAM_EVENTS } from './mock-upstream.ts';
import { BENCH_CLAUDE_MODEL, BENCH_MODEL } from './gateway-config.ts';

type Log = (s: string) => void;

const round1 = (v: number): number => Math.round(v * 10) / 10;
/** a ÷ b as a percentage with one decimal; null when either is missing or b is 0. */
export const pct = (a: number | null | undefined, b: number | null | undefined): number | null =>
  a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round1((a / b) * 100);

export interface TrioRuns {
  readonly direct: RunResult | null;
  readonly floor: RunResult;
  readonly gateway: RunResult;
}

async function run(env: BenchEnv, target: Target, rate: number, o: RunOptions, log: Log, what: string): Promise<RunResult> {
  log(`${what}: ${target}…`);
  const r = await measuredRun(env, target, rate, o);
  const l = r.load;
  log(`  ${l.mode === 'closed' ? `${l.achieved_rps} RPS` : `achieved ${l.achieved_rps} RPS`}, p50 ${l.latency.p50_ms} ms, ` +
    `p99 ${l.latency.p99_ms} ms, errors ${l.errors + l.timeouts}, non-2xx ${l.non2xx}` +
    `${l.error_samples.length > 0 ? ` (first: ${l.error_samples[0]?.slice(0, 160) ?? ''})` : ''}` +
    `${r.gateway_cpu_us_per_request === null ? '' : `, ${target} ${r.gateway_cpu_us_per_request} µs CPU/request`}, harness CPU ${r.harness_cpu_pct}%`);
  await settle(env, log);
  return r;
}

/** direct (optional), floor and gateway with the same load, back to back. */
async function trio(env: BenchEnv, rate: number, o: RunOptions, log: Log, what: string, withDirect: boolean,
  floorOpts: RunOptions = o, directOpts: RunOptions = floorOpts): Promise<TrioRuns> {
  const direct = withDirect ? await run(env, 'direct', rate, directOpts, log, what) : null;
  const floor = await run(env, 'floor', rate, floorOpts, log, what);
  const gateway = await run(env, 'gateway', rate, o, log, what);
  return { direct, floor, gateway };
}

export interface ClosedLoopPhase {
  readonly connections: number;
  readonly runs: TrioRuns;
  /** Gateway RPS ÷ floor RPS, %. */
  readonly gateway_pct_of_floor: number | null;
  /** Gateway RSS right after this run (sustained load at `connections` connections), MB. */
  readonly rss_after_mb: number;
}

/** Max throughput with `connections` closed-loop clients: direct, floor, gateway. */
export async function closedLoopPhase(env: BenchEnv, connections: number, durationS: number, log: Log,
  rss: () => number): Promise<ClosedLoopPhase> {
  const o: RunOptions = { closed: true, connections, durationS };
  const direct = await run(env, 'direct', 0, o, log, `closed loop ×${connections}`);
  const floor = await run(env, 'floor', 0, o, log, `closed loop ×${connections}`);
  log(`closed loop ×${connections}: gateway…`);
  const gateway = await measuredRun(env, 'gateway', 0, o);
  const rssAfter = rss();
  log(`  ${gateway.load.achieved_rps} RPS, p99 ${gateway.load.latency.p99_ms} ms, ${gateway.gateway_cpu_us_per_request} µs CPU/request, RSS ${rssAfter} MB`);
  await settle(env, log);
  return {
    connections, runs: { direct, floor, gateway }, rss_after_mb: rssAfter,
    gateway_pct_of_floor: pct(gateway.load.achieved_rps, floor.load.achieved_rps),
  };
}

export interface BodySizeResult {
  readonly label: string;
  readonly bytes: number;
  readonly runs: TrioRuns;
  readonly gateway_pct_of_floor: number | null;
}

export const BODY_SIZES: readonly { readonly label: string; readonly bytes: number }[] = [
  { label: '1 KiB', bytes: 1024 }, { label: '256 KiB', bytes: 256 * 1024 }, { label: '2 MiB', bytes: 2 * 1024 * 1024 },
];

/** Closed loop with a few connections per body size: throughput and latency of floor and gateway (and direct). */
export async function bodySizePhase(env: BenchEnv, connections: number, durationS: number, withDirect: boolean,
  log: Log): Promise<BodySizeResult[]> {
  const out: BodySizeResult[] = [];
  for (const { label, bytes } of BODY_SIZES) {
    const runs = await trio(env, 0, { closed: true, connections, durationS, bodyBytes: bytes }, log, `body ${label} closed loop ×${connections}`, withDirect);
    out.push({ label, bytes, runs, gateway_pct_of_floor: pct(runs.gateway.load.achieved_rps, runs.floor.load.achieved_rps) });
  }
  return out;
}

export interface PairScenario {
  readonly name: string;
  readonly client: 'openai' | 'anthropic';
  readonly upstream: 'openai' | 'anthropic';
  readonly stream: boolean;
}

export const SCENARIOS: readonly PairScenario[] = [
  { name: 'OpenAI chat → OpenAI (passthrough)', client: 'openai', upstream: 'openai', stream: false },
  { name: 'OpenAI chat → OpenAI (passthrough), stream', client: 'openai', upstream: 'openai', stream: true },
  { name: 'OpenAI chat client → Anthropic upstream', client: 'openai', upstream: 'anthropic', stream: false },
  { name: 'OpenAI chat client → Anthropic upstream, stream', client: 'openai', upstream: 'anthropic', stream: true },
  { name: 'Anthropic client → OpenAI upstream', client: 'anthropic', upstream: 'openai', stream: false },
  { name: 'Anthropic client → OpenAI upstream, stream', client: 'anthropic', upstream: 'openai', stream: true },
];

export interface ScenarioResult {
  readonly scenario: PairScenario;
  /** Upstream SSE events per stream (0 for non-stream). */
  readonly events: number;
  readonly gateway: RunResult;
  /** The same upstream call made directly, and through the floor (shared between scenarios with the same upstream). */
  readonly direct: RunResult;
  readonly floor: RunResult;
  readonly added_p50_ms: number;
  readonly added_p99_ms: number;
  /** Gateway TTFB − direct TTFB at p50 / p99 (streams: the time to the response head). */
  readonly added_ttfb_p50_ms: number;
  readonly added_ttfb_p99_ms: number;
  /** Floor CPU per request ÷ gateway CPU per request, %: the gateway's CPU efficiency against the floor. */
  readonly cpu_efficiency_vs_floor_pct: number | null;
  /** Gateway CPU per request ÷ upstream events (streams only). */
  readonly cpu_us_per_event: number | null;
  /**
   * (gateway CPU per stream request − per non-stream request of the same pair) ÷ events: the in-process cost of
   * forwarding (and translating) one event, HTTP exchange excluded (streams only).
   */
  readonly marginal_cpu_us_per_event: number | null;
}

const upstreamOpts = (upstream: 'openai' | 'anthropic', stream: boolean): RunOptions => (upstream === 'openai'
  ? { path: '/v1/chat/completions', dialect: 'openai', model: BENCH_MODEL, stream }
  : { path: '/v1/messages', dialect: 'anthropic', model: 'claude-bench', stream });

const clientOpts = (s: PairScenario): RunOptions => ({
  path: s.client === 'openai' ? '/v1/chat/completions' : '/v1/messages', dialect: s.client,
  model: s.upstream === 'openai' ? BENCH_MODEL : BENCH_CLAUDE_MODEL, stream: s.stream,
});

const diff = (a: number, b: number): number => Math.round((a - b) * 1000) / 1000;

/**
 * Streams and translated pairs at a fixed open-loop rate: each scenario via the gateway, beside the same upstream
 * call made directly and through the floor (run once per upstream dialect and stream mode).
 */
export async function pairsPhase(env: BenchEnv, rate: number, durationS: number, log: Log,
  scenarios: readonly PairScenario[] = SCENARIOS): Promise<ScenarioResult[]> {
  const baselines = new Map<string, { direct: RunResult; floor: RunResult }>();
  const out: ScenarioResult[] = [];
  for (const s of scenarios) {
    const key = `${s.upstream}/${String(s.stream)}`;
    let base = baselines.get(key);
    const up = { ...upstreamOpts(s.upstream, s.stream), durationS };
    if (base === undefined) {
      const what = `${s.upstream} upstream${s.stream ? ', stream' : ''} at ${rate} RPS`;
      base = { direct: await run(env, 'direct', rate, up, log, what), floor: await run(env, 'floor', rate, up, log, what) };
      baselines.set(key, base);
    }
    const gateway = await run(env, 'gateway', rate, { ...clientOpts(s), durationS }, log, `${s.name} at ${rate} RPS`);
    const events = s.stream ? (s.upstream === 'openai' ? OPENAI_STREAM_EVENTS : ANTHROPIC_STREAM_EVENTS) : 0;
    const cpu = gateway.gateway_cpu_us_per_request;
    const nonStream = out.find((r) => r.scenario.client === s.client && r.scenario.upstream === s.upstream && !r.scenario.stream);
    const nsCpu = nonStream?.gateway.gateway_cpu_us_per_request ?? null;
    out.push({
      scenario: s, events, gateway, direct: base.direct, floor: base.floor,
      added_p50_ms: diff(gateway.load.latency.p50_ms, base.direct.load.latency.p50_ms),
      added_p99_ms: diff(gateway.load.latency.p99_ms, base.direct.load.latency.p99_ms),
      added_ttfb_p50_ms: diff(gateway.load.ttfb.p50_ms, base.direct.load.ttfb.p50_ms),
      added_ttfb_p99_ms: diff(gateway.load.ttfb.p99_ms, base.direct.load.ttfb.p99_ms),
      cpu_efficiency_vs_floor_pct: pct(base.floor.gateway_cpu_us_per_request, cpu),
      cpu_us_per_event: s.stream && cpu !== null ? round1(cpu / events) : null,
      marginal_cpu_us_per_event: s.stream && cpu !== null && nsCpu !== null ? round1((cpu - nsCpu) / events) : null,
    });
  }
  return out;
}
