// Peak-EWMA latency and in-flight counting (pkg/proxy/routing/target-stats.ts).
import { describe, expect, it } from 'vitest';
import { EWMA_DECAY_MS, FAILURE_PENALTY_MS, TargetStats, release } from '../../../pkg/proxy/routing/target-stats.ts';

describe('peak-EWMA', () => {
  it('a slower sample replaces the average at once (peak)', () => {
    const s = new TargetStats();
    s.observe(100, 0);
    s.observe(1000, 10);
    expect(s.ewmaMs).toBe(1000);
  });

  it('a faster sample pulls it down by 1 - exp(-Δt/τ)', () => {
    const s = new TargetStats();
    s.observe(1000, 0);
    s.observe(100, EWMA_DECAY_MS);
    const w = Math.exp(-1);
    expect(s.ewmaMs).toBeCloseTo(1000 * w + 100 * (1 - w), 6);
    // Within the same instant the average barely moves: one fast answer does not erase a slow history.
    const t = new TargetStats();
    t.observe(1000, 0);
    t.observe(100, 1);
    expect(t.ewmaMs).toBeGreaterThan(990);
  });

  it('a failure counts as a slow sample (twice the average, at least the penalty)', () => {
    const s = new TargetStats();
    s.observeFailure(5, 0);
    expect(s.ewmaMs).toBe(FAILURE_PENALTY_MS);
    s.observeFailure(5, 1);
    expect(s.ewmaMs).toBe(2 * FAILURE_PENALTY_MS);
  });

  it('in flight never goes below zero', () => {
    const s = new TargetStats();
    s.inFlight = 1;
    release(s);
    release(s);
    expect(s.inFlight).toBe(0);
  });
});
