// The quota stage of one route: built at table load from the quotas whose model scope covers the route, it admits
// (check + reserve), refuses, or sends the request to a downgrade route, and hands back a ticket that settles the
// reservation with the reported usage once, or releases it (failure, disconnect before an answer). Every matching
// quota must pass; a shadow quota counts and shows in the headers but never blocks.
import { counterKey } from './ledger.ts';
import type { Counter, Metric, QuotaLedger } from './ledger.ts';
import { estimateRequest, loadTokenizer } from './estimate.ts';
import { rateLimitHeaders, retryAfterSeconds } from './headers.ts';
import type { HeaderFigure } from './headers.ts';
import type { QuotaWindow, ZoneClock } from './window.ts';

export interface CompiledLimit {
  readonly window: QuotaWindow;
  readonly metric: Metric;
  readonly limit: number;
}

export interface CompiledQuota {
  readonly id: string;
  readonly subject: { readonly kind: string; readonly name?: string; readonly claim?: string };
  readonly limits: readonly CompiledLimit[];
  readonly action: { readonly type: 'reject' | 'downgrade'; readonly route?: string };
  readonly shadow: boolean;
  readonly clock: ZoneClock;
}

/** Who is calling, as quotas see it: an API key's id, team and user, or a JWT principal's (with its claims). */
export interface QuotaCaller {
  readonly keyId: string | null;
  readonly team: string | undefined;
  readonly user: string | undefined;
  /** JWT principals only: the verified token's claims (string values). API keys have none. */
  readonly claims?: Readonly<Record<string, string>> | undefined;
}

/** USD per token. */
export interface EstimatePrice {
  readonly input: number;
  readonly output: number;
}

/** What a request really used; null where the provider reported nothing (the estimate stays charged). */
export interface ActualUsage {
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly costUSD: number | null;
}

interface Amounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUSD: number;
}

function amountOf(metric: Metric, a: Amounts): number {
  switch (metric) {
    case 'requests': return 1;
    case 'tokens-input': return a.inputTokens;
    case 'tokens-output': return a.outputTokens;
    case 'tokens-total': return a.inputTokens + a.outputTokens;
    case 'cost': return a.costUSD;
  }
}

interface Entry {
  readonly counter: Counter;
  readonly start: number;
  readonly metric: Metric;
  readonly amount: number;
}

export class QuotaTicket {
  /** Rate-limit headers for the response (remaining counts include this request's reservation). */
  readonly headers: Readonly<Record<string, string>>;
  readonly #entries: readonly Entry[];
  readonly #estimate: Amounts;
  #open = true;

  constructor(entries: readonly Entry[], estimate: Amounts, headers: Readonly<Record<string, string>>) {
    this.#entries = entries;
    this.#estimate = estimate;
    this.headers = headers;
  }

  get open(): boolean {
    return this.#open;
  }

