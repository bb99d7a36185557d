// The operator's quota usage aggregator (issue 8 point 5): each proxy's usage so far summed per quota window, roll
// over, late reports, each-user (most-used subject), shadow quotas never Exceeded, and the status fields it yields.
import { describe, expect, it } from 'vitest';
import type { QuotaSpec } from '../../pkg/api/quota.ts';
import { createQuotaUsageAggregator } from '../../pkg/operator/quota-usage.ts';
import type { QuotaUsageReport } from '../../pkg/sync/protocol.ts';

/** 10:17:30 UTC: the 1m window is [10:17, 10:18). */
const T0 = Date.parse('2026-03-14T10:17:30.000Z');
const MIN = 60_000;
const W0 = { start: Date.parse('2026-03-14T10:17:00.000Z'), end: Date.parse('2026-03-14T10:18:00.000Z') };
const W1 = { start: W0.end, end: W0.end + MIN };

const rpm = (n: number, extra: Partial<QuotaSpec> = {}): QuotaSpec => ({
  subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1m', requests: n }], ...extra,
});

function delta(quota: string, w: { start: number; end: number }, figures: Partial<QuotaUsageReport>): QuotaUsageReport {
  return { quota, window: '1m', start: w.start, end: w.end, ...figures };
}

function world(start = T0) {
  let now = start;
  const agg = createQuotaUsageAggregator({ clock: () => now });
  return { agg, at: (t: number) => { now = t; } };
}

