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
  /** The figure as of the last drainUsage() (what the operator has been told about this window). */
  reported?: number;
}

/** Usage movement of one quota window since the previous drain: per metric counted, summed over subjects. */
export interface UsageDelta {
  readonly quota: string;
  readonly window: string;
  readonly start: number;
  readonly end: number;
  /** Metric → delta summed over every subject (may be negative: a settlement below the estimate, a release). */
  readonly figures: Partial<Record<Metric, number>>;
  /** each-user quotas: the subjects that moved most (at most `maxSubjects`), with their own deltas. */
  readonly subjects?: readonly { readonly subject: string; readonly figures: Partial<Record<Metric, number>> }[];
  /** each-user quotas: how many moving subjects were left out of `subjects` (their deltas are in `figures`). */
  readonly otherSubjects?: number;
}

interface Movement {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly delta: number;
}

/** Movements of counters that rolled over (or were swept) before a drain; bounded so a silent operator costs little. */
const MAX_PENDING = 100_000;

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
  #pending: Movement[] = [];
  /** Set by the first drainUsage(): a standalone proxy (nobody drains) keeps no movements. */
  #reporting = false;

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
      this.#keep(key, c);
      c.reported = 0;
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
    for (const [key, c] of this.#counters) {
      if (c.end > now) continue;
      this.#keep(key, c);
      this.#counters.delete(key);
    }
  }

  /** Remembers the unreported movement of a counter about to leave its window. */
  #keep(key: string, c: Counter): void {
    if (!this.#reporting) return;
    const delta = c.used - (c.reported ?? 0);
    if (delta !== 0 && this.#pending.length < MAX_PENDING) this.#pending.push({ key, start: c.start, end: c.end, delta });
  }

  /**
   * Usage movements since the previous drain, per quota window (issue 8 point 5): what the sync client reports to
   * the operator. Each counter's movement is counted once; a window that rolled over between two drains reports its
   * last movement under its own start. each-user quotas list their `maxSubjects` most-moved subjects.
   */
  drainUsage(maxSubjects = 20): UsageDelta[] {
    this.#reporting = true;
    const moves = this.#pending;
    this.#pending = [];
    for (const [key, c] of this.#counters) {
      const delta = c.used - (c.reported ?? 0);
      if (delta === 0) continue;
      c.reported = c.used;
      moves.push({ key, start: c.start, end: c.end, delta });
    }
    interface Group { quota: string; window: string; start: number; end: number; figures: Partial<Record<Metric, number>>; subjects: Map<string, Partial<Record<Metric, number>>> }
    const groups = new Map<string, Group>();
    for (const m of moves) {
      const [quota = '', window = '', metricText = '', subject = ''] = m.key.split('\u0000');
      const metric = metricText as Metric;
      const gk = `${quota}\u0000${window}\u0000${m.start}`;
      let g = groups.get(gk);
      if (g === undefined) {
        g = { quota, window, start: m.start, end: m.end, figures: {}, subjects: new Map() };
        groups.set(gk, g);
      }
      g.figures[metric] = (g.figures[metric] ?? 0) + m.delta;
      if (subject === '') continue;
      const f = g.subjects.get(subject) ?? {};
      f[metric] = (f[metric] ?? 0) + m.delta;
      g.subjects.set(subject, f);
    }
    const weight = (f: Partial<Record<Metric, number>>): number => Math.max(...Object.values(f).map(Math.abs));
    return [...groups.values()].map((g): UsageDelta => {
      const base = { quota: g.quota, window: g.window, start: g.start, end: g.end, figures: g.figures };
      if (g.subjects.size === 0) return base;
      const ranked = [...g.subjects].sort((a, b) => weight(b[1]) - weight(a[1]) || (a[0] < b[0] ? -1 : 1));
      const top = ranked.slice(0, maxSubjects).map(([subject, figures]) => ({ subject, figures }));
      return { ...base, subjects: top, otherSubjects: ranked.length - top.length };
    });
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
