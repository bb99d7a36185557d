// Local outlier detection for one target (pkg/proxy/outlier/detector.ts) on an injected clock: consecutive failures
// and the error-rate window eject, the ejection doubles after a failed probe (capped), half-open lets exactly one
// probe through, a success restores, the route cap refuses an ejection.
import { describe, expect, it } from 'vitest';
import {
  OutlierState, beginAttempt, ejectionMs, isEjected, phaseOf, recordFailure, recordSuccess, releaseProbe,
} from '../../../pkg/proxy/outlier/detector.ts';
import type { TableOutlierDetection } from '../../../pkg/table/types.ts';

const CFG: TableOutlierDetection = { consecutiveFailures: 3, baseEjectionMs: 1000, maxEjectionMs: 5000, maxEjectedPercent: 50 };
const yes = (): boolean => true;

function failTimes(s: OutlierState, cfg: TableOutlierDetection, n: number, now: number, mayEject = yes): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i++) out.push(recordFailure(s, cfg, now, false, mayEject));
  return out;
}

describe('outlier detector', () => {
  it('ejects after consecutiveFailures in a row; a success in between resets the count', () => {
    const s = new OutlierState();
    expect(failTimes(s, CFG, 2, 0)).toEqual([null, null]);
    expect(recordSuccess(s, CFG, 1, false, 1)).toBeNull();
    expect(failTimes(s, CFG, 2, 2)).toEqual([null, null]);
    expect(isEjected(s, CFG, 2)).toBe(false);
    expect(recordFailure(s, CFG, 3, false, yes)).toBe('ejected');
    expect(s.reason).toBe('consecutive-failures');
    expect(isEjected(s, CFG, 3)).toBe(true);
    expect(isEjected(s, CFG, 3 + 999)).toBe(true);
    expect(phaseOf(s, CFG, 3 + 1000)).toBe('half-open');
    expect(isEjected(s, CFG, 3 + 1000)).toBe(false);
  });

  it('half-open: one probe at a time; its success restores the target', () => {
    const s = new OutlierState();
    failTimes(s, CFG, 3, 0);
    expect(beginAttempt(s, CFG, 500)).toBe(false); // still ejected: not a probe
    expect(beginAttempt(s, CFG, 1000)).toBe(true);
    expect(phaseOf(s, CFG, 1001)).toBe('probing');
    expect(isEjected(s, CFG, 1001)).toBe(true); // others keep skipping it while the probe is in flight
    expect(beginAttempt(s, CFG, 1002)).toBe(false);
    expect(recordSuccess(s, CFG, 1200, true, 1000)).toBe('restored');
    expect(phaseOf(s, CFG, 1200)).toBe('healthy');
    expect(isEjected(s, CFG, 1200)).toBe(false);
  });

  it('a failed probe ejects again for twice as long, up to maxEjection', () => {
    const s = new OutlierState();
    failTimes(s, CFG, 3, 0);
    const lengths: number[] = [];
    for (let i = 0; i < 5; i++) {
      const now = s.ejectedUntil;
      expect(beginAttempt(s, CFG, now)).toBe(true);
      expect(recordFailure(s, CFG, now + 10, true, yes)).toBe('reejected');
      lengths.push(s.ejectedUntil - (now + 10));
    }
    expect(lengths).toEqual([2000, 4000, 5000, 5000, 5000]);
    expect(ejectionMs(CFG, 1)).toBe(1000);
  });

  it('a failure while ejected that is not the probe changes nothing; an answer sent before the ejection does not restore', () => {
    const s = new OutlierState();
    failTimes(s, CFG, 3, 100);
    const until = s.ejectedUntil;
    expect(recordFailure(s, CFG, 150, false, yes)).toBeNull();
    expect(s.ejectedUntil).toBe(until);
    expect(recordSuccess(s, CFG, 160, false, 50)).toBeNull(); // started at 50, before the ejection at 100
    expect(isEjected(s, CFG, 160)).toBe(true);
    // Sent after the ejection (nothing else was left to send to): its success restores.
    expect(recordSuccess(s, CFG, 170, false, 120)).toBe('restored');
  });

  it('a flapping target gets the doubled time again; after a quiet spell it starts over', () => {
    const s = new OutlierState();
    failTimes(s, CFG, 3, 0);
    beginAttempt(s, CFG, 1000);
    recordSuccess(s, CFG, 1000, true, 1000);
    failTimes(s, CFG, 3, 2000); // within maxEjection (5 s) of the restore
    expect(s.ejectedUntil - 2000).toBe(2000);
    beginAttempt(s, CFG, 4000);
    recordSuccess(s, CFG, 4000, true, 4000);
    failTimes(s, CFG, 3, 4000 + 60_000); // long after
    expect(s.ejectedUntil - 64_000).toBe(1000);
    expect(s.ejections).toBe(3);
  });

  it('error-rate window: ejects at the threshold once minRequests are in the window, forgets old buckets', () => {
    const cfg: TableOutlierDetection = { ...CFG, consecutiveFailures: 0, errorRate: { threshold: 0.5, minRequests: 10, windowMs: 10_000 } };
    const s = new OutlierState();
    // 4 failures + 5 successes, interleaved: below minRequests, never 3 in a row matters (trigger off).
    for (let i = 0; i < 9; i++) {
      const now = i * 100;
      const tr = i % 2 === 0 ? recordFailure(s, cfg, now, false, yes) : recordSuccess(s, cfg, now, false, now);
      expect(tr).toBeNull();
    }
    expect(s.window(900, 10_000)).toEqual({ requests: 9, failures: 5 });
    expect(recordFailure(s, cfg, 1000, false, yes)).toBe('ejected'); // 6 of 10
    expect(s.reason).toBe('error-rate');
    // Old buckets fall out of the window.
    const t = new OutlierState();
    for (let i = 0; i < 9; i++) recordFailure(t, cfg, i, false, yes);
    expect(t.window(20_000, 10_000)).toEqual({ requests: 0, failures: 0 });
    expect(recordFailure(t, cfg, 20_000, false, yes)).toBeNull();
  });

  it('the route cap refuses an ejection and marks the state capped until a success', () => {
    const s = new OutlierState();
    expect(failTimes(s, CFG, 4, 0, () => false)).toEqual([null, null, 'capped', 'capped']);
    expect(s.capped).toBe(true);
    expect(isEjected(s, CFG, 1)).toBe(false);
    recordSuccess(s, CFG, 2, false, 2);
    expect(s.capped).toBe(false);
  });

  it('a probe released without a verdict frees the slot for the next request', () => {
    const s = new OutlierState();
    failTimes(s, CFG, 3, 0);
    expect(beginAttempt(s, CFG, 1000)).toBe(true);
    releaseProbe(s);
    expect(beginAttempt(s, CFG, 1001)).toBe(true);
  });
});
