// The in-process quota ledger: one counter per (quota, window, metric, subject), holding what the current window
// has used (settled usage plus open reservations). JavaScript runs admission synchronously, so check-and-reserve is
// exact in one process. The ledger outlives table swaps (the TableHolder owns it): a reload that keeps a quota id
// keeps its counters whatever its limits became; retain() drops the counters of quotas that are gone.
// Cluster-wide enforcement plugs in through Allowance (ADR 0019, 0020): the share of a limit this process may admit.
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
 * What this process has used in one quota window so far (issue 8 point 5): per metric counted, summed over subjects.
 * Absolute, not a delta: a lost report loses nothing, and an operator that restarts learns the figures again.
 */
export interface WindowUsage {
  readonly quota: string;
  readonly window: string;
  readonly start: number;
  readonly end: number;
  /** Metric → used in the window by this process, over every subject. */
  readonly figures: Partial<Record<Metric, number>>;
  /** each-user quotas: the subjects that used most (at most `maxSubjects`), with their own figures. */
  readonly subjects?: readonly { readonly subject: string; readonly figures: Partial<Record<Metric, number>> }[];
  /** each-user quotas: how many subjects were left out of `subjects` (their usage is in `figures`). */
  readonly otherSubjects?: number;
}

/**
 * How much of a limit this process may admit in a window (the figure `used + estimate` must stay within).
 * Standalone: all of it. In a cluster (pkg/quota/cluster-allowance.ts): the allowance the operator granted this
 * proxy. `shared` is true for limits counted per subject (each-user) and for shadow quotas, which get no grants of
 * their own. `refused` hears of a request a limit refused, so a cluster allowance can ask the operator for more.
 */
export interface Allowance {
  capacity(quotaId: string, metric: Metric, window: string, start: number, limit: number, shared: boolean): number;
  /** True when the refusal came from this process's share rather than the limit itself (an early retry may pass). */
  refused(quotaId: string, metric: Metric, window: string, start: number, amount: number, limit: number): boolean;
}

const SWEEP_EVERY_MS = 3_600_000;

export const WHOLE_LIMIT: Allowance = {
  capacity: (_q, _m, _w, _s, limit) => limit,
  refused: () => false,
};

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

  /**
   * This process's usage of every quota window still open at `now` (issue 8 point 5): what the sync client reports
   * to the operator every interval. each-user quotas list their `maxSubjects` heaviest subjects.
   */
  usage(now: number, maxSubjects = 20): WindowUsage[] {
    interface Group { quota: string; window: string; start: number; end: number; figures: Partial<Record<Metric, number>>; subjects: Map<string, Partial<Record<Metric, number>>> }
    const groups = new Map<string, Group>();
    for (const [key, c] of this.#counters) {
      if (c.end <= now || c.start > now) continue;
      const [quota = '', window = '', metricText = '', subject = ''] = key.split('\u0000');
      const metric = metricText as Metric;
      const gk = `${quota}\u0000${window}\u0000${c.start}`;
      let g = groups.get(gk);
      if (g === undefined) {
        g = { quota, window, start: c.start, end: c.end, figures: {}, subjects: new Map() };
        groups.set(gk, g);
      }
      g.figures[metric] = (g.figures[metric] ?? 0) + c.used;
      if (subject === '') continue;
      const f = g.subjects.get(subject) ?? {};
      f[metric] = (f[metric] ?? 0) + c.used;
      g.subjects.set(subject, f);
    }
    const weight = (f: Partial<Record<Metric, number>>): number => Math.max(...Object.values(f).map(Math.abs));
    return [...groups.values()].map((g): WindowUsage => {
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
