// Live quota consumption across proxies and each proxy's allowance (issue 8 point 5, ADR 0020). Every proxy reports
// what it has used in each open quota window (absolute figures, so a lost report loses nothing and a restarted
// operator learns them again); the window's cluster-wide usage is the sum over proxies, kept until the window ends
// even for proxies that went away. A report for a window later than the one held starts it; one for a window over
// by now is dropped. grants() answers a report with that proxy's caps (pkg/operator/quota-allowance.ts). Pure
// logic: time comes from the injected clock. quotaStatus() turns a Quota's spec and the sums into Quota.status.
import type { QuotaSpec } from '../api/quota.ts';
import { ZoneClock } from '../quota/window.ts';
import type { QuotaWindow } from '../quota/window.ts';
import type { QuotaUsageReport, ReportMessage, ReportReply, UsageFigures } from '../sync/protocol.ts';
import type { TableQuota } from '../table/types.ts';
import { confirm, grant, release } from './quota-allowance.ts';
import type { ProxyStanding } from './quota-allowance.ts';
import type { ConditionCore } from './status.ts';

/** Subjects (each-user) kept per window; later ones still count in the window's totals. */
const MAX_SUBJECTS = 1_000;

export type LimitType = keyof UsageFigures;

/** One proxy's figures in one window (absolute), and its standing per limit type for the allowances. */
interface ProxyWindow {
  totals: Record<string, number>;
  subjects: Map<string, Record<string, number>>;
  readonly standings: Map<LimitType, ProxyStanding>;
}

interface WindowState {
  readonly start: number;
  readonly end: number;
  readonly proxies: Map<string, ProxyWindow>;
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
  /**
   * A proxy's report: what it has used in each open window (replaces what it said before about those windows).
   * `final`: the proxy is stopping and admits nothing more (its caps are released).
   */
  ingest(proxy: string, usage: readonly QuotaUsageReport[], final?: boolean): void;
  /** True when ingest() changed a figure since the last call (and clears the flag). */
  takeChanged(): boolean;
  /** Cluster-wide status fields of a quota at the clock's now. */
  statusOf(id: string, spec: QuotaSpec): QuotaStatusFields;
  /**
   * The answer to `proxy`'s report: its caps for every enforcing quota's current window (and the next one when the
   * current ends within `preGrantMs`), and the number of live proxies sharing per-subject limits.
   */
  grants(proxy: string, quotas: ReadonlyMap<string, GrantQuota>): NonNullable<ReportReply['allowances']>;
  /** Forgets quotas not in `ids` (deleted). */
  retain(ids: ReadonlySet<string>): void;
}

/** What grants() reads of a quota: the table's compiled form (or a spec) has it. */
export interface GrantQuota {
  readonly subject: { readonly kind: string };
  readonly limits: readonly LimitFields[];
  readonly timeZone?: string | undefined;
  readonly shadow?: boolean | undefined;
}

export interface LimitFields {
  readonly window: QuotaWindow;
  readonly requests?: number | undefined;
  readonly tokens?: number | undefined;
  readonly tokenType?: 'input' | 'output' | 'total' | undefined;
  readonly costUSD?: number | undefined;
}

export interface AllowanceTiming {
  /** A proxy that has not reported for this long no longer counts among the live ones. Default 6 s. */
  readonly liveMs?: number;
  /** Caps for the next window are sent this long before the current one ends. Default 5 s. */
  readonly preGrantMs?: number;
}

const FIGURES: readonly LimitType[] = ['requests', 'inputTokens', 'outputTokens', 'totalTokens', 'costUSD'];

function add(into: Record<string, number>, f: UsageFigures): void {
  for (const k of FIGURES) {
    const v = f[k];
    if (v !== undefined && v !== 0) into[k] = (into[k] ?? 0) + v;
  }
}

