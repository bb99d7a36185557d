// Rate limit for operator-facing failure lines, per target (provider + upstream model): an outage must not flood
// the log. Within one window of `intervalMs` a target logs the first failure of each kind at once and counts the
// rest; the first line after the window closes carries that count (`suppressed`) and opens a new window.
// Pure apart from the injected clock; bounded memory (the oldest target is forgotten past `maxTargets`).

interface TargetWindow {
  start: number;
  readonly kinds: Set<string>;
  suppressed: number;
}

export class FailureLogLimiter {
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #maxTargets: number;
  readonly #targets = new Map<string, TargetWindow>();

  constructor(intervalMs: number, now: () => number, maxTargets = 4096) {
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#maxTargets = maxTargets;
  }

  /**
   * Whether a failure of `kind` at `target` may be logged now: null = suppress it (it is counted), otherwise the
   * number of failures of this target suppressed since its previous line (the count is then reset).
   */
  admit(target: string, kind: string): number | null {
    const now = this.#now();
    const w = this.#targets.get(target);
    if (w === undefined) {
      if (this.#targets.size >= this.#maxTargets) {
        const oldest = this.#targets.keys().next();
        if (oldest.done !== true) this.#targets.delete(oldest.value);
      }
      this.#targets.set(target, { start: now, kinds: new Set([kind]), suppressed: 0 });
      return 0;
    }
    if (now - w.start >= this.#intervalMs || now < w.start) {
      w.start = now;
      w.kinds.clear();
      w.kinds.add(kind);
      return this.#take(w);
    }
    if (!w.kinds.has(kind)) {
      w.kinds.add(kind);
      return this.#take(w);
    }
    w.suppressed++;
    return null;
  }

  /** Targets currently tracked (for tests). */
  get size(): number {
    return this.#targets.size;
  }

  #take(w: TargetWindow): number {
    const n = w.suppressed;
    w.suppressed = 0;
    return n;
  }
}
