// Figures for the remaining-quota gauges (switchyard_quota_remaining / switchyard_quota_limit): one entry per quota
// limit, pointing at the live ledger counter it reports. Fixed subjects (key, team, user, claim) have one counter.
// each-user quotas report the most-consumed user: the entry moves to an admitted user's counter when that user has
// used at least as much (or the reported one's window has passed), so the set stays one entry per limit whatever
// the number of users. Updated at admission (one Map lookup per limit); read at scrape time.
import type { QuotaFigure } from '../telemetry/types.ts';
import type { Counter, Metric } from './ledger.ts';

interface Tracked {
  readonly quota: string;
  readonly window: string;
  readonly metric: Metric;
  limit: number;
  capacity: number;
  counter: Counter;
}

export class QuotaGauges {
  readonly #byLimit = new Map<string, Tracked>();

  /** After an admission reserved in `counter` (the subject's counter of one quota limit). */
  track(quota: string, window: string, metric: Metric, limit: number, capacity: number, counter: Counter, now: number): void {
    const key = `${quota}\u0000${window}\u0000${metric}`;
    const t = this.#byLimit.get(key);
    if (t === undefined) {
      this.#byLimit.set(key, { quota, window, metric, limit, capacity, counter });
      return;
    }
    t.limit = limit;
    t.capacity = capacity;
    if (t.counter !== counter && (t.counter.end <= now || counter.used >= t.counter.used)) t.counter = counter;
  }

  /** Drops the entries of quotas not in `ids`. */
  retain(ids: ReadonlySet<string>): void {
    for (const [key, t] of this.#byLimit) if (!ids.has(t.quota)) this.#byLimit.delete(key);
  }

  /** Every tracked limit at `now`: a counter whose window has passed reports the full allowance. */
  figures(now: number): QuotaFigure[] {
    const out: QuotaFigure[] = [];
    for (const t of this.#byLimit.values()) {
      const c = t.counter;
      const used = c.start <= now && now < c.end ? c.used : 0;
      out.push({ quota: t.quota, window: t.window, limitType: t.metric, limit: t.limit, remaining: Math.max(0, t.capacity - used) });
    }
    return out;
  }
}