export function limitOf(l: LimitFields): { type: LimitType; limit: number } | null {
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

export function createQuotaUsageAggregator(opts: { readonly clock: () => number } & AllowanceTiming): QuotaUsageAggregator {
  const liveMs = opts.liveMs ?? 6_000;
  const preGrantMs = opts.preGrantMs ?? 5_000;
  /** quota id → `${window}\0${start}` → state. */
  const byQuota = new Map<string, Map<string, WindowState>>();
  const lastSeen = new Map<string, number>();
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

  function windowState(quota: string, window: string, start: number, end: number): WindowState {
    let windows = byQuota.get(quota);
    if (windows === undefined) {
      windows = new Map();
      byQuota.set(quota, windows);
    }
    const key = `${window}\u0000${start}`;
    let w = windows.get(key);
    if (w === undefined) {
      w = { start, end, proxies: new Map() };
      windows.set(key, w);
    }
    return w;
  }

  function proxyWindow(w: WindowState, proxy: string): ProxyWindow {
    let pw = w.proxies.get(proxy);
    if (pw === undefined) {
      pw = { totals: {}, subjects: new Map(), standings: new Map() };
      w.proxies.set(proxy, pw);
    }
    return pw;
  }

  function standing(pw: ProxyWindow, type: LimitType): ProxyStanding {
    let s = pw.standings.get(type);
    if (s === undefined) {
      s = { used: pw.totals[type] ?? 0, caps: [], want: 0 };
      pw.standings.set(type, s);
    }
    return s;
  }

  function ingestOne(proxy: string, u: QuotaUsageReport, now: number, final: boolean): void {
    if (u.end <= now || u.start >= u.end) return; // late: that window is over
    const pw = proxyWindow(windowState(u.quota, u.window, u.start, u.end), proxy);
    const totals: Record<string, number> = {};
    add(totals, u);
    pw.totals = totals;
    const subjects = new Map<string, Record<string, number>>();
    for (const s of (u.subjects ?? []).slice(0, MAX_SUBJECTS)) {
      const f: Record<string, number> = {};
      add(f, s);
      subjects.set(s.subject, f);
    }
    pw.subjects = subjects;
    for (const type of FIGURES) {
      const s = standing(pw, type);
      s.used = totals[type] ?? 0;
      s.want = Math.max(s.want, u.want?.[type] ?? 0);
      const applied = u.caps?.[type];
      if (final) release(s);
      // An operator that restarted knows no caps: the one the proxy applies is its hold.
      else if (s.caps.length === 0 && applied !== undefined) s.caps = [applied];
      else confirm(s, applied);
    }
    changed = true;
  }

  function prune(now: number): void {
    for (const windows of byQuota.values()) for (const [key, w] of windows) if (w.end <= now) windows.delete(key);
    for (const [proxy, seen] of lastSeen) if (now - seen > liveMs) lastSeen.delete(proxy);
  }

  /** The current window's state of a limit (each proxy's figures summed); undefined before anyone reported. */
  function current(id: string, window: string, now: number): WindowState | undefined {
    const windows = byQuota.get(id);
    if (windows === undefined) return undefined;
    const prefix = `${window}\u0000`;
    for (const [key, w] of windows) if (key.startsWith(prefix) && w.start <= now && now < w.end) return w;
    return undefined;
  }

  function usedIn(w: WindowState, type: LimitType, eachUser: boolean): { used: number; top?: string } {
    if (!eachUser) {
      let used = 0;
      for (const pw of w.proxies.values()) used += pw.totals[type] ?? 0;
      return { used };
    }
    const bySubject = new Map<string, number>();
    for (const pw of w.proxies.values()) {
      for (const [subject, f] of pw.subjects) bySubject.set(subject, (bySubject.get(subject) ?? 0) + (f[type] ?? 0));
    }
    let best: { used: number; top?: string } = { used: 0 };
    for (const [subject, v] of bySubject) if (v > best.used) best = { used: v, top: subject };
    return best;
  }

  function statusOf(id: string, spec: QuotaSpec): QuotaStatusFields {
    const now = opts.clock();
    const clock = zone(spec.timeZone ?? 'UTC');
    const eachUser = spec.subject.kind === 'each-user';
    const usage: QuotaUsageStatus[] = [];
    for (const l of spec.limits) {
      const m = limitOf(l);
      if (m === null) continue;
      const held = current(id, l.window, now);
      const span = held ?? clock.span(l.window, now);
      const u = held === undefined ? { used: 0 } : usedIn(held, m.type, eachUser);
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

  function grants(proxy: string, quotas: ReadonlyMap<string, GrantQuota>): NonNullable<ReportReply['allowances']> {
    const now = opts.clock();
    lastSeen.set(proxy, now);
    let live = 0;
    for (const seen of lastSeen.values()) if (now - seen <= liveMs) live++;
    const out = new Map<string, { quota: string; window: QuotaWindow; start: number; end: number; caps: Record<string, number>; remaining: Record<string, number> }>();
    for (const [id, spec] of quotas) {
      if (spec.shadow === true || spec.subject.kind === 'each-user') continue; // shared equally: limit / proxies
      const clock = zone(spec.timeZone ?? 'UTC');
      const tightest = new Map<string, { window: QuotaWindow; type: LimitType; limit: number }>();
      for (const l of spec.limits) {
        const m = limitOf(l);
        if (m === null) continue;
        const k = `${l.window}\u0000${m.type}`;
        const prev = tightest.get(k);
        if (prev === undefined || m.limit < prev.limit) tightest.set(k, { window: l.window, type: m.type, limit: m.limit });
      }
      for (const { window, type, limit } of tightest.values()) {
        const spans = [clock.span(window, now)];
        const first = spans[0];
        if (first !== undefined && first.end - now <= preGrantMs) spans.push(clock.span(window, first.end));
        for (const span of spans) {
          const w = windowState(id, window, span.start, span.end);
          const mine = standing(proxyWindow(w, proxy), type);
          const standings = new Map<string, ProxyStanding>();
          for (const [pid, pw] of w.proxies) standings.set(pid, pid === proxy ? mine : standing(pw, type));
          const g = grant(standings, proxy, limit, live, type === 'requests');
          const key = `${id}\u0000${window}\u0000${span.start}`;
          let entry = out.get(key);
          if (entry === undefined) {
            entry = { quota: id, window, start: span.start, end: span.end, caps: {}, remaining: {} };
            out.set(key, entry);
          }
          entry.caps[type] = g.cap;
          entry.remaining[type] = g.remaining;
        }
      }
    }
    prune(now);
    return { proxies: Math.max(1, live), grants: [...out.values()] };
  }

  return {
    ingest(proxy, usage, final = false) {
      const now = opts.clock();
      if (final) lastSeen.delete(proxy);
      else lastSeen.set(proxy, now);
      for (const u of usage) ingestOne(proxy, u, now, final);
      if (final) for (const windows of byQuota.values()) for (const w of windows.values()) for (const s of w.proxies.get(proxy)?.standings.values() ?? []) release(s);
    },
    takeChanged() {
      const c = changed;
      changed = false;
      return c;
    },
    statusOf,
    grants,
    retain(ids) {
      for (const id of byQuota.keys()) if (!ids.has(id)) byQuota.delete(id);
    },
  };
}

/** What respondWithAllowances() needs of the sync server. */
export interface AllowanceServer {
  respondToReports(fn: (report: ReportMessage) => ReportReply | undefined): void;
  readonly latestQuotas: readonly TableQuota[];
}

/**
 * Every report feeds `agg` and is answered with the reporting proxy's allowances for the quotas of the table last
 * published (what the proxies enforce). Returns a function that stops answering.
 */
export function respondWithAllowances(sync: AllowanceServer, agg: QuotaUsageAggregator): () => void {
  let quotasOf: { list: readonly TableQuota[]; byId: ReadonlyMap<string, TableQuota> } = { list: [], byId: new Map() };
  sync.respondToReports((report) => {
    agg.ingest(report.proxy, report.usage, report.final === true);
    if (report.final === true) return undefined;
    const list = sync.latestQuotas;
    if (list !== quotasOf.list) quotasOf = { list, byId: new Map(list.map((q) => [q.id, q])) };
    return { allowances: agg.grants(report.proxy, quotasOf.byId) };
  });
  return () => sync.respondToReports(() => undefined);
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
