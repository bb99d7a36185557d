// Live quota consumption across proxies (issue 8 point 5): every proxy reports its usage deltas per quota window
// every ~2 s; this sums them per window. A window whose start is later than the one held starts from zero (roll
// over); deltas for an earlier window than the one held, or for a window already over, are dropped (late). Pure
// logic: time comes from the injected clock. quotaStatus() turns a Quota's spec and the sums into Quota.status.
import type { QuotaSpec } from '../api/quota.ts';
import { ZoneClock } from '../quota/window.ts';
import type { QuotaWindow } from '../quota/window.ts';
import type { QuotaUsageReport, UsageFigures } from '../sync/protocol.ts';
import type { ConditionCore } from './status.ts';

/** Subjects (each-user) kept per window; later ones still count in the window's totals. */
const MAX_SUBJECTS = 1_000;

export type LimitType = keyof UsageFigures;

interface WindowSums {
  readonly start: number;
  readonly end: number;
  readonly totals: Record<string, number>;
  readonly subjects: Map<string, Record<string, number>>;
}

/** One entry of Quota.status.usage: a limit of the spec, with the cluster-wide figure of its current window. */
export interface QuotaUsageStatus {
  readonly window: QuotaWindow;
  /** requests, inputTokens, outputTokens, totalTokens or costUSD. */
  readonly limitType: LimitType;
  /** Used in the current window, across proxies (each-user: by the user who used most). */
  readonly used: number;
  readonly limit: number;
  /** max(0, limit - used). */
  readonly remaining: number;
  /** When the current window ends (RFC 3339). */
  readonly resetAt: string;
  /** each-user: the user who used most in the window. */
  readonly topSubject?: string;
}

export interface QuotaStatusFields {
  readonly usage: readonly QuotaUsageStatus[];
  /** "kind" or "kind:name" (claim: "claim:<claim>=<value>"), for the SUBJECT printer column. */
  readonly subject: string;
  /** "used/limit limitType per window" of the first limit, for the USED printer column. */
  readonly summary: string;
  readonly exceeded: ConditionCore;
}

export const QuotaReason = { LimitReached: 'LimitReached', WithinLimits: 'WithinLimits', Shadow: 'Shadow' } as const;
export const EXCEEDED = 'Exceeded';

export interface QuotaUsageAggregator {
  ingest(usage: readonly QuotaUsageReport[]): void;
  /** True when ingest() changed a figure since the last call (and clears the flag). */
  takeChanged(): boolean;
  /** Cluster-wide status fields of a quota at the clock's now. */
  statusOf(id: string, spec: QuotaSpec): QuotaStatusFields;
  /** Forgets quotas not in `ids` (deleted). */
  retain(ids: ReadonlySet<string>): void;
}

const FIGURES: readonly LimitType[] = ['requests', 'inputTokens', 'outputTokens', 'totalTokens', 'costUSD'];

function add(into: Record<string, number>, f: UsageFigures): void {
  for (const k of FIGURES) {
    const v = f[k];
    if (v !== undefined && v !== 0) into[k] = (into[k] ?? 0) + v;
  }
}

export function limitOf(l: QuotaSpec['limits'][number]): { type: LimitType; limit: number } | null {
  if (l.requests !== undefined) return { type: 'requests', limit: l.requests };
  if (l.tokens !== undefined) return { type: l.tokenType === 'input' ? 'inputTokens' : l.tokenType === 'output' ? 'outputTokens' : 'totalTokens', limit: l.tokens };
  if (l.costUSD !== undefined) return { type: 'costUSD', limit: l.costUSD };
  return null;
}

function round(type: LimitType, v: number): number {
  const r = type === 'costUSD' ? Math.round(v * 1e6) / 1e6 : Math.round(v);
  return Math.max(0, r);
}

