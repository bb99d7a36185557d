// A proxy's share of cluster-wide quota limits (issue 8 point 5, ADR 0020). The operator answers every usage report
// with grants: for each quota window (and the next one, shortly before a window ends), the most this proxy's counter
// may reach per metric (its `cap`, in the proxy's own usage terms), and how many proxies share the limits counted
// per subject (each-user, shadow: each proxy admits limit / proxies). Admission stays in memory: the stage compares
// `used + estimate` with the cap. A refusal by the cap (not by the limit itself) is remembered as a `want` and asks
// the sync client for an early report, so a busy proxy gets a larger share within one round trip.
//
// When the operator cannot be reached for `staleAfterMs`: `closed` (default) keeps enforcing the last grants — the
// current window's caps, and the next window's when they came before the outage; a window without a grant admits
// nothing under limits with grants (each-user and shadow limits keep limit / proxies); `open` lets each proxy
// enforce whole limits on its own (at most proxies × limit cluster-wide) until the operator answers again.
import type { Logger } from 'pino';
import type { Allowance, Metric } from './ledger.ts';

export type QuotaFailMode = 'closed' | 'open';
export const QUOTA_FAIL_MODES: readonly QuotaFailMode[] = ['closed', 'open'];

/** One window's grant, in the proxy's own usage terms (metric → the most its counter may reach). */
export interface WindowGrant {
  readonly quota: string;
  readonly window: string;
  readonly start: number;
  readonly end: number;
  readonly caps: Partial<Record<Metric, number>>;
  /** Cluster-wide room left in the window once this grant is counted; a refusal beyond it waits for the reset. */
  readonly remaining: Partial<Record<Metric, number>>;
}

export interface AllowanceUpdate {
  /** Proxies sharing the limits counted per subject (each-user, shadow); at least 1. */
  readonly proxies: number;
  readonly grants: readonly WindowGrant[];
}

export interface ClusterAllowanceOptions {
  readonly failMode: QuotaFailMode;
  /** No answer from the operator for this long = unreachable. Default 3 report intervals (6 s). */
  readonly staleAfterMs?: number;
  readonly clock?: () => number;
  readonly logger?: Logger;
}

interface Held {
  readonly quota: string;
  readonly window: string;
  readonly start: number;
  readonly end: number;
  readonly caps: Partial<Record<Metric, number>>;
  readonly remaining: Partial<Record<Metric, number>>;
}

const windowKey = (quota: string, window: string, start: number): string => `${quota}\u0000${window}\u0000${start}`;

export class ClusterAllowance implements Allowance {
  readonly failMode: QuotaFailMode;
  readonly #staleAfterMs: number;
  readonly #clock: () => number;
  readonly #log: Logger | undefined;
  #grants = new Map<string, Held>();
  #wants = new Map<string, Partial<Record<Metric, number>>>();
  #proxies = 0;
  #lastContact = Number.NEGATIVE_INFINITY;
  #everContacted = false;
  #warned = false;
  /** Called when a refusal wants a larger share (the sync client sends an early report). */
  onDemand: () => void = () => undefined;

  constructor(opts: ClusterAllowanceOptions) {
    this.failMode = opts.failMode;
    this.#staleAfterMs = opts.staleAfterMs ?? 6_000;
    this.#clock = opts.clock ?? Date.now;
    this.#log = opts.logger;
  }

  /** True when the operator has not answered for staleAfterMs (or never has). */
  stale(now = this.#clock()): boolean {
    return now - this.#lastContact > this.#staleAfterMs;
  }

  #wholeLimits(): boolean {
    return this.failMode === 'open' && this.stale();
  }

  capacity(quotaId: string, metric: Metric, window: string, start: number, limit: number, shared: boolean): number {
    if (this.#wholeLimits()) return limit;
    if (shared) return this.#proxies === 0 ? 0 : limit / this.#proxies;
    return this.#grants.get(windowKey(quotaId, window, start))?.caps[metric] ?? 0;
  }

  refused(quotaId: string, metric: Metric, window: string, start: number, amount: number, limit: number): boolean {
    if (this.#wholeLimits() || amount > limit) return false;
    const key = windowKey(quotaId, window, start);
    const remaining = this.#grants.get(key)?.remaining[metric];
    const wants = this.#wants.get(key) ?? {};
    wants[metric] = Math.max(wants[metric] ?? 0, amount);
    this.#wants.set(key, wants);
    this.onDemand();
    // The operator said the cluster has less left than this request needs: nothing to gain before the reset.
    return remaining === undefined || remaining >= amount;
  }

  /** An answer from the operator: replaces every grant (windows over by now are dropped). */
  apply(update: AllowanceUpdate): void {
    const now = this.#clock();
    const next = new Map<string, Held>();
    for (const g of update.grants) {
      if (g.end > now) next.set(windowKey(g.quota, g.window, g.start), { quota: g.quota, window: g.window, start: g.start, end: g.end, caps: g.caps, remaining: g.remaining });
    }
    this.#grants = next;
    this.#proxies = Math.max(1, Math.floor(update.proxies));
    if (this.#warned) this.#log?.info('operator reachable again: quota allowances renewed');
    this.#warned = false;
    this.#lastContact = now;
    this.#everContacted = true;
  }

  /** The caps this proxy applies in a window (reported back, so an operator that restarts knows them). */
  capsOf(quota: string, window: string, start: number): Partial<Record<Metric, number>> | undefined {
    return this.#grants.get(windowKey(quota, window, start))?.caps;
  }

  /** The windows this proxy holds grants for, still open at the clock's now. */
  *windows(): Iterable<{ readonly quota: string; readonly window: string; readonly start: number; readonly end: number }> {
    const now = this.#clock();
    for (const g of this.#grants.values()) if (g.end > now) yield { quota: g.quota, window: g.window, start: g.start, end: g.end };
  }

  /** Amounts refused by the caps since the previous call, per window (sent with the next report). */
  drainWants(): Map<string, Partial<Record<Metric, number>>> {
    const w = this.#wants;
    this.#wants = new Map();
    return w;
  }

  /** Logs once when the operator becomes unreachable (called every report interval). */
  check(): void {
    if (!this.#everContacted || this.#warned || !this.stale()) return;
    this.#warned = true;
    const what = this.failMode === 'open'
      ? 'each proxy now enforces whole quota limits by itself (fail-open: up to proxies × limit cluster-wide)'
      : 'keeping the last quota allowances (fail-closed: windows they do not cover admit nothing)';
    this.#log?.warn({ staleAfterMs: this.#staleAfterMs, failMode: this.failMode }, `operator unreachable: ${what}`);
  }
}

export { windowKey as allowanceWindowKey };
