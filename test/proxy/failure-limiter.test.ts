// FailureLogLimiter: per-target windows with an injected clock.
import { describe, expect, it } from 'vitest';
import { FailureLogLimiter } from '../../pkg/proxy/failure-limiter.ts';

function limiter(intervalMs = 10_000, maxTargets?: number) {
  const clock = { now: 1_000_000 };
  return { clock, l: new FailureLogLimiter(intervalMs, () => clock.now, maxTargets) };
}

describe('FailureLogLimiter', () => {
  it('logs the first failure at once, then suppresses the same kind until the interval passes and reports the count', () => {
    const { clock, l } = limiter();
    expect(l.admit('p/m', 'server')).toBe(0);
    for (let i = 0; i < 5; i++) {
      clock.now += 1000;
      expect(l.admit('p/m', 'server')).toBeNull();
    }
    clock.now += 4999; // 9999 ms after the first line: still inside the window
    expect(l.admit('p/m', 'server')).toBeNull();
    clock.now += 1;
    expect(l.admit('p/m', 'server')).toBe(6);
    expect(l.admit('p/m', 'server')).toBeNull();
    clock.now += 10_000;
    expect(l.admit('p/m', 'server')).toBe(1);
  });

  it('logs the first failure of each new kind at once within a window', () => {
    const { clock, l } = limiter();
    expect(l.admit('p/m', 'server')).toBe(0);
    expect(l.admit('p/m', 'server')).toBeNull();
    clock.now += 10;
    expect(l.admit('p/m', 'connect')).toBe(1); // carries what was suppressed so far
    expect(l.admit('p/m', 'connect')).toBeNull();
    expect(l.admit('p/m', 'server')).toBeNull();
  });

  it('keeps targets apart', () => {
    const { l } = limiter();
    expect(l.admit('a/m', 'server')).toBe(0);
    expect(l.admit('b/m', 'server')).toBe(0);
    expect(l.admit('a/n', 'server')).toBe(0);
    expect(l.admit('a/m', 'server')).toBeNull();
  });

  it('bounds memory: past maxTargets the oldest target is forgotten', () => {
    const { l } = limiter(10_000, 2);
    l.admit('a', 'server');
    l.admit('b', 'server');
    l.admit('c', 'server');
    expect(l.size).toBe(2);
    expect(l.admit('a', 'server')).toBe(0); // forgotten, so logged again
    expect(l.admit('c', 'server')).toBeNull();
  });

  it('opens a new window when the clock goes backwards', () => {
    const { clock, l } = limiter();
    l.admit('p/m', 'server');
    l.admit('p/m', 'server');
    clock.now -= 60_000;
    expect(l.admit('p/m', 'server')).toBe(1);
  });
});
