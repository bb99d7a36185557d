// The figures of issue 12 point 5 beside their goals: the table `npm run bench` prints last, and the printed
// sections for the floor comparison (closed and open loop, body sizes, streams and translated pairs, memory).
import type { BodySizeResult, ClosedLoopPhase, ScenarioResult } from './floor-phases.ts';
import type { LatencyPhase, RunResult, ThroughputPhase } from './phases.ts';
import type { TranslateBenchResult } from './micro/translate.bench.ts';

export interface MemoryFigures {
  /** Right after startup, before any request. */
  readonly rss_idle_mb: number;
  /** After the warm-up run, once the gateway is idle again: the reference for the 60 s idle check. */
  readonly rss_idle_after_warmup_mb: number;
  /** Right after the closed-loop run at 50 connections. */
  readonly rss_after_sustained_load_mb: number;
  /** At the end of every load phase. */
  readonly rss_after_load_mb: number;
  /** After 60 s without requests (null when skipped with --no-idle-wait). */
  readonly rss_after_idle_mb: number | null;
  readonly idle_wait_s: number;
  readonly rss_peak_mb: number;
  readonly idle_cpu_pct: number;
}

export interface FloorSuite {
  readonly closed: ClosedLoopPhase;
  readonly open: { readonly floor: ThroughputPhase; readonly gateway: ThroughputPhase; readonly gateway_pct_of_floor: number | null };
  readonly bodies: readonly BodySizeResult[];
  readonly pairs: readonly ScenarioResult[];
  readonly memory: MemoryFigures;
}

/** 'unreliable': the floor or the gateway waited for its CPU over UNRELIABLE_WAIT_PCT of a run (other processes on its core). */
export type Verdict = 'met' | 'not met' | 'not measured' | 'unreliable';

/** Run-queue wait (% of a run's wall time) above which a floor comparison says more about the machine than the gateway. */
export const UNRELIABLE_WAIT_PCT = 25;

const waited = (runs: readonly RunResult[]): number => Math.max(0, ...runs.map((r) => r.gateway_runqueue_wait_pct ?? 0));
const cpuRatio = (floor: RunResult, gateway: RunResult): number | null => {
  const f = floor.gateway_cpu_us_per_request;
  const g = gateway.gateway_cpu_us_per_request;
  return f === null || g === null || g === 0 ? null : Math.round((f / g) * 1000) / 10;
};

export interface GoalRow {
  readonly figure: string;
  readonly value: string;
  readonly goal: string;
  readonly verdict: Verdict;
}

const fmt = (v: number | null, unit: string): string => (v === null || !Number.isFinite(v) ? 'n/a' : `${v}${unit}`);
const judge = (v: number | null, ok: (x: number) => boolean): Verdict => (v === null || !Number.isFinite(v) ? 'not measured' : ok(v) ? 'met' : 'not met');

