// Child processes of the benchmark: spawn (optionally pinned to a CPU), read a ready line, kill them all on exit,
// and read their CPU time and memory from /proc.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last few KB of stderr, for error messages. */
  stderrTail(): string;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly args: readonly string[];
  /** CPU list for taskset (e.g. "0"); ignored when taskset is unavailable. */
  readonly cpu?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** 'ignore' sends stdout to /dev/null; 'pipe' lets the caller read it. */
  readonly stdout: 'ignore' | 'pipe';
}

export interface ProcessGroup {
  spawnNode(opts: SpawnOptions): Managed;
  /** SIGTERM everything still running, then SIGKILL after `graceMs`. */
  stopAll(graceMs?: number): Promise<void>;
  /** Synchronous last resort for process 'exit': SIGKILL everything still running. */
  killAllSync(): void;
}

const TAIL_BYTES = 8192;

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * A set of child processes that die with the orchestrator: setpriv --pdeathsig (when present) makes the kernel
 * SIGKILL a child if the orchestrator dies without cleaning up; taskset pins it. Both exec, so the pid is node's.
 */
export function createProcessGroup(haveTaskset: boolean, havePdeathsig: boolean): ProcessGroup {
  const live = new Set<Managed>();
  const wrap = (opts: SpawnOptions): [string, string[]] => {
    let argv = [process.execPath, ...opts.args];
    if (haveTaskset && opts.cpu !== undefined) argv = ['taskset', '-c', opts.cpu, ...argv];
    if (havePdeathsig) argv = ['setpriv', '--pdeathsig', 'KILL', '--', ...argv];
    const [cmd, ...rest] = argv;
    return [cmd ?? process.execPath, rest];
  };
  return {
    spawnNode(opts: SpawnOptions): Managed {
      const [cmd, args] = wrap(opts);
      const stdio: StdioOptions = ['pipe', opts.stdout, 'pipe'];
      const child = spawn(cmd, args, { stdio, env: opts.env ?? process.env });
      if (child.pid === undefined) throw new Error(`could not start ${opts.name}`);
      let tail = '';
      child.stderr?.setEncoding('utf8').on('data', (s: string) => {
        tail = (tail + s).slice(-TAIL_BYTES);
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const m: Managed = { name: opts.name, child, pid: child.pid, stderrTail: () => tail, exited };
      live.add(m);
      void exited.then(() => live.delete(m));
      return m;
    },
    async stopAll(graceMs = 3000): Promise<void> {
      const all = [...live];
      for (const m of all) m.child.kill('SIGTERM');
      const timer = setTimeout(() => {
        for (const m of all) m.child.kill('SIGKILL');
      }, graceMs);
      await Promise.all(all.map((m) => m.exited));
      clearTimeout(timer);
    },
    killAllSync(): void {
      for (const m of live) m.child.kill('SIGKILL');
    },
  };
}

/** Resolve with the first stdout line of `m` parsed as JSON (its ready message). */
export function firstJsonLine(m: Managed, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`${m.name} gave no ready line within ${timeoutMs} ms`)), timeoutMs);
    const onData = (s: string): void => {
      buf += s;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      cleanup();
      try {
        resolve(JSON.parse(buf.slice(0, nl)));
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onExit = (): void => fail(new Error(`${m.name} exited early: ${m.stderrTail().trim().slice(-2000)}`));
    const fail = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      m.child.stdout?.off('data', onData);
      m.child.off('exit', onExit);
    };
    m.child.stdout?.setEncoding('utf8').on('data', onData);
    m.child.once('exit', onExit);
  });
}

/** Collect all stdout of `m` and resolve once it exits. */
export async function allStdout(m: Managed): Promise<string> {
  let out = '';
  m.child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const code = await m.exited;
  if (code !== 0) throw new Error(`${m.name} exited with ${String(code)}: ${m.stderrTail().trim().slice(-2000)}`);
  return out;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for processes that cannot listen on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Clock ticks per second of /proc CPU times (CLK_TCK, normally 100). */
export function clockTicksPerSecond(): number {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
}

export interface CpuSample {
  /** Time on a CPU, all threads, µs. */
  readonly cpuUs: number;
  /**
   * Time the main (event-loop) thread was runnable but waiting for a CPU, µs; NaN without schedstat. Only the main
   * thread: a pinned process's own helper threads (V8's GC workers, libuv's pool) queue behind it on its one core,
   * and summing their waits reported a quiet machine as contended (over 100 % of the wall time).
   */
  readonly waitUs: number;
}

/**
 * CPU time of a process, summed over its threads: from /proc/<pid>/task/<tid>/schedstat (nanoseconds, exact) when
 * the kernel has it, otherwise utime + stime from /proc/<pid>/stat (clock ticks).
 */
export function cpuSample(pid: number, ticksPerSecond: number): CpuSample {
  try {
    let cpuNs = 0;
    let waitNs = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      cpuNs += Number(run);
      if (tid === String(pid)) waitNs = Number(wait);
    }
    if (Number.isFinite(cpuNs) && Number.isFinite(waitNs)) return { cpuUs: cpuNs / 1000, waitUs: waitNs / 1000 };
  } catch {
    // a thread ended between readdir and read, or no schedstat: fall back to ticks
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) is index 11 and stime (15) index 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuUs: (ticks / ticksPerSecond) * 1e6, waitUs: Number.NaN };
}

/** A field of /proc/<pid>/status in MB (VmRSS, VmHWM). */
export function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (m?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}
