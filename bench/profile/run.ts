// Profiling driver (issue 12 points 2–3): the mock upstream, the bare-Node floor (floor.ts) and the gateway
// (`switchyard serve`, auth, metrics and access log on) as separate processes; closed-loop load from load.ts in
// another process. Prints per target: RPS, server CPU µs per request (from /proc/<pid>/stat), RSS idle / loaded /
// after idle. `node bench/profile/run.ts [--duration 10] [--connections 50] [--only gateway|floor] [--cpu-prof DIR]
// [--idle-after 0] [--node-flags "..."] [--stream] [--rounds 1] [--variants base=/tmp/tree,new=/work/main]`.
// Rounds alternate between targets so a noisy machine affects each alike; the summary gives medians.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { missingNodeFlags } from '../node-flags.ts';
import { writeBenchConfig } from '../gateway-config.ts';

const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, only: { type: 'string', default: '' },
  'cpu-prof': { type: 'string', default: '' }, 'idle-after': { type: 'string', default: '0' }, 'node-flags': { type: 'string', default: '' },
  stream: { type: 'boolean', default: false }, rounds: { type: 'string', default: '1' }, warmup: { type: 'string', default: '3' },
  'body-bytes': { type: 'string', default: '0' }, 'log-level': { type: 'string', default: 'info' }, variants: { type: 'string', default: '' },
} });
const here = new URL('.', import.meta.url).pathname;
const root = new URL('../../', import.meta.url).pathname;
const procs: ChildProcess[] = [];
const TICK_US = 1e6 / 100;

function start(args: string[], stdout: 'pipe' | 'ignore' = 'pipe'): ChildProcess {
  const p = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', stdout, 'inherit'] });
  procs.push(p);
  return p;
}
function firstLine(p: ChildProcess): Promise<string> {
  if (p.stdout === null) throw new Error('no stdout');
  const rl = createInterface({ input: p.stdout });
  return new Promise((resolve) => rl.once('line', (l) => {
    resolve(l);
  }));
}
function cpuUs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}
function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function load(url: string, key: string, seconds: number): Promise<{ rps: number; ok: number; errors: number; p50: number; p99: number }> {
  const args = [`${here}load.ts`, '--url', url, '--connections', values.connections, '--duration', String(seconds), '--key', key, '--body-bytes', values['body-bytes']];
  if (values.stream) args.push('--stream');
  const p = start(args);
  const line = await firstLine(p);
  return JSON.parse(line) as { rps: number; ok: number; errors: number; p50: number; p99: number };
}

interface Gw { name: string; pid: number; url: string; key: string; proc: ChildProcess }

/** Start `switchyard serve` from the tree at `tree`: compiled (cmd/switchyard.js, tsc output) or sources. */
async function startGateway(name: string, tree: string, mockPort: number, extra: string[]): Promise<Gw> {
  const cfg = await writeBenchConfig(mockPort);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const flags = values['cpu-prof'] === '' ? extra : [...extra, '--cpu-prof', '--cpu-prof-dir', values['cpu-prof']];
  const entry = existsSync(`${tree}/cmd/switchyard.js`) ? `${tree}/cmd/switchyard.js` : `${tree}/cmd/switchyard.ts`;
  // The node flags bin/switchyard.js gives `serve` (ADR 0025), unless given here; SWITCHYARD_NODE_FLAGS="" drops them.
  const gw = start([...missingNodeFlags('serve', flags, process.env), ...flags, entry, 'serve', '--config', cfg.dir, '--host', '127.0.0.1', '--admin-host', '127.0.0.1',
    '--port', String(port), '--admin-port', String(port + 1), '--log-level', values['log-level']], 'ignore');
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port + 1}/readyz`)).status === 200) break;
    } catch { /* not yet */ }
    await sleep(100);
  }
  return { name, pid: gw.pid ?? 0, url: `http://127.0.0.1:${port}/v1/chat/completions`, key: cfg.apiKey, proc: gw };
}

try {
  const mock = start([`${root}bench/mock-upstream.ts`, '--port', '0']);
  const mockPort = (JSON.parse(await firstLine(mock)) as { port: number }).port;
  const extra = values['node-flags'] === '' ? [] : values['node-flags'].split(' ');
  const gws: Gw[] = [];
  if (values.only !== 'gateway') {
    const floor = start([...(values['cpu-prof'] === '' ? extra : [...extra, '--cpu-prof', '--cpu-prof-dir', values['cpu-prof']]), `${here}floor.ts`, '--upstream', `http://127.0.0.1:${mockPort}`]);
    const port = (JSON.parse(await firstLine(floor)) as { port: number }).port;
    gws.push({ name: 'floor', pid: floor.pid ?? 0, url: `http://127.0.0.1:${port}/v1/chat/completions`, key: '', proc: floor });
  }
  if (values.only !== 'floor') {
    // --variants name=/path/to/tree,... compares source trees in the same run (rounds interleaved).
    const variants = values.variants === '' ? [['gateway', root.replace(/\/$/, '')]] : values.variants.split(',').map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]);
    // name=tree@--flag --flag: per-variant node flags (e.g. heap sizing), added to --node-flags.
    for (const [name, spec] of variants) {
      const [tree, flags] = (spec ?? root).split('@');
      gws.push(await startGateway(name ?? 'gateway', tree ?? root, mockPort, flags === undefined ? extra : [...extra, ...flags.split(' ')]));
    }
  }
  await sleep(500);
  const idle = new Map(gws.map((g) => [g.name, rssMB(g.pid)]));
  for (const g of gws) await load(g.url, g.key, Number(values.warmup));
  const warm = new Map(gws.map((g) => [g.name, rssMB(g.pid)]));
  const us = new Map<string, number[]>(gws.map((g) => [g.name, []]));
  const rps = new Map<string, number[]>(gws.map((g) => [g.name, []]));
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const g of gws) {
      const c0 = cpuUs(g.pid);
      const r = await load(g.url, g.key, Number(values.duration));
      const c1 = cpuUs(g.pid);
      const u = Math.round((c1 - c0) / r.ok);
      us.get(g.name)?.push(u);
      rps.get(g.name)?.push(r.rps);
      console.log(JSON.stringify({ target: g.name, round: i, ...r, cpu_us_per_req: u, rss_loaded_mb: rssMB(g.pid) }));
    }
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
  for (const g of gws) {
    console.log(JSON.stringify({ summary: g.name, cpu_us_per_req_median: median(us.get(g.name) ?? []), cpu_us_min: Math.min(...(us.get(g.name) ?? [])),
      rps_median: median(rps.get(g.name) ?? []), rss_idle_mb: idle.get(g.name), rss_warm_mb: warm.get(g.name), rss_loaded_mb: rssMB(g.pid) }));
  }
  const idleAfter = Number(values['idle-after']);
  for (let s = 0; s < idleAfter; s += 10) {
    await sleep(10_000);
    console.log(JSON.stringify({ idle_s: s + 10, rss_mb: Object.fromEntries(gws.map((g) => [g.name, rssMB(g.pid)])) }));
  }
  for (const g of gws) g.proc.kill(g.name === 'floor' ? 'SIGTERM' : 'SIGINT');
  await sleep(1500);
} finally {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
}
