// Starting the processes under test: the mock upstream and the gateway (standalone `serve`), and checking that the
// gateway is ready, routes bench-model to the mock, and enforces API keys.
import { setTimeout as sleep } from 'node:timers/promises';
import { missingNodeFlags } from './node-flags.ts';
import { DEFAULT_BODY } from './loadgen.ts';
import { firstJsonLine, freePort } from './procs.ts';
import type { Managed, ProcessGroup } from './procs.ts';

export interface Mock {
  readonly proc: Managed;
  readonly port: number;
}

export async function startMock(group: ProcessGroup, cpu: string): Promise<Mock> {
  const proc = group.spawnNode({
    name: 'mock-upstream', cpu, stdout: 'pipe',
    args: [new URL('./mock-upstream.ts', import.meta.url).pathname, '--port', '0', '--exit-on-stdin-close', '--max-lifetime', '3600'],
  });
  const ready = await firstJsonLine(proc, 15_000);
  const port = typeof ready === 'object' && ready !== null ? (ready as { port?: unknown }).port : undefined;
  if (typeof port !== 'number') throw new Error('mock upstream did not report its port');
  return { proc, port };
}

/** The bare-Node pass-through floor (bench/floor.ts) in front of the mock, pinned like the gateway. */
export async function startFloor(group: ProcessGroup, cpu: string, mockPort: number): Promise<Mock> {
  const proc = group.spawnNode({
    name: 'floor', cpu, stdout: 'pipe',
    args: [new URL('./floor.ts', import.meta.url).pathname, '--upstream', `http://127.0.0.1:${mockPort}`, '--port', '0', '--exit-on-stdin-close'],
  });
  const ready = await firstJsonLine(proc, 15_000);
  const port = typeof ready === 'object' && ready !== null ? (ready as { port?: unknown }).port : undefined;
  if (typeof port !== 'number') throw new Error('floor did not report its port');
  return { proc, port };
}

export interface GatewayOptions {
  readonly entry: string;
  readonly configDir: string;
  readonly cpu: string;
  /** Extra node flags, e.g. --cpu-prof. */
  readonly nodeFlags: readonly string[];
}

export interface Gateway {
  readonly proc: Managed;
  readonly port: number;
  readonly adminPort: number;
}

/**
 * Start `switchyard serve` with info-level JSON logs on stdout → /dev/null (logging stays on, as in production), with
 * the node flags a user's `switchyard serve` gets from bin/switchyard.js (bin/node-flags.js, ADR 0025) unless
 * `nodeFlags` or NODE_OPTIONS set them; SWITCHYARD_NODE_FLAGS="" runs without them.
 */
export async function startGateway(group: ProcessGroup, opts: GatewayOptions): Promise<Gateway> {
  const port = await freePort();
  let adminPort = await freePort();
  while (adminPort === port) adminPort = await freePort();
  const proc = group.spawnNode({
    name: 'gateway', cpu: opts.cpu, stdout: 'ignore',
    args: [...missingNodeFlags('serve', opts.nodeFlags, process.env), ...opts.nodeFlags, opts.entry, 'serve', '--config', opts.configDir, '--host', '127.0.0.1', '--admin-host', '127.0.0.1',
      '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'info'],
  });
  return { proc, port, adminPort };
}

/** Poll the admin /readyz until 200 (or the gateway exits, or the timeout passes). */
export async function waitReady(gw: Gateway, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  void gw.proc.exited.then(() => {
    exited = true;
  });
  let last = 'no answer';
  while (performance.now() < deadline && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${gw.adminPort}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  const why = exited ? 'exited' : `not ready after ${timeoutMs} ms (${last})`;
  throw new Error(`gateway ${why}: ${gw.proc.stderrTail().trim().slice(-3000)}`);
}

async function post(url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers, body: DEFAULT_BODY, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

/** One request with the key must succeed through the mock; one without must be refused (auth is on). */
export async function checkGateway(gw: Gateway, apiKey: string): Promise<void> {
  const url = `http://127.0.0.1:${gw.port}/v1/chat/completions`;
  const ok = await post(url, { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` });
  if (ok.status !== 200 || !ok.text.includes('"choices"')) {
    throw new Error(`gateway did not route bench-model to the mock: HTTP ${ok.status} ${ok.text.slice(0, 500)}`);
  }
  const anon = await post(url, { 'content-type': 'application/json' });
  if (anon.status !== 401) throw new Error(`gateway answered ${anon.status} without an API key (expected 401: auth must be on)`);
}