/** Every figure of issue 12 point 5 with its goal and whether this run met it. */
export function goalRows(s: FloorSuite, lat: LatencyPhase, micro: TranslateBenchResult | null): GoalRow[] {
  const m = s.memory;
  const translated = s.pairs.filter((p) => p.scenario.stream && p.scenario.client !== p.scenario.upstream);
  const worstMarginal = translated.length === 0 ? null
    : Math.max(...translated.map((p) => p.marginal_cpu_us_per_event ?? Number.NaN));
  const back = m.rss_after_idle_mb === null ? null
    : Math.round(((m.rss_after_idle_mb - m.rss_idle_after_warmup_mb) / m.rss_idle_after_warmup_mb) * 1000) / 10;
  const cr = s.closed.runs;
  const closedWait = waited([cr.floor, cr.gateway]);
  const openWait = waited([...s.open.floor.steps, ...s.open.gateway.steps]);
  const contended = (v: Verdict, wait: number): Verdict => (v !== 'not measured' && wait > UNRELIABLE_WAIT_PCT ? 'unreliable' : v);
  const rows: GoalRow[] = [
    { figure: `closed-loop throughput, % of the bare-Node floor (×${s.closed.connections} connections)`,
      value: `${fmt(s.closed.gateway_pct_of_floor, ' %')} (${cr.gateway.load.achieved_rps} / ${cr.floor.load.achieved_rps} RPS)`,
      goal: '≥ 65 %', verdict: contended(judge(s.closed.gateway_pct_of_floor, (v) => v >= 65), closedWait) },
    { figure: '  same run, floor CPU/request ÷ gateway CPU/request (immune to CPU contention)',
      value: `${fmt(cpuRatio(cr.floor, cr.gateway), ' %')} (${cr.floor.gateway_cpu_us_per_request} / ${cr.gateway.gateway_cpu_us_per_request} µs)`,
      goal: '≥ 65 %', verdict: judge(cpuRatio(cr.floor, cr.gateway), (v) => v >= 65) },
    { figure: 'open-loop sustained rate (p99 ≤ 50 ms), % of the floor',
      value: `${fmt(s.open.gateway_pct_of_floor, ' %')} (${s.open.gateway.max_sustained_rps} / ${s.open.floor.max_sustained_rps} RPS)`,
      goal: '≥ 55 %', verdict: contended(judge(s.open.gateway_pct_of_floor, (v) => v >= 55), openWait) },
    { figure: `p50 added latency at ${lat.rate} RPS open loop`, value: fmt(lat.added_p50_ms, ' ms'), goal: '≤ 0.3 ms',
      verdict: contended(judge(lat.added_p50_ms, (v) => v <= 0.3), waited([lat.gateway])) },
    { figure: `p99 added latency at ${lat.rate} RPS open loop`, value: fmt(lat.added_p99_ms, ' ms'), goal: '≤ 1.5 ms',
      verdict: contended(judge(lat.added_p99_ms, (v) => v <= 1.5), waited([lat.gateway])) },
    { figure: 'translation CPU per forwarded stream event (bench:micro, slowest translated pair)',
      value: fmt(micro?.translated_max_cpu_us_per_event ?? null, ' µs'), goal: '≤ 15 µs',
      verdict: judge(micro?.translated_max_cpu_us_per_event ?? null, (v) => v <= 15) },
    { figure: 'gateway CPU per forwarded event, translated streams in the process (marginal over non-stream)',
      value: fmt(worstMarginal, ' µs'), goal: '≤ 15 µs', verdict: judge(worstMarginal, (v) => v <= 15) },
    { figure: 'RSS idle (after startup)', value: fmt(m.rss_idle_mb, ' MB'), goal: '≤ 80 MB', verdict: judge(m.rss_idle_mb, (v) => v <= 80) },
    { figure: `RSS after sustained load at ${s.closed.connections} connections`, value: fmt(m.rss_after_sustained_load_mb, ' MB'),
      goal: '≤ 150 MB', verdict: judge(m.rss_after_sustained_load_mb, (v) => v <= 150) },
    { figure: `RSS after ${m.idle_wait_s > 0 ? m.idle_wait_s : 60} s idle vs idle after warm-up (${m.rss_idle_after_warmup_mb} MB)`,
      value: m.rss_after_idle_mb === null ? 'skipped (--no-idle-wait)' : `${m.rss_after_idle_mb} MB (${back !== null && back >= 0 ? '+' : ''}${fmt(back, ' %')})`,
      goal: 'within 10 %', verdict: judge(back, (v) => v <= 10) },
    { figure: 'RSS with 1,000 concurrent streams', value: 'npm run load:d2', goal: '≤ 200 MB', verdict: 'not measured' },
    { figure: 'sync: one route changed at 10,000 routes, compile, new proxy', value: 'npm run bench:operator',
      goal: 'p99 ≤ 1 s, first ≤ 300 ms, …', verdict: 'not measured' },
  ];
  return rows;
}

/** The goal table as fixed-width text. */
export function formatGoalTable(rows: readonly GoalRow[], warnings: readonly string[] = []): string {
  const w1 = Math.max(6, ...rows.map((r) => r.figure.length));
  const w2 = Math.max(5, ...rows.map((r) => r.value.length));
  const w3 = Math.max(4, ...rows.map((r) => r.goal.length));
  const line = (a: string, b: string, c: string, d: string): string => `  ${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c.padEnd(w3)}  ${d}`;
  return [
    'Goals (issue 12 point 5):',
    line('figure', 'value', 'goal', 'met?'),
    line('-'.repeat(w1), '-'.repeat(w2), '-'.repeat(w3), '-'.repeat(12)),
    ...rows.map((r) => line(r.figure, r.value, r.goal, r.verdict)),
    ...(rows.some((r) => r.verdict === 'unreliable')
      ? [`  unreliable: the floor or the gateway waited for its CPU over ${UNRELIABLE_WAIT_PCT} % of a run (other processes on its core); re-run on a quiet machine.`]
      : []),
    ...warnings.map((w) => `  ${w}`),
    '',
  ].join('\n');
}

const n = (v: number | null | undefined, d = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));

function runCells(r: RunResult | null): string {
  if (r === null) return 'n/a';
  const l = r.load;
  return `${String(Math.round(l.achieved_rps)).padStart(6)} RPS  p50 ${n(l.latency.p50_ms, 2).padStart(7)}  p99 ${n(l.latency.p99_ms, 2).padStart(7)} ms` +
    `${r.gateway_cpu_us_per_request === null ? '' : `  ${n(r.gateway_cpu_us_per_request, 0).padStart(5)} µs CPU/req`}` +
    `${l.errors + l.timeouts + l.non2xx > 0 ? `  errors ${l.errors + l.timeouts + l.non2xx} ${JSON.stringify(l.status_codes)}` : ''}  (harness ${r.harness_cpu_pct}%)`;
}