function isoOf(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function subjectText(s: QuotaSpec['subject']): string {
  if (s.kind === 'claim') return `claim:${s.claim ?? ''}=${s.name ?? ''}`;
  return s.name === undefined ? s.kind : `${s.kind}:${s.name}`;
}

export function createQuotaUsageAggregator(opts: { readonly clock: () => number }): QuotaUsageAggregator {
  const byQuota = new Map<string, Map<string, WindowSums>>();
  const zones = new Map<string, ZoneClock>();
  let changed = false;

  const zone = (tz: string): ZoneClock => {
    let z = zones.get(tz);
    if (z === undefined) {
      z = new ZoneClock(tz);
      zones.set(tz, z);
    }
    return z;
  };

  function ingestOne(u: QuotaUsageReport, now: number): void {
    if (u.end <= now || u.start >= u.end) return; // late: that window is over
    let windows = byQuota.get(u.quota);
    if (windows === undefined) {
      windows = new Map();
      byQuota.set(u.quota, windows);
    }
    let w = windows.get(u.window);
    if (w !== undefined && u.start < w.start) return; // late: a window before the one held
    if (w === undefined || u.start > w.start) {
      w = { start: u.start, end: u.end, totals: {}, subjects: new Map() };
      windows.set(u.window, w);
    }
    add(w.totals, u);
    for (const s of u.subjects ?? []) {
      let f = w.subjects.get(s.subject);
      if (f === undefined) {
        if (w.subjects.size >= MAX_SUBJECTS) continue;
        f = {};
        w.subjects.set(s.subject, f);
      }
      add(f, s);
    }
    changed = true;
  }

  function usedIn(w: WindowSums, type: LimitType, eachUser: boolean): { used: number; top?: string } {
    if (!eachUser) return { used: w.totals[type] ?? 0 };
    let best: { used: number; top?: string } = { used: 0 };
    for (const [subject, f] of w.subjects) {
      const v = f[type] ?? 0;
      if (v > best.used) best = { used: v, top: subject };
    }
    return best;
  }

  function statusOf(id: string, spec: QuotaSpec): QuotaStatusFields {
    const now = opts.clock();
    const clock = zone(spec.timeZone ?? 'UTC');
    const windows = byQuota.get(id);
    const eachUser = spec.subject.kind === 'each-user';
    const usage: QuotaUsageStatus[] = [];
    for (const l of spec.limits) {
      const m = limitOf(l);
      if (m === null) continue;
      const held = windows?.get(l.window);
      const current = held !== undefined && held.start <= now && now < held.end ? held : undefined;
      const span = current ?? clock.span(l.window, now);
      const u = current === undefined ? { used: 0 } : usedIn(current, m.type, eachUser);
      const used = round(m.type, u.used);
      const entry: QuotaUsageStatus = {
        window: l.window, limitType: m.type, used, limit: m.limit, remaining: round(m.type, m.limit - used), resetAt: isoOf(span.end),
        ...(u.top === undefined ? {} : { topSubject: u.top }),
      };
      usage.push(entry);
    }
    const first = usage[0];
    const summary = first === undefined ? '' : `${first.used}/${first.limit} ${first.limitType}/${first.window}`;
    return { usage, subject: subjectText(spec.subject), summary, exceeded: exceededCondition(usage, spec.shadow === true) };
  }

  return {
    ingest(usage) {
      const now = opts.clock();
      for (const u of usage) ingestOne(u, now);
    },
    takeChanged() {
      const c = changed;
      changed = false;
      return c;
    },
    statusOf,
    retain(ids) {
      for (const id of byQuota.keys()) if (!ids.has(id)) byQuota.delete(id);
    },
  };
}

/** Exceeded: True when a limit of a non-shadow quota is used up (naming it), False otherwise. */
export function exceededCondition(usage: readonly QuotaUsageStatus[], shadow: boolean): ConditionCore {
  const full = usage.filter((u) => u.used >= u.limit).map((u) => `${u.limitType} per ${u.window} (${u.used}/${u.limit}, resets at ${u.resetAt})`);
  if (shadow) {
    const message = full.length === 0 ? 'shadow quota: counts but never blocks' : `shadow quota: counts but never blocks; over its limit: ${full.join('; ')}`;
    return { type: EXCEEDED, status: 'False', reason: QuotaReason.Shadow, message };
  }
  if (full.length === 0) return { type: EXCEEDED, status: 'False', reason: QuotaReason.WithinLimits, message: 'no limit is used up' };
  return { type: EXCEEDED, status: 'True', reason: QuotaReason.LimitReached, message: `limit used up: ${full.join('; ')}` };
}
