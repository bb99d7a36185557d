// The pickers (pkg/proxy/routing/pick.ts) with a seeded random and injected signals.
import { describe, expect, it } from 'vitest';
import { latencyCosts, orderLatency, orderLeastBusy, orderWeighted, weightedIndex } from '../../../pkg/proxy/routing/pick.ts';
import type { LoadSignals } from '../../../pkg/proxy/routing/pick.ts';
import { seeded } from './support.ts';

interface T {
  readonly name: string;
  readonly weight: number;
}

const t = (name: string, weight = 1): T => ({ name, weight });

function signals(load: Record<string, number>, latency: Record<string, number>): LoadSignals<T> {
  return { inFlight: (x) => load[x.name] ?? 0, latencyEwmaMs: (x) => latency[x.name] ?? null };
}

function firstCounts(n: number, order: () => T[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const first = order()[0]?.name ?? '';
    out[first] = (out[first] ?? 0) + 1;
  }
  return out;
}

describe('weightedIndex', () => {
  it('draws in proportion to weight and never the skipped index', () => {
    const c = [t('a', 3), t('b', 1)];
    expect(weightedIndex(c, 0)).toBe(0);
    expect(weightedIndex(c, 0.74)).toBe(0);
    expect(weightedIndex(c, 0.76)).toBe(1);
    for (const r of [0, 0.3, 0.99]) expect(weightedIndex(c, r, 0)).toBe(1);
  });

  it('all weights zero: uniform over the rest', () => {
    const c = [t('a', 0), t('b', 0), t('c', 0)];
    expect(weightedIndex(c, 0)).toBe(0);
    expect(weightedIndex(c, 0.5)).toBe(1);
    expect(weightedIndex(c, 0.99)).toBe(2);
    expect(weightedIndex(c, 0.99, 2)).toBe(1);
  });
});

describe('weighted (canary)', () => {
  it('a 99:1 canary split holds within 3 sigma over 20,000 draws with a fixed random', () => {
    const random = seeded(42);
    const c = [t('stable', 99), t('canary', 1)];
    const n = 20_000;
    const counts = firstCounts(n, () => orderWeighted(c, random));
    const p = 0.01;
    const sigma = Math.sqrt(n * p * (1 - p));
    expect(Math.abs((counts['canary'] ?? 0) - n * p)).toBeLessThan(3 * sigma);
    expect((counts['stable'] ?? 0) + (counts['canary'] ?? 0)).toBe(n);
  });

  it('a 95:5 split passes a chi-square test (1 dof, p > 0.001)', () => {
    const random = seeded(7);
    const c = [t('a', 95), t('b', 5)];
    const n = 10_000;
    const counts = firstCounts(n, () => orderWeighted(c, random));
    const chi = [['a', 0.95], ['b', 0.05]].reduce((s, [k, p]) => s + ((counts[k as string] ?? 0) - n * (p as number)) ** 2 / (n * (p as number)), 0);
    expect(chi).toBeLessThan(10.83);
  });

  it('the others follow as failover, in the given (weight-descending) order', () => {
    const c = [t('a', 5), t('b', 3), t('c', 2)];
    expect(orderWeighted(c, () => 0.9).map((x) => x.name)).toEqual(['c', 'a', 'b']);
    expect(orderWeighted(c, () => 0).map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });
});

describe('latency (peak-EWMA, power of two choices)', () => {
  it('of the two drawn, the lower latency × (in flight + 1) wins; the rest by ascending cost', () => {
    const c = [t('fast'), t('slow'), t('mid')];
    const s = signals({}, { fast: 50, slow: 900, mid: 200 });
    // Draws: 0 → fast (index 0); the second from the rest, r=0.99 → mid (index 2).
    const draws = [0, 0.99];
    const order = orderLatency(c, s, () => draws.shift() ?? 0);
    expect(order.map((x) => x.name)).toEqual(['fast', 'mid', 'slow']);
  });

  it('in flight weighs in: a fast but loaded target loses to an idle slower one', () => {
    const c = [t('fast'), t('slow')];
    const s = signals({ fast: 9 }, { fast: 100, slow: 300 });
    expect(latencyCosts(c, s)).toEqual([1000, 300]);
    expect(orderLatency(c, s, seeded(1))[0]?.name).toBe('slow');
  });

  it('steers nearly all traffic away from a slow target, yet never all (two-choice sampling)', () => {
    const c = [t('a'), t('b'), t('slow')];
    const s = signals({}, { a: 100, b: 120, slow: 2000 });
    const counts = firstCounts(3000, () => orderLatency(c, s, seeded(3)));
    expect(counts['slow'] ?? 0).toBe(0);
    const random = seeded(9);
    const spread = firstCounts(3000, () => orderLatency(c, s, random));
    expect(spread['slow'] ?? 0).toBe(0);
    expect(spread['a'] ?? 0).toBeGreaterThan(spread['b'] ?? 0);
    expect(spread['b'] ?? 0).toBeGreaterThan(500);
  });

  it('a target without a sample is costed at the lowest known latency, so it gets tried', () => {
    const c = [t('known'), t('new')];
    const s = signals({ known: 1 }, { known: 100 });
    expect(latencyCosts(c, s)).toEqual([200, 100]);
    expect(orderLatency(c, s, seeded(5))[0]?.name).toBe('new');
  });

  it('no samples at all: in flight decides', () => {
    const c = [t('a'), t('b')];
    expect(orderLatency(c, signals({ a: 3, b: 1 }, {}), seeded(2))[0]?.name).toBe('b');
  });

  it('one candidate: itself', () => {
    expect(orderLatency([t('only')], signals({}, {}), () => 0.5).map((x) => x.name)).toEqual(['only']);
  });
});

describe('least-busy', () => {
  it('the fewest in flight wins; the others by ascending load', () => {
    const c = [t('a'), t('b'), t('c')];
    const order = orderLeastBusy(c, signals({ a: 4, b: 0, c: 2 }, {}), seeded(1));
    expect(order.map((x) => x.name)).toEqual(['b', 'c', 'a']);
  });

  it('ties are broken at random by weight', () => {
    const c = [t('a', 3), t('b', 1), t('busy', 100)];
    const random = seeded(11);
    const counts = firstCounts(4000, () => orderLeastBusy(c, signals({ busy: 1 }, {}), random));
    expect(counts['busy'] ?? 0).toBe(0);
    const share = (counts['a'] ?? 0) / 4000;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
  });
});
