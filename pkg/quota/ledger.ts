// The in-process quota ledger: one counter per (quota, window, metric, subject), holding what the current window
// has used (settled usage plus open reservations). JavaScript runs admission synchronously, so check-and-reserve is
// exact in one process. The ledger outlives table swaps (the TableHolder owns it): a reload that keeps a quota id
// keeps its counters whatever its limits became; retain() drops the counters of quotas that are gone.
// Cluster-wide enforcement plugs in through Allowance (ADR 0018): the share of a limit this process may admit.
import type { WindowSpan } from './window.ts';
import { QuotaGauges } from './gauges.ts';

/** What a limit counts. Token metrics name the token type they count. */
export type Metric = 'requests' | 'tokens-input' | 'tokens-output' | 'tokens-total' | 'cost';

export interface Counter {
  readonly quotaId: string;
  /** Start and end of the window the figure belongs to (epoch ms). */
  start: number;
  end: number;
  used: number;
}

/**
 * How much of a limit this process may admit in the current window. Standalone: all of it. A cluster-aware
 * implementation (issue 8 point 5) returns the allowance the operator handed this proxy.
 */
export interface Allowance {
  capacity(quotaId: string, metric: Metric, window: string, limit: number): number;
}

const SWEEP_EVERY_MS = 3_600_000;

export const WHOLE_LIMIT: Allowance = { capacity: (_q, _m, _w, limit) => limit };

export class QuotaLedger {
  readonly #counters = new Map<string, Counter>();
  readonly allowance: Allowance;
  /** What the remaining-quota gauges report (one entry per quota limit). */
  readonly gauges = new QuotaGauges();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(allowance: Allowance = WHOLE_LIMIT) {
    this.allowance = allowance;
  }

  /** The counter for `key` in the window `span`; a counter left from an earlier window starts again at zero. */
  counter(quotaId: string, key: string, span: WindowSpan): Counter {
    if (span.start - this.#sweptAt >= SWEEP_EVERY_MS) this.#sweep(span.start);
    let c = this.#counters.get(key);
    if (c === undefined) {
      c = { quotaId, start: span.start, end: span.end, used: 0 };
      this.#counters.set(key, c);
    } else if (c.start !== span.start) {
      c.start = span.start;
      c.end = span.end;
      c.used = 0;
    }
    return c;
  }

  /** Drops the counters of quotas not in `ids` (a reload removed them); the others keep their usage. */
  retain(ids: ReadonlySet<string>): void {
    for (const [key, c] of this.#counters) if (!ids.has(c.quotaId)) this.#counters.delete(key);
    this.gauges.retain(ids);
  }

  /**
   * Drops counters whose window ended before `now` (each-user keeps one per user seen): they would start at zero on
   * their next use anyway. Runs at most once an hour of the admission clock.
   */
  #sweep(now: number): void {
    this.#sweptAt = now;
    for (const [key, c] of this.#counters) if (c.end <= now) this.#counters.delete(key);
  }

  /** Counters held (for tests and metrics). */
  get size(): number {
    return this.#counters.size;
  }

  /** The figure used so far in `key`'s current window, or 0 (for tests and /debug). */
  usedOf(key: string, now: number): number {
    const c = this.#counters.get(key);
    return c === undefined || c.end <= now || c.start > now ? 0 : c.used;
  }
}

/** The ledger key of one counter. */
export function counterKey(quotaId: string, window: string, metric: Metric, subject: string): string {
  return `${quotaId}\u0000${window}\u0000${metric}\u0000${subject}`;
}
