// Cluster-wide quota allowances (issue 8 point 5, ADR 0020), simulated end to end with the real parts: proxies
// (QuotaStage + QuotaLedger + ClusterAllowance) and the operator's aggregator exchange reports and answers through a
// simulated network that delays and loses messages, with one shared simulated clock. Whatever the interleaving, the
// requests admitted in a window never exceed the limit; with demand everywhere, the whole limit gets used.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createQuotaUsageAggregator } from '../../pkg/operator/quota-usage.ts';
import type { QuotaUsageAggregator } from '../../pkg/operator/quota-usage.ts';
import { ClusterAllowance } from '../../pkg/quota/cluster-allowance.ts';
import type { QuotaFailMode } from '../../pkg/quota/cluster-allowance.ts';
import { QuotaLedger } from '../../pkg/quota/ledger.ts';
import { QuotaStage } from '../../pkg/quota/stage.ts';
import type { CompiledQuota } from '../../pkg/quota/stage.ts';
import { ZoneClock } from '../../pkg/quota/window.ts';
import { metricFigures, usageReports } from '../../pkg/sync/report-collector.ts';
import type { TableQuota } from '../../pkg/table/types.ts';

const QUOTA = 'ns/rpm';
const CALLER = { keyId: 'alice', team: undefined, user: undefined };
const T0 = Date.parse('2026-03-14T10:17:20.000Z');
const TIMING = { liveMs: 600, preGrantMs: 500 };

interface Proxy {
  readonly id: string;
  readonly allowance: ClusterAllowance;
  readonly ledger: QuotaLedger;
  readonly stage: QuotaStage;
  inFlight: boolean;
}

class World {
  now = T0;
  readonly admitted = new Map<number, number>();
  readonly refusals: number[] = [];
  readonly proxies: Proxy[];
  readonly operator: QuotaUsageAggregator;
  readonly quotas: ReadonlyMap<string, TableQuota>;
  /** Deliveries due: [at, action]. */
  #queue: [number, () => void][] = [];

  constructor(n: number, limit: number, failMode: QuotaFailMode = 'closed') {
    const clock = (): number => this.now;
    const tq: TableQuota = {
      id: QUOTA, subject: { kind: 'key', name: 'alice' }, models: null, limits: [{ window: '1m', requests: limit }],
      action: { type: 'reject' }, timeZone: 'UTC', shadow: false,
    };
    this.quotas = new Map([[QUOTA, tq]]);
    const compiled: CompiledQuota = {
      id: QUOTA, subject: tq.subject, limits: [{ window: '1m', metric: 'requests', limit }], action: tq.action, shadow: false, clock: new ZoneClock('UTC'),
    };
    this.operator = createQuotaUsageAggregator({ clock, ...TIMING });
    this.proxies = Array.from({ length: n }, (_, i) => {
      const allowance = new ClusterAllowance({ failMode, staleAfterMs: 600, clock });
      const ledger = new QuotaLedger(allowance);
      return { id: `proxy-${i}`, allowance, ledger, stage: new QuotaStage([compiled], ledger, null), inFlight: false };
    });
  }

  admit(p: Proxy): boolean {
    const a = p.stage.admit(CALLER, {}, false, this.now);
    if (a?.kind !== 'admit') {
      if (a?.kind === 'reject') this.refusals.push(a.retryAfter);
      return false;
    }
    a.ticket.settle({ inputTokens: null, outputTokens: null, costUSD: null });
    const start = Math.floor(this.now / 60_000) * 60_000;
    this.admitted.set(start, (this.admitted.get(start) ?? 0) + 1);
    return true;
  }

  /** A report from `p`; the network delays each leg by the given ms, or loses it (null). */
  report(p: Proxy, toOperator: number | null, back: number | null): void {
    if (p.inFlight) return;
    p.inFlight = true;
    const sentAt = this.now;
    const usage = usageReports(p.ledger.usage(this.now), { capsOf: (q, w, s) => p.allowance.capsOf(q, w, s), wants: p.allowance.drainWants(), windows: () => p.allowance.windows() });
    const fail = (at: number): void => this.#at(at, () => { p.inFlight = false; });
    if (toOperator === null) return fail(sentAt + 50);
    this.#at(sentAt + toOperator, () => {
      this.operator.ingest(p.id, usage);
      const reply = this.operator.grants(p.id, this.quotas);
      if (back === null) return fail(this.now + 50);
      this.#at(this.now + back, () => {
        p.allowance.apply({
          proxies: reply.proxies,
          grants: reply.grants.map((g) => ({ ...g, caps: metricFigures(g.caps), remaining: metricFigures(g.remaining) })),
        });
        p.inFlight = false;
      });
    });
  }

  /** `p` stops: its final report (the operator answers nothing). */
  stop(p: Proxy): void {
    this.operator.ingest(p.id, usageReports(p.ledger.usage(this.now)), true);
  }

  #at(at: number, fn: () => void): void {
    this.#queue.push([at, fn]);
    this.#queue.sort((a, b) => a[0] - b[0]);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = this.#queue[0];
      if (next === undefined || next[0] > until) break;
      this.#queue.shift();
      this.now = Math.max(this.now, next[0]);
      next[1]();
    }
    this.now = until;
  }
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('admit' as const), proxy: fc.nat(7), times: fc.integer({ min: 1, max: 4 }) }),
  fc.record({
    kind: fc.constant('report' as const), proxy: fc.nat(7),
    toOperator: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 6 }), back: fc.option(fc.integer({ min: 0, max: 300 }), { freq: 6 }),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 900 }) }),
);