/** The floor comparison sections of the summary. */
export function formatFloorSuite(s: FloorSuite, lat: LatencyPhase): string {
  const c = s.closed;
  const lines = [
    `Against the bare-Node floor (bench/floor.ts: node:http + undici Pool + JSON parse + usage; same core as the gateway):`,
    `  closed loop, ${c.connections} connections:`,
    `    direct   ${runCells(c.runs.direct)}`,
    `    floor    ${runCells(c.runs.floor)}`,
    `    gateway  ${runCells(c.runs.gateway)}   → ${n(c.gateway_pct_of_floor)} % of the floor`,
    `  open loop, highest sustained rate (p99 ≤ ${s.open.gateway.criteria.maxP99Ms} ms, errors < ${s.open.gateway.criteria.maxErrorRate * 100} %, achieved ≥ ${s.open.gateway.criteria.minAchievedRatio * 100} %):`,
    `    floor ${s.open.floor.max_sustained_rps} RPS (steps ${s.open.floor.steps.map((x) => `${x.rate}${x.pass ? '✓' : '✗'}`).join(' ')})`,
    `    gateway ${s.open.gateway.max_sustained_rps} RPS (steps ${s.open.gateway.steps.map((x) => `${x.rate}${x.pass ? '✓' : '✗'}`).join(' ')})` +
      `   → ${n(s.open.gateway_pct_of_floor)} % of the floor`,
  ];
  if (lat.floor !== null) {
    const f = lat.floor.load.latency;
    lines.push(`  at ${lat.rate} RPS: floor p50 ${n(f.p50_ms, 3)} p99 ${n(f.p99_ms, 3)} ms (${n(lat.floor.gateway_cpu_us_per_request, 0)} µs CPU/req), ` +
      `gateway p50 ${n(lat.gateway.load.latency.p50_ms, 3)} p99 ${n(lat.gateway.load.latency.p99_ms, 3)} ms (${n(lat.gateway.gateway_cpu_us_per_request, 0)} µs CPU/req)`);
  }
  lines.push('', `Request body sizes (closed loop, ${s.bodies[0]?.runs.gateway.load.connections ?? '?'} connections):`);
  for (const b of s.bodies) {
    lines.push(`  ${b.label.padEnd(8)} direct  ${runCells(b.runs.direct)}`,
      `  ${''.padEnd(8)} floor   ${runCells(b.runs.floor)}`,
      `  ${''.padEnd(8)} gateway ${runCells(b.runs.gateway)}   → ${n(b.gateway_pct_of_floor)} % of the floor`);
  }
  const rate = s.pairs[0]?.gateway.load.target_rps ?? 0;
  lines.push('', `Streams and translated pairs (open loop at ${rate} RPS; added = gateway − direct to the same upstream; ` +
    'CPU efficiency = floor CPU/req ÷ gateway CPU/req):');
  for (const p of s.pairs) {
    const g = p.gateway.load;
    lines.push(`  ${p.scenario.name}`,
      `    gateway p50 ${n(g.latency.p50_ms, 3)} p99 ${n(g.latency.p99_ms, 3)} ms (added ${n(p.added_p50_ms, 3)} / ${n(p.added_p99_ms, 3)})` +
      `${p.scenario.stream ? `, TTFB p50 ${n(g.ttfb.p50_ms, 3)} p99 ${n(g.ttfb.p99_ms, 3)} ms (added ${n(p.added_ttfb_p50_ms, 3)} / ${n(p.added_ttfb_p99_ms, 3)})` : ''}` +
      `${g.errors + g.timeouts + g.non2xx > 0 ? `, ERRORS ${g.errors + g.timeouts + g.non2xx} ${JSON.stringify(g.status_codes)}` : ''}`,
      ...(g.error_samples.length > 0 ? [`    first error: ${g.error_samples[0]?.slice(0, 200) ?? ''}`] : []),
      `    ${n(p.gateway.gateway_cpu_us_per_request, 0)} µs CPU/req (floor ${n(p.floor.gateway_cpu_us_per_request, 0)}, efficiency ${n(p.cpu_efficiency_vs_floor_pct)} %)` +
      `${p.scenario.stream ? `; ${p.events} events: ${n(p.cpu_us_per_event)} µs CPU/event, ${n(p.marginal_cpu_us_per_event)} µs marginal over non-stream` : ''}`);
  }
  const m = s.memory;
  lines.push('', `RSS: idle ${m.rss_idle_mb} MB, idle after warm-up ${m.rss_idle_after_warmup_mb} MB, after ${c.connections} connections ` +
    `${m.rss_after_sustained_load_mb} MB, after all load ${m.rss_after_load_mb} MB, ` +
    `${m.rss_after_idle_mb === null ? 'idle wait skipped' : `after ${m.idle_wait_s} s idle ${m.rss_after_idle_mb} MB`}, peak ${m.rss_peak_mb} MB; idle CPU ${m.idle_cpu_pct}%`, '');
  return lines.join('\n');
}