  /** Replaces the reservation with the real usage (once; later calls do nothing). */
  settle(actual: ActualUsage): void {
    if (!this.#open) return;
    this.#open = false;
    const real: Amounts = {
      inputTokens: actual.inputTokens ?? this.#estimate.inputTokens,
      outputTokens: actual.outputTokens ?? this.#estimate.outputTokens,
      costUSD: actual.costUSD ?? this.#estimate.costUSD,
    };
    for (const e of this.#entries) if (e.counter.start === e.start) e.counter.used += amountOf(e.metric, real) - e.amount;
  }

  /** Gives the reservation back (once): nothing reached the provider, or it failed. */
  release(): void {
    if (!this.#open) return;
    this.#open = false;
    for (const e of this.#entries) if (e.counter.start === e.start) e.counter.used = Math.max(0, e.counter.used - e.amount);
  }
}

export type Admission =
  | { readonly kind: 'admit'; readonly ticket: QuotaTicket; readonly shadowExceeded: boolean }
  | { readonly kind: 'reject'; readonly retryAfter: number; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'downgrade'; readonly route: string; readonly retryAfter: number; readonly headers: Readonly<Record<string, string>> };

/** The caller's counter key under quota `q` ('' for a single subject, the user for each-user); null = not covered. */
export function subjectOf(q: Pick<CompiledQuota, 'subject'>, c: QuotaCaller): string | null {
  const s = q.subject;
  switch (s.kind) {
    case 'key': return c.keyId !== null && c.keyId === s.name ? '' : null;
    case 'team': return c.team !== undefined && c.team === s.name ? '' : null;
    case 'user': return c.user !== undefined && c.user === s.name ? '' : null;
    case 'each-user': return c.user ?? null;
    case 'claim': {
      const claims = c.claims;
      const claim = s.claim;
      return claims !== undefined && claim !== undefined && Object.hasOwn(claims, claim) && claims[claim] === s.name ? '' : null;
    }
    default: return null;
  }
}

/** Retry-After for a refusal by this proxy's share of a cluster limit (a fresh allowance is one report away). */
const ALLOWANCE_RETRY_MS = 1_000;

interface Check {
  readonly quota: CompiledQuota;
  readonly limit: CompiledLimit;
  readonly counter: Counter;
  readonly amount: number;
  readonly capacity: number;
}

function figures(checks: readonly Check[], now: number, tokens: boolean): HeaderFigure | null {
  let best: HeaderFigure | null = null;
  for (const c of checks) {
    if ((c.limit.metric === 'requests') === tokens || c.limit.metric === 'cost') continue;
    const f = { limit: c.limit.limit, remaining: c.capacity - c.counter.used, resetMs: c.counter.end - now };
    if (best === null || f.remaining < best.remaining) best = f;
  }
  return best;
}

function headersOf(checks: readonly Check[], now: number): Record<string, string> {
  return rateLimitHeaders(figures(checks, now, false), figures(checks, now, true));
}

export class QuotaStage {
  readonly quotas: readonly CompiledQuota[];
  readonly #ledger: QuotaLedger;
  readonly #price: EstimatePrice | null;
  readonly #needsTokens: boolean;

  constructor(quotas: readonly CompiledQuota[], ledger: QuotaLedger, price: EstimatePrice | null) {
    this.quotas = quotas;
    this.#ledger = ledger;
    this.#price = price;
    this.#needsTokens = quotas.some((q) => q.limits.some((l) => l.metric !== 'requests'));
    // Built with the table, before it is served: the tokenizer is loaded here, never by a request (ADR 0025).
    if (this.#needsTokens) loadTokenizer();
  }

  #estimate(body: Readonly<Record<string, unknown>>, embeddings: boolean): Amounts {
    if (!this.#needsTokens) return { inputTokens: 0, outputTokens: 0, costUSD: 0 };
    const t = estimateRequest(body, embeddings);
    const p = this.#price;
    return { ...t, costUSD: p === null ? 0 : t.inputTokens * p.input + t.outputTokens * p.output };
  }

  /** Checks every matching quota; reserves in all of them when none blocks. `null`: no quota matches the caller. */
  admit(caller: QuotaCaller, body: Readonly<Record<string, unknown>>, embeddings: boolean, now: number): Admission | null {
    const checks: Check[] = [];
    let estimate: Amounts | null = null;
    for (const q of this.quotas) {
      const subject = subjectOf(q, caller);
      if (subject === null) continue;
      estimate ??= this.#estimate(body, embeddings);
      for (const l of q.limits) {
        const counter = this.#ledger.counter(q.id, counterKey(q.id, l.window, l.metric, subject), q.clock.span(l.window, now));
        const shared = q.shadow || q.subject.kind === 'each-user';
        const capacity = this.#ledger.allowance.capacity(q.id, l.metric, l.window, counter.start, l.limit, shared);
        checks.push({ quota: q, limit: l, counter, amount: amountOf(l.metric, estimate), capacity });
      }
    }
    if (estimate === null) return null;
    let rejectAfter = 0;
    let downgradeAfter = 0;
    let downgrade: string | null = null;
    let shadowExceeded = false;
    for (const c of checks) {
      if (c.counter.used + c.amount <= c.capacity) continue;
      if (c.quota.shadow) {
        shadowExceeded = true;
        continue;
      }
      // Refused by this proxy's share of a cluster-wide limit: the operator is asked for more, so a retry in a second
      // may pass; refused by the limit itself: not before the window resets.
      const share = this.#ledger.allowance.refused(c.quota.id, c.limit.metric, c.limit.window, c.counter.start, c.amount, c.limit.limit);
      const after = share ? Math.min(ALLOWANCE_RETRY_MS, c.counter.end - now) : c.counter.end - now;
      if (c.quota.action.type === 'downgrade' && c.quota.action.route !== undefined) {
        downgrade ??= c.quota.action.route;
        downgradeAfter = Math.max(downgradeAfter, after);
      } else rejectAfter = Math.max(rejectAfter, after);
    }
    if (rejectAfter > 0) return { kind: 'reject', retryAfter: retryAfterSeconds(rejectAfter), headers: headersOf(checks, now) };
    if (downgrade !== null) return { kind: 'downgrade', route: downgrade, retryAfter: retryAfterSeconds(downgradeAfter), headers: headersOf(checks, now) };
    const entries: Entry[] = [];
    const gauges = this.#ledger.gauges;
    for (const c of checks) {
      c.counter.used += c.amount;
      entries.push({ counter: c.counter, start: c.counter.start, metric: c.limit.metric, amount: c.amount });
      gauges.track(c.quota.id, c.limit.window, c.limit.metric, c.limit.limit, c.capacity, c.counter, now);
    }
    return { kind: 'admit', ticket: new QuotaTicket(entries, estimate, headersOf(checks, now)), shadowExceeded };
  }
}
