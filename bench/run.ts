// `npm run bench`: the macro benchmark. Spawns the mock upstream and the load generator (pinned to CPU 0) and the
// gateway (pinned to CPU 1), then measures latency against a direct baseline, the highest sustained rate, CPU time
// per request and memory; prints a summary and writes bench/results/latest.json. See docs/benchmarking.md.
import { existsSync, rmSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { formatProfile, summariseProfile } from './cpu-profile.ts';
import { writeBenchConfig } from './gateway-config.ts';
import { judgeStep, latencyPhase, measuredRun, settle, throughputPhase } from './phases.ts';
import type { BenchEnv, Criteria } from './phases.ts';
import type { TranslateBenchResult } from './micro/translate.bench.ts';
import { allStdout, clockTicksPerSecond, commandExists, cpuSample, createProcessGroup, statusMb } from './procs.ts';
import type { ProcessGroup } from './procs.ts';
import { buildResults, DEFAULT_TARGETS, formatSummary, writeResults } from './report.ts';
import type { Environment, Memory } from './report.ts';
import { checkGateway, startGateway, startMock, waitReady } from './services.ts';
import type { Gateway } from './services.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DEFAULT_GATEWAY_ENTRY = join(ROOT, 'cmd/switchyard.ts');
const RESULTS_DIR = join(ROOT, 'bench/results');
const FULL_STEPS = [4000, 6000, 8000, 10000, 12000, 14000, 16000, 20000, 24000];
const QUICK_STEPS = [2000, 4000, 8000];

interface Flags {
  readonly durationS: number;
  readonly warmupS: number;
  readonly quick: boolean;
  readonly rate: number;
  readonly steps: readonly number[];
  readonly connections: number;
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
  const steps = values.steps === undefined ? (quick ? QUICK_STEPS : FULL_STEPS)
    : values.steps.split(',').map((s) => num(s.trim(), 0, 'steps'));
  return {
    durationS: Math.min(120, num(values.duration, quick ? 2 : 10, 'duration')),
    warmupS: Math.min(30, num(values.warmup, quick ? 1 : 3, 'warmup')),
    quick, steps, rate: num(values.rate, values.profile ? 4000 : 1000, 'rate'),
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
  const cfg = await writeBenchConfig(mock.port);
  ctx.tempDirs.add(cfg.dir);
  log(`mock upstream on 127.0.0.1:${mock.port}; starting gateway with config ${cfg.dir}`);
  const gateway = await startGateway(group, { entry: flags.gatewayEntry, configDir: cfg.dir, cpu: flags.gatewayCpu, nodeFlags });
  await waitReady(gateway, 30_000);
  await checkGateway(gateway, cfg.apiKey);
  const env: BenchEnv = {
    group, ticksPerSecond: clockTicksPerSecond(), apiKey: cfg.apiKey, generatorCpu: flags.harnessCpus,
    mockUrl: `http://127.0.0.1:${mock.port}/v1/chat/completions`,
    gatewayUrl: `http://127.0.0.1:${gateway.port}/v1/chat/completions`,
    gatewayPid: gateway.proc.pid, mockPid: mock.proc.pid,
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

async function benchmark(ctx: Ctx, environ: Environment): Promise<void> {
  const { flags, log } = ctx;
  const micro = flags.micro ? await microPhase(ctx) : null;
  const { env } = await startStack(ctx, []);
  const gw = env.gatewayPid;
  const c0 = cpuSample(gw, env.ticksPerSecond).cpuUs;
  await sleep(2000);
  const idleCpuPct = Math.round(((cpuSample(gw, env.ticksPerSecond).cpuUs - c0) / 2e6) * 1000) / 10;
  const rssIdle = statusMb(gw, 'VmRSS');
  log(`gateway ready (pid ${gw}), idle RSS ${rssIdle} MB, idle CPU ${idleCpuPct}%`);
  // JIT warm-up of the gateway (not recorded), so the first measured run does not pay for compilation.
  log(`warming the gateway up at ${flags.rate} RPS for ${flags.warmupS} s…`);
  await measuredRun({ ...env, durationS: flags.warmupS, warmupS: 0 }, 'gateway', flags.rate);
  await settle(env, log);
  const lat = await latencyPhase(env, flags.rate, log);
  const criteria: Criteria = { maxErrorRate: 0.001, maxP99Ms: flags.maxP99Ms, minAchievedRatio: 0.97 };
  const knownGood = judgeStep(lat.gateway.load, criteria).length === 0 ? flags.rate : 0;
  const tp = await throughputPhase(env, { rates: flags.steps, criteria, knownGood, refineSteps: flags.quick ? 1 : 3 }, log);
  const mem: Memory = {
    rss_idle_mb: rssIdle, rss_after_mb: statusMb(gw, 'VmRSS'), rss_peak_mb: statusMb(gw, 'VmHWM'), idle_cpu_pct: idleCpuPct,
  };
  const results = buildResults(environ, lat, tp, mem, DEFAULT_TARGETS, micro);
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
  const pinning = pinned ? `pinned: gateway on CPU ${flags.gatewayCpu}, generator + mock on CPU ${flags.harnessCpus}`
    : `unpinned (${commandExists('taskset') ? 'fewer than 2 CPUs' : 'taskset not found'})`;
  const group = createProcessGroup(pinned, commandExists('setpriv'));
  const log = (s: string): void => {
    process.stderr.write(`[bench] ${s}\n`);
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
  const phases = flags.profile ? 1 : 3 + flags.steps.length + 4 + (flags.micro ? 2 : 0);
  const budgetMs = (phases * (flags.durationS + flags.warmupS + 10) + 90) * 1000;
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
