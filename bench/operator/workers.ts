// The orchestrator's side of bench/operator/sync-worker.ts: spawn workers, read their JSON lines, wait for events.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { Managed, ProcessGroup } from '../procs.ts';

export interface WorkerEvent {
  readonly type: 'first' | 'served' | 'expecting';
  readonly proxy?: string;
  readonly id?: number;
  readonly at?: number;
  readonly startedAt?: number;
  readonly version?: number;
}

export interface Worker {
  readonly m: Managed;
  readonly connections: number;
  readonly events: WorkerEvent[];
  send(msg: Record<string, unknown>): void;
}

const WORKER = join(new URL('.', import.meta.url).pathname, 'sync-worker.ts');

export function spawnWorker(group: ProcessGroup, name: string, syncUrl: string, token: string, connections: number, deltas = true): Worker {
  const m = group.spawnNode({
    name,
    args: [WORKER, '--sync', syncUrl, '--count', String(connections), '--prefix', name, '--deltas', deltas ? '1' : '0'],
    env: { ...process.env, SWITCHYARD_SYNC_TOKEN: token },
    stdout: 'pipe',
  });
  const events: WorkerEvent[] = [];
  const stdout = m.child.stdout;
  if (stdout === null) throw new Error(`${name}: no stdout`);
  createInterface({ input: stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as WorkerEvent);
    } catch {
      // not ours
    }
  });
  return {
    m,
    connections,
    events,
    send: (msg) => {
      m.child.stdin?.write(`${JSON.stringify(msg)}\n`);
    },
  };
}

/** Polls the workers' events until `done` says so (or the deadline passes). */
export async function waitEvents<T>(workers: readonly Worker[], done: (events: WorkerEvent[]) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = workers.flatMap((w) => w.events);
    const v = done(all);
    if (v !== undefined) return v;
    for (const w of workers) {
      if (w.m.child.exitCode !== null) throw new Error(`${w.m.name} exited: ${w.m.stderrTail().slice(-2000)}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
