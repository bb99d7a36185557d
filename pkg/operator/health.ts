// Global health: per-target outcome counts from every proxy's reports, summed over a sliding window. A target whose
// error rate across proxies reaches the threshold (with enough requests to judge) is ejected — the operator leaves
// it out of the next table (compile's ejectedTargets) and sets the Provider's Healthy=False. After a cooldown it is
// let back in (half-open); failing again ejects it for twice as long (capped); a full window in without failing
// resets the cooldown. Pure logic: time comes from the injected clock, nothing else is read.
import type { ReportMessage, TargetReport } from '../sync/protocol.ts';

export interface HealthOptions {
  /** Error rate (0-1) at or above which a target is ejected. Default 0.5. */
  readonly errorRateThreshold?: number;
  /** Requests in the window needed before a target can be judged. Default 10. */
  readonly minRequests?: number;
  /** Sliding window. Default 30 s. */
  readonly windowMs?: number;
  /** First ejection lasts this long; each repeated ejection doubles it. Default 15 s. */
  readonly cooldownMs?: number;
  /** Cap on the cooldown. Default 5 min. */
  readonly maxCooldownMs?: number;
  /** Epoch ms. */
  readonly clock: () => number;
}

export interface ProviderHealth {
  readonly healthy: boolean;
  /** Condition reason: Healthy, Ejected or Recovering. */
  readonly reason: string;
  /** Stable while the state holds (no live counters), so the status is written only on a transition (C11). */
  readonly message: string;
}

export interface HealthEvaluation {
  /** Target keys `${providerId}|${model}` to leave out of the next table. */
  readonly ejected: ReadonlySet<string>;
  /** Providers with at least one target seen in reports. */
  readonly providers: ReadonlyMap<string, ProviderHealth>;
  /** Earliest time (epoch ms) at which evaluate() may give another answer without new reports, or null. */
  readonly nextChangeAtMs: number | null;
}

export interface HealthAggregator {
  ingest(report: Pick<ReportMessage, 'targets'>): void;
  evaluate(): HealthEvaluation;
}

export const HealthReason = { Healthy: 'Healthy', Ejected: 'Ejected', Recovering: 'Recovering' } as const;

interface Bucket {
  readonly at: number;
  requests: number;
  errors: number;
}

interface TargetState {
  readonly provider: string;
  readonly model: string;
  buckets: Bucket[];
  state: 'healthy' | 'ejected' | 'half-open';
  /** Ejections in a row (resets after a full window half-open without failing). */
  strikes: number;
  /** ejected: when it is let back in; half-open: when it counts as recovered. */
  until: number;
  /** Error rate and requests that caused the current/last ejection, for the message. */
  cause: { rate: number; requests: number; cooldownMs: number } | null;
  lastSeen: number;
}

const BUCKET_MS = 1_000;

export function targetKey(provider: string, model: string): string {
  return `${provider}|${model}`;
}

