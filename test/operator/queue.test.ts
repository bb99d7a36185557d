import { describe, expect, it } from 'vitest';
import { backoffDelay, jittered } from '../../pkg/operator/backoff.ts';
import { createWorkQueue } from '../../pkg/operator/queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('work queue (one key, debounced)', () => {
  it('collapses a burst of triggers into one run after the quiet time', async () => {
    let runs = 0;
    const q = createWorkQueue({ debounceMs: 40, maxDelayMs: 1_000, run: async () => { runs++; }, onError: () => undefined });
    for (let i = 0; i < 20; i++) q.trigger();
    await sleep(20);
    expect(runs).toBe(0);
    await sleep(60);
    expect(runs).toBe(1);
    await q.stop();
  });

  it('runs no later than maxDelay after the first trigger, however busy', async () => {
    let runs = 0;
    const q = createWorkQueue({ debounceMs: 50, maxDelayMs: 120, run: async () => { runs++; }, onError: () => undefined });
    const t0 = performance.now();
    let firstRunAt = 0;
    while (performance.now() - t0 < 300) {
      q.trigger();
      if (runs > 0 && firstRunAt === 0) firstRunAt = performance.now() - t0;
      await sleep(10);
    }
    expect(firstRunAt).toBeGreaterThan(0);
    expect(firstRunAt).toBeLessThan(200);
    await q.stop();
  });

  it('never overlaps runs; a trigger during a run gives exactly one more run', async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const q = createWorkQueue({
      debounceMs: 5, maxDelayMs: 50, onError: () => undefined,
      run: async () => { active++; maxActive = Math.max(maxActive, active); runs++; await sleep(40); active--; },
    });
    q.trigger(true);
    await sleep(10);
    q.trigger(); q.trigger(); q.trigger(true);
    await sleep(20);
    await q.idle();
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
    await q.stop();
  });

  it('leadingMs: a lone trigger after a quiet period runs after leadingMs; a burst still collapses after the debounce', async () => {
    const runs: number[] = [];
    const t0 = performance.now();
    const q = createWorkQueue({ debounceMs: 150, leadingMs: 10, maxDelayMs: 1_000, run: async () => { runs.push(performance.now() - t0); }, onError: () => undefined });
    q.trigger();
    await sleep(100);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeLessThan(140);
    // Within debounceMs of the last run: not quiet, debounced as usual.
    q.trigger();
    await sleep(60);
    expect(runs).toHaveLength(1);
    await q.idle();
    expect(runs).toHaveLength(2);
    // Quiet again; a burst: the first trigger alone would run after 10 ms, the next ones push the run to the debounce.
    await sleep(200);
    const burstAt = performance.now() - t0;
    for (let i = 0; i < 5; i++) q.trigger();
    await sleep(60);
    expect(runs).toHaveLength(2);
    await q.idle();
    expect(runs).toHaveLength(3);
    expect((runs[2] ?? 0) - burstAt).toBeGreaterThanOrEqual(140);
    await q.stop();
  });

  it('keeps going after a failed run', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const q = createWorkQueue({ debounceMs: 1, maxDelayMs: 10, onError: (e) => errors.push(e), run: async () => { runs++; if (runs === 1) throw new Error('boom'); } });
    q.trigger();
    await sleep(20);
    q.trigger();
    await sleep(20);
    expect(errors).toHaveLength(1);
    expect(runs).toBe(2);
    await q.stop();
  });
});

describe('backoff', () => {
  it('C15 grows exponentially with jitter, within [d/2, d] and capped', () => {
    const p = { baseMs: 500, maxMs: 30_000 };
    for (const r of [0, 0.5, 0.999]) {
      const policy = { ...p, random: () => r };
      expect(backoffDelay(policy, 1)).toBeGreaterThanOrEqual(250);
      expect(backoffDelay(policy, 1)).toBeLessThanOrEqual(500);
      expect(backoffDelay(policy, 4)).toBeGreaterThanOrEqual(2_000);
      expect(backoffDelay(policy, 4)).toBeLessThanOrEqual(4_000);
      expect(backoffDelay(policy, 50)).toBeLessThanOrEqual(30_000);
      expect(backoffDelay(policy, 50)).toBeGreaterThanOrEqual(15_000);
    }
    expect(jittered(1000, 0.1, () => 0)).toBe(900);
    expect(jittered(1000, 0.1, () => 0.999)).toBeLessThanOrEqual(1100);
  });
});
