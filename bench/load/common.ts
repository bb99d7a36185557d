// Shared parts of the load scripts (D1, D2): the fault upstream (test/support/fault-upstream.ts, the same fake the
// catalogue tests use, with realistic latency chosen by model name) and the gateway (`switchyard serve` with auth on)
// as child processes, the gateway pinned to its own CPU when taskset exists; memory samples of the gateway (RSS from
// /proc, heap and event-loop lag from its admin /metrics); this process's own event-loop delay (if the generator
// itself lags, its latency figures are not the gateway's); small statistics.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { API_VERSION } from '../../pkg/api/common.ts';
import { API_KEY_LABEL } from '../../pkg/api/secret.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { commandExists, createProcessGroup, firstJsonLine, statusMb } from '../procs.ts';
import type { Managed, ProcessGroup } from '../procs.ts';
import { startGateway, waitReady } from '../services.ts';
import type { Gateway } from '../services.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

/** "30s", "5m", "90" (seconds) → seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (m === null) throw new Error(`not a duration: ${v} (use e.g. 30s, 5m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 's' ? n : unit === 'm' ? n * 60 : n * 3600;
}

export interface LoadWorld {
  readonly up: Managed;
  readonly gw: Gateway;
  readonly group: ProcessGroup;
  readonly apiKey: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  stop(): Promise<void>;
}

/** Routes `name → upstream fault model`, served by one openai-compatible Provider at the fault upstream. */
/**
 * `entry`: the gateway's entry script — the compiled build (`npm run load:d1|d2` compile first, as `npm run bench`
 * does) or cmd/switchyard.ts (sources, when run by hand without --gateway).
 */
export async function startLoadWorld(routes: Record<string, string>, entry: string = join(ROOT, 'cmd/switchyard.ts')): Promise<LoadWorld> {
  const group = createProcessGroup(commandExists('taskset'), commandExists('setpriv'));
  const onExit = (): void => group.killAllSync();
  process.once('exit', onExit);
  const up = group.spawnNode({ name: 'fault-upstream', cpu: '0', stdout: 'pipe', args: [join(ROOT, 'bench/load/upstream.ts')] });
  const ready = (await firstJsonLine(up, 15_000)) as { port?: unknown };
  if (typeof ready.port !== 'number') throw new Error('the fault upstream did not report its port');
  const upURL = `http://127.0.0.1:${ready.port}/v1`;
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-load-'));
  const apiKey = `sk-load-${randomBytes(16).toString('hex')}`;
  const manifests: unknown[] = [
    { apiVersion: API_VERSION, kind: 'Provider', metadata: { name: 'fault' }, spec: { type: 'openai-compatible', baseURL: upURL } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'load-key', labels: { [API_KEY_LABEL]: 'true' } }, stringData: { key: apiKey, team: 'load' } },
    ...Object.entries(routes).map(([name, model]) => ({ apiVersion: API_VERSION, kind: 'ModelRoute', metadata: { name }, spec: { model: name, targets: [{ provider: 'fault', model }] } })),
  ];
  await Promise.all(manifests.map((m, i) => writeFile(join(dir, `m${i}.yaml`), stringify(m), { mode: 0o600 })));
  const gw = await startGateway(group, { entry, configDir: dir, cpu: '1', nodeFlags: [] });
  await waitReady(gw, 30_000);
  return {
    up, gw, group, apiKey, origin: `http://127.0.0.1:${gw.port}`,
    async stop() {
      await group.stopAll();
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface MemSample {
  /** Seconds since the start of the run. */
  readonly t: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly lagP99Ms: number;
}

/** One sample of the gateway's memory: RSS from /proc, heap used and event-loop lag p99 from its admin /metrics. */
export async function sampleGateway(gw: Gateway, t: number): Promise<MemSample> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const metric = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { t, rssMb: statusMb(gw.proc.pid, 'VmRSS'), heapMb: Math.round(metric('nodejs_heap_size_used_bytes') / 1e5) / 10, lagP99Ms: Math.round(metric('nodejs_eventloop_lag_p99_seconds') * 1e4) / 10 };
}

/** Least-squares slope of y over x (per unit of x); 0 for fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Nearest-rank percentile of unsorted samples (sorted in place). */
export function percentile(samples: number[], q: number): number {
  if (samples.length === 0) return NaN;
  samples.sort((a, b) => a - b);
  return samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))] as number;
}

export const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Reads a streamed answer to its end: time to the first body byte, and whether it ended with `data: [DONE]`. */
export async function readStream(res: Response, t0: number): Promise<{ ttfbMs: number; done: boolean; bytes: number }> {
  const reader = res.body?.getReader();
  let ttfbMs = NaN;
  let tail = '';
  let bytes = 0;
  const dec = new TextDecoder();
  if (reader === undefined) return { ttfbMs, done: false, bytes };
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    if (Number.isNaN(ttfbMs)) ttfbMs = performance.now() - t0;
    bytes += r.value.length;
    tail = (tail + dec.decode(r.value, { stream: true })).slice(-64);
  }
  return { ttfbMs, done: tail.trimEnd().endsWith('data: [DONE]'), bytes };
}

/** This process's event-loop delay: p99 in ms since start() (the generator must not be the bottleneck). */
export function generatorLag(): { p99Ms: () => number } {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  return { p99Ms: () => round1(h.percentile(99) / 1e6) };
}
