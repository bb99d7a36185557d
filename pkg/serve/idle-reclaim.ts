// Gives memory back to the system once the data plane is idle (ADR 0025). Under load V8 grows its heap and keeps
// the pages: a normal collection frees objects but neither compacts the old generation nor releases its page
// pool, and V8's own memory reducer often never starts after a burst. So every `intervalMs` (10 s) a timer reads
// the event loop's utilisation over the interval; when the loop was idle (under 2 % busy) and the resident set
// grew by `minGrowthBytes` (16 MB) since the last reclaim (or start), it runs one memory-reducing full collection
// (V8's "last resort" GC, what a low-memory notification does; needs --expose-gc, see lastResortGc). Then the baseline is the resident set after it, so
// an idle process never collects twice for the same growth. The timer is unref'd and costs a few microseconds per
// tick; the collection costs tens of milliseconds of one idle moment (measured in ADR 0025). Never on a request.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface IdleReclaimOptions {
  /** Default 10 s. */
  readonly intervalMs?: number;
  /** The event loop counts as idle below this utilisation (0–1) over a whole interval. Default 0.02. */
  readonly idleUtilization?: number;
  /** Collect only when the resident set grew this much since the last collection. Default 16 MiB. */
  readonly minGrowthBytes?: number;
  readonly log?: Pick<Logger, 'debug'>;
  /** Tests: utilisation since the previous call (0–1), resident set (bytes), the collection, the interval timer. */
  readonly utilization?: () => number;
  readonly rss?: () => number;
  readonly collect?: () => void;
  readonly setInterval?: (fn: () => void, ms: number) => { unref(): unknown };
  readonly clearInterval?: (handle: unknown) => void;
}

export interface IdleReclaim {
  /** Memory-reducing collections run so far. */
  readonly collections: number;
  stop(): void;
}

const MiB = 1024 * 1024;

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * V8's gc() for a memory-reducing full collection: present when node runs with --expose-gc, one of the data-plane
 * node flags bin/switchyard.js, the image and the chart start serve and proxy with (bin/node-flags.js). Null
 * without it (e.g. `node cmd/switchyard.ts` by hand): then nothing is reclaimed early.
 */
export function lastResortGc(scope: object = globalThis): (() => void) | null {
  const gc = (scope as { gc?: unknown }).gc;
  if (typeof gc !== 'function') return null;
  const run = gc as GcFunction;
  return () => run({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

function eventLoopUtilization(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const u = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    return u;
  };
}

export function startIdleReclaim(opts: IdleReclaimOptions = {}): IdleReclaim {
  const utilization = opts.utilization ?? eventLoopUtilization();
  const rss = opts.rss ?? ((): number => process.memoryUsage.rss());
  const idleBelow = opts.idleUtilization ?? 0.02;
  const minGrowth = opts.minGrowthBytes ?? 16 * MiB;
  let collect: (() => void) | null | undefined = opts.collect;
  let baseline = rss();
  let collections = 0;
  const tick = (): void => {
    if (utilization() >= idleBelow) return;
    const before = rss();
    if (before < baseline + minGrowth) {
      baseline = Math.min(baseline, before);
      return;
    }
    collect ??= lastResortGc();
    if (collect === null) return;
    const t0 = performance.now();
    collect();
    collections++;
    baseline = rss();
    opts.log?.debug({ ms: Math.round(performance.now() - t0), rssBeforeMiB: Math.round(before / MiB), rssAfterMiB: Math.round(baseline / MiB) }, 'idle: memory given back');
  };
  const handle = (opts.setInterval ?? setInterval)(tick, opts.intervalMs ?? 10_000);
  handle.unref();
  return {
    get collections() {
      return collections;
    },
    stop() {
      (opts.clearInterval ?? ((h: unknown) => clearInterval(h as NodeJS.Timeout)))(handle);
    },
  };
}