describe('cluster allowances (simulated proxies and operator)', () => {
  it('admitted requests per window never exceed the limit, whatever the delays, losses and interleavings', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 }), fc.array(step, { minLength: 20, maxLength: 400 }), (n, limit, steps) => {
      const w = new World(n, limit);
      for (const s of steps) {
        const p = w.proxies[('proxy' in s ? s.proxy : 0) % n];
        if (p === undefined) continue;
        if (s.kind === 'admit') for (let i = 0; i < s.times; i++) w.admit(p);
        else if (s.kind === 'report') w.report(p, s.toOperator, s.back);
        else w.advance(s.ms);
        for (const [, count] of w.admitted) expect(count).toBeLessThanOrEqual(limit);
      }
    }), { numRuns: 150 });
  });

  it('with demand on every proxy and a healthy network, the whole limit is used in each window', () => {
    const limit = 20;
    const w = new World(3, limit);
    for (let t = 0; t < 200_000; t += 50) {
      for (const p of w.proxies) {
        w.admit(p);
        if (t % 200 === 0) w.report(p, 5, 5);
      }
      w.advance(50);
    }
    const full = [...w.admitted].filter(([start]) => start >= Date.parse('2026-03-14T10:18:00.000Z') && start + 60_000 <= w.now);
    expect(full.length).toBeGreaterThanOrEqual(2);
    for (const [, count] of full) expect(count).toBe(limit);
    // Refusals by a share (the cluster still had room) ask to retry in a second; by the limit, at the reset.
    expect(w.refusals.some((r) => r === 1)).toBe(true);
    expect(w.refusals.some((r) => r > 1)).toBe(true);
  });

  it('a proxy that joins mid-window gets a share at once; one that stops gives its share back with its final report', () => {
    const limit = 30;
    const w = new World(3, limit);
    const [a, b, c] = w.proxies as [Proxy, Proxy, Proxy];
    // a reports first and, alone, gets all the room; once b is there, a's next reports bring it down to its share.
    for (let round = 0; round < 3; round++) {
      w.report(a, 1, 1);
      w.report(b, 1, 1);
      w.advance(10);
    }
    expect(a.allowance.capacity(QUOTA, 'requests', '1m', Date.parse('2026-03-14T10:17:00.000Z'), limit, false)).toBe(limit / 3);
    // a and b hold 2 of 3 shares of the room: c, reporting for the first time, still finds one.
    w.report(c, 1, 1);
    w.advance(10);
    expect(w.admit(c)).toBe(true);
    // a stops: its final report releases what it held but did not use; b, asking again and again, gets it.
    w.stop(a);
    w.advance(10);
    let got = 0;
    for (let t = 0; t < 3_000; t += 100) {
      while (w.admit(b)) got++;
      w.report(b, 1, 1);
      w.advance(100);
    }
    // b got everything but what c still holds (c used 1 of its cap and never reported again).
    const capC = c.allowance.capsOf(QUOTA, '1m', Date.parse('2026-03-14T10:17:00.000Z'))?.requests ?? Number.NaN;
    expect(got).toBeGreaterThanOrEqual(Math.floor(limit - capC) - 1);
    expect(got + 1).toBeLessThanOrEqual(limit);
    // Quota.status counts what was reported: b's requests (c has not reported its one since).
    expect(w.operator.statusOf(QUOTA, { subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1m', requests: limit }] }).usage[0]?.used).toBe(got);
  });

  it('operator gone: fail-closed keeps the last caps (never more); fail-open enforces the whole limit alone', () => {
    for (const mode of ['closed', 'open'] as const) {
      const w = new World(2, 10, mode);
      const [a, b] = w.proxies as [Proxy, Proxy];
      for (let round = 0; round < 3; round++) {
        w.report(b, 1, 1);
        w.report(a, 1, 1);
        w.advance(10);
      }
      expect(w.admit(a)).toBe(true);
      // The operator is gone: every report is lost from now on.
      let admitted = 1;
      for (let t = 0; t < 5_000; t += 100) {
        w.report(a, null, null);
        while (w.admit(a)) admitted++;
        w.advance(100);
      }
      // closed: its one grant (two live proxies: a third of the room, one share stays free) and no more.
      if (mode === 'closed') expect(admitted).toBe(Math.floor(10 / 3));
      else expect(admitted).toBe(10);
    }
  });
});
