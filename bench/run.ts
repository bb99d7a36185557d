// `npm run bench`: the macro benchmark. Spawns the mock upstream and the load generator (pinned to CPU 0), and the
// gateway and the bare-Node pass-through floor (bench/floor.ts; both pinned to CPU 1, loaded one at a time), then
// measures in the same run: latency against the direct baseline and the floor, closed-loop throughput and the
// highest sustained open-loop rate of floor and gateway, request bodies of 1 KiB / 256 KiB / 2 MiB, streams and
// translated pairs (TTFB, CPU per forwarded event), and RSS idle / after load / after 60 s idle; prints each
// figure of issue 12 beside its goal and writes bench/results/latest.json. `--quick` (npm run bench:quick) is the
// ~1 minute version: shorter runs, fewer steps, no 60 s idle wait. See docs/benchmarking.md.
import { existsSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { formatProfile, summariseProfile } from './cpu-profile.ts';
import { writeBenchConfig } from './gateway-config.ts';
import { bodySizePhase, closedLoopPhase, pairsPhase, pct, SCENARIOS } from './floor-phases.ts';
import type { FloorSuite, MemoryFigures } from './goals.ts';
import { judgeStep, latencyPhase, measuredRun, settle, throughputPhase } from './phases.ts';
import type { BenchEnv, Criteria, Target } from './phases.ts';
import type { TranslateBenchResult } from './micro/translate.bench.ts';
import { allStdout, clockTicksPerSecond, commandExists, cpuSample, createProcessGroup, statusMb } from './procs.ts';
import type { ProcessGroup } from './procs.ts';
import { buildResults, DEFAULT_TARGETS, formatSummary, writeResults } from './report.ts';
import type { Environment, Memory } from './report.ts';
import { checkGateway, startFloor, startGateway, startMock, waitReady } from './services.ts';
import type { Gateway } from './services.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DEFAULT_GATEWAY_ENTRY = join(ROOT, 'cmd/switchyard.ts');
const RESULTS_DIR = join(ROOT, 'bench/results');
/** Open-loop staircase rates as fractions of the target's own closed-loop throughput (measured just before). */
const FULL_LADDER = [0.6, 0.8, 1.0, 1.2];
const QUICK_LADDER = [0.7, 0.9, 1.1];

interface Flags {
  readonly durationS: number;
  readonly warmupS: number;
  readonly quick: boolean;
  readonly rate: number;
  /** Explicit open-loop staircase rates (both floor and gateway); null: derived from closed-loop throughput. */
  readonly steps: readonly number[] | null;
  readonly connections: number;
  /** Closed-loop connections for the max-throughput comparison (issue 12: 50). */
  readonly closedConnections: number;
  /** Closed-loop connections per body size. */
  readonly bodyConnections: number;
  /** Open-loop rate of the streams and translated pairs phase. */
  readonly pairsRate: number;
  /** Seconds without requests before the last RSS reading (0: skipped). */
  readonly idleWaitS: number;
  readonly maxP99Ms: number;
  /** Profile mode: one gateway run at --rate with --cpu-prof, then a self-time summary. */
  readonly profile: boolean;
  /** The gateway's entry script (default cmd/switchyard.ts; another checkout's to compare builds). */
  readonly gatewayEntry: string;
  /** taskset CPU lists: the gateway's core, and the cores the generator and mock share. */
  readonly gatewayCpu: string;
  readonly harnessCpus: string;
  /** Run the micro-benchmarks (bench/micro/) first; --no-micro skips them. */
  readonly micro: boolean;
}

function cpuList(v: string, name: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) throw new Error(`--${name} must be a CPU list such as 1 or 0,2-3`);
  return v;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' }, warmup: { type: 'string' }, quick: { type: 'boolean', default: false },
      rate: { type: 'string' }, steps: { type: 'string' }, connections: { type: 'string', default: '128' },
      'closed-connections': { type: 'string', default: '50' }, 'body-connections': { type: 'string', default: '8' },
      'pairs-rate': { type: 'string', default: '500' }, 'idle-wait': { type: 'string' }, 'no-idle-wait': { type: 'boolean', default: false },
      'max-p99': { type: 'string', default: '50' }, profile: { type: 'boolean', default: false },
      gateway: { type: 'string', default: DEFAULT_GATEWAY_ENTRY },
      'gateway-cpu': { type: 'string', default: '1' }, 'harness-cpus': { type: 'string', default: '0' },
      'no-micro': { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  const num = (v: string | undefined, dflt: number, name: string): number => {
    const n = v === undefined ? dflt : Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const steps = values.steps === undefined ? null : values.steps.split(',').map((s) => num(s.trim(), 0, 'steps'));
  const idleWait = values['no-idle-wait'] ? 0 : values['idle-wait'] === undefined ? (quick ? 0 : 60) : Number(values['idle-wait']);
  if (!Number.isFinite(idleWait) || idleWait < 0) throw new Error('--idle-wait must be a number of seconds ≥ 0');
  return {
    durationS: Math.min(120, num(values.duration, quick ? 1 : 3, 'duration')),
    warmupS: Math.min(30, num(values.warmup, quick ? 0.3 : 1, 'warmup')),
    quick, steps, rate: num(values.rate, values.profile ? 4000 : 1000, 'rate'),
    closedConnections: num(values['closed-connections'], 50, 'closed-connections'),
    bodyConnections: num(values['body-connections'], 8, 'body-connections'),
    pairsRate: num(values['pairs-rate'], 500, 'pairs-rate'), idleWaitS: idleWait,
    connections: num(values.connections, 128, 'connections'), maxP99Ms: num(values['max-p99'], 50, 'max-p99'),
    profile: values.profile, gatewayEntry: values.gateway,
    gatewayCpu: cpuList(values['gateway-cpu'], 'gateway-cpu'), harnessCpus: cpuList(values['harness-cpus'], 'harness-cpus'),
    micro: !values['no-micro'],
  };
}

function environment(flags: Flags, pinned: boolean, pinning: string): Environment {
  return {
    node_version: process.version, cpu_model: os.cpus()[0]?.model.trim() ?? 'unknown', cpus: os.cpus().length,
    pinned, pinning, loadavg_at_start: os.loadavg().map((v) => Math.round(v * 100) / 100),
    duration_s: flags.durationS, warmup_s: flags.warmupS, connections: flags.connections, quick: flags.quick,
  };
}

interface Stack {
  readonly env: BenchEnv;
  readonly gateway: Gateway;
}

interface Ctx {
  readonly group: ProcessGroup;
  readonly flags: Flags;
  readonly log: (s: string) => void;
  /** Temporary directories removed when the process exits, however it exits (short of SIGKILL). */
  readonly tempDirs: Set<string>;
}

async function startStack(ctx: Ctx, nodeFlags: string[]): Promise<Stack> {
  const { group, flags, log } = ctx;
  const mock = await startMock(group, flags.harnessCpus);
  const floor = await startFloor(group, flags.gatewayCpu, mock.port);
  const cfg = await writeBenchConfig(mock.port);
  ctx.tempDirs.add(cfg.dir);
  log(`mock upstream on 127.0.0.1:${mock.port}; starting gateway with config ${cfg.dir}`);
  const gateway = await startGateway(group, { entry: flags.gatewayEntry, configDir: cfg.dir, cpu: flags.gatewayCpu, nodeFlags });
  await waitReady(gateway, 30_000);
  await checkGateway(gateway, cfg.apiKey);
  const env: BenchEnv = {
    group, ticksPerSecond: clockTicksPerSecond(), apiKey: cfg.apiKey, generatorCpu: flags.harnessCpus,
    origins: { direct: `http://127.0.0.1:${mock.port}`, floor: `http://127.0.0.1:${floor.port}`, gateway: `http://127.0.0.1:${gateway.port}` },
    gatewayPid: gateway.proc.pid, mockPid: mock.proc.pid, floorPid: floor.proc.pid,
    connections: flags.connections, durationS: flags.durationS, warmupS: flags.warmupS,
  };
  return { env, gateway };
}

/** The micro-benchmarks of the source tree (not of --gateway), pinned to the gateway's core before it starts. */
async function microPhase(ctx: Ctx): Promise<{ readonly translate: TranslateBenchResult }> {
  const { group, flags, log } = ctx;
  log('micro-benchmark: stream translation CPU per event…');
  const proc = group.spawnNode({
    name: 'translate.bench', cpu: flags.gatewayCpu, stdout: 'pipe',
    args: [join(ROOT, 'bench/micro/translate.bench.ts'), '--json', ...(flags.quick ? ['--quick'] : [])],
  });
  return { translate: JSON.parse(await allStdout(proc)) as TranslateBenchResult };
}

/** Open-loop rates for `target`: explicit --steps, or fractions of its closed-loop throughput, rounded. */
function ladder(flags: Flags, closedRps: number): number[] {
  if (flags.steps !== null) return [...flags.steps];
  const unit = closedRps < 2000 ? 50 : 250;
  const rates = (flags.quick ? QUICK_LADDER : FULL_LADDER).map((f) => Math.max(unit, Math.round((closedRps * f) / unit) * unit));
  return [...new Set(rates)];
}

async function benchmark(ctx: Ctx, environ: Environment): Promise<void> {
  const { flags, log } = ctx;
  const micro = flags.micro ? await microPhase(ctx) : null;
  const { env } = await startStack(ctx, []);
  const gw = env.gatewayPid;
  const rss = (): number => statusMb(gw, 'VmRSS');
  const c0 = cpuSample(gw, env.ticksPerSecond).cpuUs;
  await sleep(2000);
  const idleCpuPct = Math.round(((cpuSample(gw, env.ticksPerSecond).cpuUs - c0) / 2e6) * 1000) / 10;
  const rssIdle = rss();
  log(`gateway ready (pid ${gw}), floor pid ${env.floorPid}; idle RSS ${rssIdle} MB, idle CPU ${idleCpuPct}%`);
  // JIT warm-up of gateway and floor (not recorded), so the first measured run does not pay for compilation.
  const warm = Math.max(1, flags.warmupS * 3);
  log(`warming floor and gateway up at ${flags.rate} RPS for ${warm} s each…`);
  for (const t of ['floor', 'gateway'] as const) await measuredRun({ ...env, durationS: warm, warmupS: 0 }, t, flags.rate);
  await settle(env, log);
  await sleep(1000);
  const rssWarm = rss();
  const lat = await latencyPhase(env, flags.rate, log);
  const criteria: Criteria = { maxErrorRate: 0.001, maxP99Ms: flags.maxP99Ms, minAchievedRatio: 0.97 };
  const closed = await closedLoopPhase(env, flags.closedConnections, flags.durationS, log, rss);
  const refineSteps = flags.quick ? 1 : 2;
  const open = async (target: Target, closedRps: number, knownGood: number) =>
    throughputPhase(env, { target, rates: ladder(flags, closedRps), criteria, knownGood, refineSteps, directCheck: !flags.quick }, log);
  const openFloor = await open('floor', closed.runs.floor.load.achieved_rps,
    lat.floor !== null && judgeStep(lat.floor.load, criteria).length === 0 ? flags.rate : 0);
  const openGateway = await open('gateway', closed.runs.gateway.load.achieved_rps,
    judgeStep(lat.gateway.load, criteria).length === 0 ? flags.rate : 0);
  const bodies = await bodySizePhase(env, flags.bodyConnections, flags.durationS, !flags.quick, log);
  const pairs = await pairsPhase(env, flags.pairsRate, flags.durationS, log, SCENARIOS);
  const rssAfterLoad = rss();
  let rssAfterIdle: number | null = null;
  if (flags.idleWaitS > 0) {
    log(`RSS after all load ${rssAfterLoad} MB; waiting ${flags.idleWaitS} s idle (--no-idle-wait skips this)…`);
    await sleep(flags.idleWaitS * 1000);
    rssAfterIdle = rss();
  }
  const memory: MemoryFigures = {
    rss_idle_mb: rssIdle, rss_idle_after_warmup_mb: rssWarm, rss_after_sustained_load_mb: closed.rss_after_mb,
    rss_after_load_mb: rssAfterLoad, rss_after_idle_mb: rssAfterIdle, idle_wait_s: flags.idleWaitS,
    rss_peak_mb: statusMb(gw, 'VmHWM'), idle_cpu_pct: idleCpuPct,
  };
  const suite: FloorSuite = {
    closed, bodies, pairs, memory,
    open: { floor: openFloor, gateway: openGateway, gateway_pct_of_floor: pct(openGateway.max_sustained_rps, openFloor.max_sustained_rps) },
  };
  const mem: Memory = { rss_idle_mb: rssIdle, rss_after_mb: rssAfterLoad, rss_peak_mb: memory.rss_peak_mb, idle_cpu_pct: idleCpuPct };
  const results = buildResults(environ, lat, openGateway, mem, DEFAULT_TARGETS, micro, suite);
  process.stdout.write(formatSummary(results));
  const paths = await writeResults(RESULTS_DIR, results);
  log(`wrote ${paths.join(', ')}`);
}

async function profile(ctx: Ctx): Promise<void> {
  const { flags, log } = ctx;
  const dir = join(RESULTS_DIR, `profile-${Date.now()}`);
  const stack = await startStack(ctx, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  log(`profiling the gateway at ${flags.rate} RPS for ${flags.durationS} s (after ${flags.warmupS} s warm-up, not profiled)…`);
  // Profile timestamps are CLOCK_MONOTONIC µs like hrtime: count samples from the end of the warm-up only.
  const fromUs = Number(process.hrtime.bigint() / 1000n) + (flags.warmupS + 0.3) * 1e6;
  const run = await measuredRun(stack.env, 'gateway', flags.rate);
  log(`p50 ${run.load.latency.p50_ms} ms, p99 ${run.load.latency.p99_ms} ms, achieved ${run.load.achieved_rps} RPS, ` +
    `gateway CPU ${run.gateway_cpu_pct}%, ${run.gateway_cpu_us_per_request} µs/request`);
  stack.gateway.proc.child.kill('SIGTERM');
  const exited = await Promise.race([stack.gateway.proc.exited.then(() => true), sleep(10_000).then(() => false)]);
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')) : [];
  const file = files[0];
  if (!exited || file === undefined) throw new Error('the gateway wrote no .cpuprofile (it must exit cleanly on SIGTERM)');
  const summary = summariseProfile(JSON.parse(await readFile(join(dir, file), 'utf8')), 30, fromUs);
  process.stdout.write(`${formatProfile(summary)}\nprofile: ${join(dir, file)}\n`);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (!existsSync(flags.gatewayEntry)) throw new Error(`${flags.gatewayEntry} does not exist`);
  const pinned = commandExists('taskset') && os.cpus().length >= 2;
  const pinning = pinned ? `pinned: gateway and floor on CPU ${flags.gatewayCpu}, generator + mock on CPU ${flags.harnessCpus}`
    : `unpinned (${commandExists('taskset') ? 'fewer than 2 CPUs' : 'taskset not found'})`;
  const group = createProcessGroup(pinned, commandExists('setpriv'));
  const started = performance.now();
  const log = (s: string): void => {
    process.stderr.write(`[bench +${Math.round((performance.now() - started) / 1000)}s] ${s}\n`);
  };
  const tempDirs = new Set<string>();
  process.once('exit', () => {
    group.killAllSync();
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping`);
      void group.stopAll(1000).finally(() => process.exit(130));
    });
  }
  // At most ~55 load runs (latency 3, closed loop 3, two staircases, bodies 9, pairs 14) plus the idle wait.
  const runs = flags.profile ? 1 : 55 + (flags.micro ? 6 : 0);
  const budgetMs = (runs * (flags.durationS + flags.warmupS + 5) + flags.idleWaitS + 120) * 1000;
  const watchdog = setTimeout(() => {
    log(`run exceeded its ${Math.round(budgetMs / 1000)} s budget: stopping`);
    void group.stopAll(1000).finally(() => process.exit(2));
  }, budgetMs);
  watchdog.unref();
  log(pinning);
  try {
    const ctx: Ctx = { group, flags, log, tempDirs };
    if (flags.profile) await profile(ctx);
    else await benchmark(ctx, environment(flags, pinned, pinning));
  } finally {
    await group.stopAll();
    clearTimeout(watchdog);
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