describe('quota usage aggregator', () => {
  it('sums the figures of two proxies in the same window; Exceeded once the limit is used up', () => {
    const { agg } = world();
    agg.ingest('a', [delta('default/q', W0, { requests: 2 })]);
    agg.ingest('b', [delta('default/q', W0, { requests: 3 })]);
    const s = agg.statusOf('default/q', rpm(10));
    expect(s.usage).toEqual([{ window: '1m', limitType: 'requests', used: 5, limit: 10, remaining: 5, resetAt: '2026-03-14T10:18:00Z' }]);
    expect(s.summary).toBe('5/10 requests/1m');
    expect(s.subject).toBe('key:alice');
    expect(s.exceeded).toMatchObject({ type: 'Exceeded', status: 'False', reason: 'WithinLimits' });
    expect(agg.takeChanged()).toBe(true);
    expect(agg.takeChanged()).toBe(false);

    agg.ingest('b', [delta('default/q', W0, { requests: 8 })]); // b's figure so far replaces its previous one
    const full = agg.statusOf('default/q', rpm(10));
    expect(full.usage[0]).toMatchObject({ used: 10, remaining: 0 });
    expect(full.exceeded).toMatchObject({ status: 'True', reason: 'LimitReached' });
    expect(full.exceeded.message).toContain('requests per 1m (10/10');
  });

  it('a lower figure (a release, a settlement below the estimate) lowers the total; a lost report loses nothing', () => {
    const { agg } = world();
    agg.ingest('a', [delta('default/q', W0, { requests: 4, totalTokens: 1500 })]);
    agg.ingest('a', [delta('default/q', W0, { requests: 3, totalTokens: 300 })]);
    const spec: QuotaSpec = { subject: { kind: 'team', name: 'eng' }, limits: [{ window: '1m', requests: 10 }, { window: '1m', tokens: 1000 }] };
    expect(agg.statusOf('default/q', spec).usage.map((u) => [u.limitType, u.used])).toEqual([['requests', 3], ['totalTokens', 300]]);
    // Reports 2 and 3 of proxy b were lost: report 4 still carries everything b used.
    agg.ingest('b', [delta('default/q', W0, { requests: 5, totalTokens: 100 })]);
    expect(agg.statusOf('default/q', spec).usage.map((u) => [u.limitType, u.used])).toEqual([['requests', 8], ['totalTokens', 400]]);
  });

  it('a window that rolls over starts from zero; the old window shows 0 once it is over, with the next reset', () => {
    const { agg, at } = world();
    agg.ingest('a', [delta('default/q', W0, { requests: 7 })]);
    at(W1.start + 5_000);
    expect(agg.statusOf('default/q', rpm(10)).usage[0]).toMatchObject({ used: 0, resetAt: '2026-03-14T10:19:00Z' });
    agg.ingest('a', [delta('default/q', W1, { requests: 2 })]);
    expect(agg.statusOf('default/q', rpm(10)).usage[0]).toMatchObject({ used: 2, remaining: 8, resetAt: '2026-03-14T10:19:00Z' });
  });

  it('a proxy whose clock is ahead reports the next window apart; reports for a window that is over are dropped', () => {
    const { agg, at } = world();
    agg.ingest('fast', [delta('default/q', W1, { requests: 1 })]); // its clock already reached W1
    agg.ingest('b', [delta('default/q', W0, { requests: 50 })]);
    expect(agg.statusOf('default/q', rpm(100)).usage[0]?.used).toBe(50);
    at(W1.start + 1_000);
    expect(agg.statusOf('default/q', rpm(10)).usage[0]?.used).toBe(1);
    expect(agg.takeChanged()).toBe(true);
    agg.ingest('b', [delta('default/q', W0, { requests: 60 })]); // W0 is over: dropped
    expect(agg.statusOf('default/q', rpm(10)).usage[0]?.used).toBe(1);
    expect(agg.takeChanged()).toBe(false);
  });

  it('a shadow quota is never Exceeded, even over its limit (reason Shadow names what is over)', () => {
    const { agg } = world();
    agg.ingest('a', [delta('default/s', W0, { requests: 12 })]);
    const s = agg.statusOf('default/s', rpm(10, { shadow: true }));
    expect(s.usage[0]).toMatchObject({ used: 12, remaining: 0 });
    expect(s.exceeded).toMatchObject({ status: 'False', reason: 'Shadow' });
    expect(s.exceeded.message).toContain('requests per 1m');
  });

  it('each-user: used is the most-used user, summed across proxies; Exceeded when one user used the limit up', () => {
    const { agg } = world();
    const spec: QuotaSpec = { subject: { kind: 'each-user' }, limits: [{ window: '1m', requests: 3 }] };
    agg.ingest('a', [delta('default/e', W0, { requests: 3, subjects: [{ subject: 'alice', requests: 2 }, { subject: 'bob', requests: 1 }], otherSubjects: 0 })]);
    agg.ingest('b', [delta('default/e', W0, { requests: 2, subjects: [{ subject: 'bob', requests: 2 }], otherSubjects: 0 })]);
    const s = agg.statusOf('default/e', spec);
    expect(s.usage[0]).toMatchObject({ used: 3, limit: 3, remaining: 0, topSubject: 'bob' });
    expect(s.subject).toBe('each-user');
    expect(s.exceeded).toMatchObject({ status: 'True', reason: 'LimitReached' });
  });

  it('cost figures keep micro-dollars; tokens by type; limits without usage read 0; retain() forgets deleted quotas', () => {
    const { agg } = world();
    const spec: QuotaSpec = {
      subject: { kind: 'user', name: 'alice' }, timeZone: 'Europe/Berlin',
      limits: [{ window: '1d', costUSD: 0.1 }, { window: '1h', tokens: 100, tokenType: 'input' }, { window: '1h', tokens: 100, tokenType: 'output' }],
    };
    const day = { start: Date.parse('2026-03-13T23:00:00.000Z'), end: Date.parse('2026-03-14T23:00:00.000Z') };
    agg.ingest('a', [{ quota: 'default/c', window: '1d', ...day, costUSD: 0.0123456 }]);
    agg.ingest('b', [{ quota: 'default/c', window: '1d', ...day, costUSD: 0.0000011 }]);
    agg.ingest('a', [{ quota: 'default/c', window: '1h', start: Date.parse('2026-03-14T10:00:00.000Z'), end: Date.parse('2026-03-14T11:00:00.000Z'), inputTokens: 40 }]);
    const s = agg.statusOf('default/c', spec);
    expect(s.usage).toEqual([
      { window: '1d', limitType: 'costUSD', used: 0.012347, limit: 0.1, remaining: 0.087653, resetAt: '2026-03-14T23:00:00Z' },
      { window: '1h', limitType: 'inputTokens', used: 40, limit: 100, remaining: 60, resetAt: '2026-03-14T11:00:00Z' },
      { window: '1h', limitType: 'outputTokens', used: 0, limit: 100, remaining: 100, resetAt: '2026-03-14T11:00:00Z' },
    ]);
    agg.retain(new Set());
    expect(agg.statusOf('default/c', spec).usage[0]?.used).toBe(0);
  });
});
