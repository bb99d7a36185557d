// One level-triggered work key with a debounce (style.md item 3): any number of triggers collapse into one run
// debounceMs after the last trigger, but never later than maxDelayMs after the first; runs never overlap, and a
// trigger during a run schedules exactly one more run after it.

export interface WorkQueueOptions {
  /** Quiet time after the last trigger. */
  readonly debounceMs: number;
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
    firstPendingAt ??= t;
    const delay = immediate ? 0 : Math.max(0, Math.min(opts.debounceMs, firstPendingAt + opts.maxDelayMs - t));
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
