// One level-triggered work key with a debounce (style.md item 3): any number of triggers collapse into one run
// debounceMs after the last trigger, but never later than maxDelayMs after the first; runs never overlap, and a
// trigger during a run schedules exactly one more run after it. With leadingMs, a trigger that finds the key quiet
// (nothing pending or running, no trigger or run for debounceMs) runs after leadingMs instead: a lone change goes
// out at once, while a second trigger before that run falls back to the full debounce, so bursts still collapse.

export interface WorkQueueOptions {
  /** Quiet time after the last trigger. */
  readonly debounceMs: number;
  /**
   * Wait of a trigger that finds the key quiet (see above); a trigger while it is pending is debounced as usual.
   * Default: debounceMs (no leading edge).
   */
  readonly leadingMs?: number;
  /** Longest wait after the first pending trigger, however busy. */
  readonly maxDelayMs: number;
  readonly run: () => Promise<void>;
  /** Called when run() rejects (the queue keeps going). */
  readonly onError: (err: unknown) => void;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

export interface WorkQueue {
  /** Marks the key dirty. `immediate` skips the debounce (e.g. leadership was just acquired). */
  trigger(immediate?: boolean): void;
  /** Resolves when no run is pending or in progress. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createWorkQueue(opts: WorkQueueOptions): WorkQueue {
  const now = opts.now ?? Date.now;
  let firstPendingAt: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let rerun = false;
  let rerunImmediate = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];
  /** Last trigger or end of a run (epoch ms). */
  let lastActivityAt = Number.NEGATIVE_INFINITY;

  const settleIdle = (): void => {
    if (running !== null || firstPendingAt !== null || rerun) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const fire = (): void => {
    timer = undefined;
    if (stopped) return;
    if (running !== null) {
      rerun = true;
      return;
    }
    firstPendingAt = null;
    running = opts.run().catch(opts.onError).finally(() => {
      running = null;
      lastActivityAt = now();
      if (rerun && !stopped) {
        const immediate = rerunImmediate;
        rerun = false;
        rerunImmediate = false;
        schedule(immediate);
      }
      settleIdle();
    });
  };

  const schedule = (immediate: boolean): void => {
    const t = now();
    const quiet = firstPendingAt === null && running === null && t - lastActivityAt >= opts.debounceMs;
    lastActivityAt = t;
    firstPendingAt ??= t;
    const delay = immediate ? 0
      : quiet && opts.leadingMs !== undefined ? Math.min(opts.leadingMs, opts.debounceMs)
      : Math.max(0, Math.min(opts.debounceMs, firstPendingAt + opts.maxDelayMs - t));
    clearTimeout(timer);
    timer = setTimeout(fire, delay);
  };

  return {
    trigger: (immediate = false) => {
      if (stopped) return;
      if (running !== null) {
        rerun = true;
        rerunImmediate ||= immediate;
        return;
      }
      schedule(immediate);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      firstPendingAt = null;
      rerun = false;
      await running;
      settleIdle();
    },
  };
}
