// Child processes of the e2e suite (`switchyard operator`, `switchyard proxy --sync`): spawned from this checkout
// with the Node running the tests, output appended to a log file per process, each in its own process group so a
// kill reaches everything it started. A group kills whatever is still running when the test process exits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/testenv.ts';
import { signalGroup } from '../../support/signals.ts';

export const SWITCHYARD_CLI = join(REPO_ROOT, 'cmd', 'switchyard.ts');

export interface ProcessSpec {
  /** Unique within the group: names the log file (<logDir>/<name>.log). */
  readonly name: string;
  /** Arguments after `node cmd/switchyard.ts`. */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of a process: epoch ms of its start and of its exit (undefined while running). */
export interface Incarnation {
  readonly startedAt: number;
  exitedAt: number | undefined;
}

export interface ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  readonly spec: ProcessSpec;
  /** The OS pid of the current incarnation (undefined before start or after a failed spawn). */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** How many times it was started. */
  readonly starts: number;
  /** Every run so far, oldest first (the log has one "=====" banner per run, in the same order). */
  readonly history: readonly Incarnation[];
  /** Resolves when the current incarnation exits. */
  exited(): Promise<Exit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
  /** SIGKILL (a crash, as far as the process can tell); resolves once it has exited. */
  kill(): Promise<Exit>;
  /** Starts it again with the same spec (it must not be running). */
  start(): void;
  /** The last `lines` lines of its log (access-log lines left out). */
  tail(lines?: number): string;
  /** The whole log so far (access-log lines left out). */
  log(): string;
}

export interface ProcessGroup {
  spawn(spec: ProcessSpec): ManagedProcess;
  readonly all: readonly ManagedProcess[];
  /** Stops every process (SIGTERM, SIGKILL after the grace) and uninstalls the exit hook. */
  stopAll(graceMs?: number): Promise<void>;
  /** Tails of every log, for a failure report. */
  tails(lines?: number): string;
}


/** Per-request access-log lines: left out of tails so the lines that explain a failure are visible. */
const ACCESS_LOG = /"msg":"request"/;

function readTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => !ACCESS_LOG.test(l)).slice(-lines - 1).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * `setpriv --pdeathsig KILL` (util-linux) makes the kernel kill a child when the test process dies without cleaning
 * up (a crashed or killed vitest worker); it execs, so the pid is still node's.
 */
function hasPdeathsig(): boolean {
  return spawnSync('sh', ['-c', 'command -v setpriv'], { stdio: 'ignore' }).status === 0;
}

function createManaged(spec: ProcessSpec, logDir: string, live: Set<ChildProcess>, pdeathsig: boolean): ManagedProcess {
  const logFile = join(logDir, `${spec.name}.log`);
  let child: ChildProcess | undefined;
  let exit: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  let starts = 0;
  const history: Incarnation[] = [];

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  const start = (): void => {
    if (isRunning()) throw new Error(`${spec.name} is already running (pid ${child?.pid})`);
    starts++;
    appendFileSync(logFile, `\n===== ${new Date().toISOString()} start #${starts}: switchyard ${spec.args.join(' ')}\n`);
    const fd = openSync(logFile, 'a');
    try {
      const argv = [process.execPath, SWITCHYARD_CLI, ...spec.args];
      const [cmd, ...args] = pdeathsig ? ['setpriv', '--pdeathsig', 'KILL', '--', ...argv] : argv;
      const c = spawn(cmd ?? process.execPath, args, {
        cwd: REPO_ROOT,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...spec.env },
      });
      child = c;
      live.add(c);
      const run: Incarnation = { startedAt: Date.now(), exitedAt: undefined };
      history.push(run);
      exit = new Promise<Exit>((resolve) => {
        c.once('exit', (code, signal) => {
          run.exitedAt = Date.now();
          live.delete(c);
          resolve({ code, signal });
        });
        c.once('error', () => {
          run.exitedAt ??= Date.now();
          live.delete(c);
          resolve({ code: null, signal: null });
        });
      });
    } finally {
      closeSync(fd);
    }
  };

  const terminate = async (signal: NodeJS.Signals, graceMs: number): Promise<Exit> => {
    const c = child;
    if (c === undefined || !isRunning()) return exit;
    signalGroup(c, signal);
    const timer = setTimeout(() => signalGroup(c, 'SIGKILL'), graceMs);
    const result = await exit;
    clearTimeout(timer);
    signalGroup(c, 'SIGKILL'); // anything left in its group
    return result;
  };

  return {
    name: spec.name,
    logFile,
    spec,
    get pid() {
      return child?.pid;
    },
    get running() {
      return isRunning();
    },
    get starts() {
      return starts;
    },
    history,
    exited: () => exit,
    stop: (graceMs = 5_000) => terminate('SIGTERM', graceMs),
    kill: () => terminate('SIGKILL', 0),
    start,
    tail: (lines = 30) => readTail(logFile, lines),
    log: () => readTail(logFile, Number.MAX_SAFE_INTEGER),
  };
}

export function createProcessGroup(logDir: string): ProcessGroup {
  const live = new Set<ChildProcess>();
  const procs: ManagedProcess[] = [];
  const pdeathsig = hasPdeathsig();
  const onExit = (): void => {
    for (const c of live) signalGroup(c, 'SIGKILL');
  };
  process.on('exit', onExit);
  return {
    spawn(spec: ProcessSpec): ManagedProcess {
      if (procs.some((p) => p.name === spec.name)) throw new Error(`duplicate process name ${spec.name}`);
      const p = createManaged(spec, logDir, live, pdeathsig);
      procs.push(p);
      p.start();
      return p;
    },
    get all() {
      return procs;
    },
    async stopAll(graceMs = 5_000): Promise<void> {
      await Promise.all(procs.map((p) => p.stop(graceMs)));
      process.off('exit', onExit);
    },
    tails(lines = 30): string {
      return procs.map((p) => `--- ${p.name} (${p.logFile}) ---\n${p.tail(lines)}`).join('\n');
    },
  };
}