function percent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000}m` : `${Math.round(ms / 1000)}s`;
}

function providerHealth(list: readonly TargetState[], threshold: number): ProviderHealth {
  const ejected = list.filter((s) => s.state === 'ejected').sort((a, b) => (a.model < b.model ? -1 : 1));
  if (ejected.length > 0) {
    const parts = ejected.map((s) => {
      const c = s.cause;
      return c === null ? `model ${s.model}` : `model ${s.model} (${percent(c.rate)} errors over ${c.requests} requests across proxies; retried after ${seconds(c.cooldownMs)})`;
    });
    return { healthy: false, reason: HealthReason.Ejected, message: `ejected: ${parts.join('; ')}` };
  }
  const recovering = list.filter((s) => s.state === 'half-open').map((s) => s.model).sort();
  if (recovering.length > 0) {
    return { healthy: true, reason: HealthReason.Recovering, message: `let back in after an ejection, on probation: model ${recovering.join(', ')}` };
  }
  return { healthy: true, reason: HealthReason.Healthy, message: `error rate below ${percent(threshold)} across proxies` };
}

export function createHealthAggregator(opts: HealthOptions): HealthAggregator {
  return new Aggregator(opts);
}

class Aggregator implements HealthAggregator {
  readonly #clock: () => number;
  readonly #threshold: number;
  readonly #minRequests: number;
  readonly #windowMs: number;
  readonly #cooldownMs: number;
  readonly #maxCooldownMs: number;
  readonly #targets = new Map<string, TargetState>();

  constructor(opts: HealthOptions) {
    this.#clock = opts.clock;
    this.#threshold = opts.errorRateThreshold ?? 0.5;
    this.#minRequests = opts.minRequests ?? 10;
    this.#windowMs = opts.windowMs ?? 30_000;
    this.#cooldownMs = opts.cooldownMs ?? 15_000;
    this.#maxCooldownMs = opts.maxCooldownMs ?? 300_000;
  }

  ingest(report: Pick<ReportMessage, 'targets'>): void {
    const now = this.#clock();
    for (const t of report.targets) if (t.requests > 0 || t.errors > 0) this.#add(t, now);
  }

  evaluate(): HealthEvaluation {
    const now = this.#clock();
    const ejected = new Set<string>();
    const byProvider = new Map<string, TargetState[]>();
    let next: number | null = null;
    for (const [key, s] of this.#targets) {
      this.#step(s, now);
      if (s.state === 'healthy' && s.buckets.length === 0 && now - s.lastSeen > 10 * this.#windowMs) {
        this.#targets.delete(key);
        continue;
      }
      if (s.state === 'ejected') ejected.add(key);
      if (s.state !== 'healthy') next = next === null ? s.until : Math.min(next, s.until);
      const list = byProvider.get(s.provider) ?? [];
      list.push(s);
      byProvider.set(s.provider, list);
    }
    const providers = new Map<string, ProviderHealth>();
    for (const id of [...byProvider.keys()].sort()) providers.set(id, providerHealth(byProvider.get(id) ?? [], this.#threshold));
    return { ejected, providers, nextChangeAtMs: next };
  }

  #add(t: TargetReport, now: number): void {
    const key = targetKey(t.provider, t.model);
    let s = this.#targets.get(key);
    if (s === undefined) {
      s = { provider: t.provider, model: t.model, buckets: [], state: 'healthy', strikes: 0, until: 0, cause: null, lastSeen: now };
      this.#targets.set(key, s);
    }
    s.lastSeen = now;
    const slot = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const last = s.buckets[s.buckets.length - 1];
    if (last !== undefined && last.at === slot) {
      last.requests += t.requests;
      last.errors += t.errors;
    } else {
      s.buckets.push({ at: slot, requests: t.requests, errors: t.errors });
    }
  }

  /** Advances one target's state machine to `now`. */
  #step(s: TargetState, now: number): void {
    s.buckets = s.buckets.filter((b) => b.at > now - this.#windowMs);
    if (s.state === 'ejected') {
      if (now < s.until) return;
      s.state = 'half-open';
      s.until = now + this.#windowMs;
      s.buckets = [];
      return;
    }
    const requests = s.buckets.reduce((n, b) => n + b.requests, 0);
    const errors = s.buckets.reduce((n, b) => n + b.errors, 0);
    if (requests >= this.#minRequests && errors / requests >= this.#threshold) {
      this.#eject(s, now, requests, errors);
      return;
    }
    if (s.state === 'half-open' && now >= s.until) {
      s.state = 'healthy';
      s.strikes = 0;
      s.cause = null;
    }
  }

  #eject(s: TargetState, now: number, requests: number, errors: number): void {
    const cooldown = Math.min(this.#maxCooldownMs, this.#cooldownMs * 2 ** Math.min(s.strikes, 30));
    s.state = 'ejected';
    s.strikes++;
    s.until = now + cooldown;
    s.cause = { rate: errors / requests, requests, cooldownMs: cooldown };
    s.buckets = [];
  }
}
