import { describe, expect, it } from 'vitest';
import { canAcquire, fencedVersion, leaseBody, microTime, observe, parseLease, termAbove, VERSIONS_PER_TERM } from '../../pkg/operator/lease.ts';
import type { LeaseRecord } from '../../pkg/operator/lease.ts';

const record = (over: Partial<LeaseRecord> = {}): LeaseRecord => ({
  resourceVersion: '1', holderIdentity: 'a', leaseDurationSeconds: 10, acquireTime: 't0', renewTime: 't1', leaseTransitions: 3, ...over,
});

describe('lease decisions', () => {
  it('a released lease (no holder) can be taken at once', () => {
    const obs = observe(null, record({ holderIdentity: '' }), 1_000);
    expect(canAcquire(obs, 'b', 1_000, 10_000)).toBe(true);
  });

  it('a lease naming us (our previous process) can be taken at once', () => {
    expect(canAcquire(observe(null, record({ holderIdentity: 'b' }), 0), 'b', 0, 10_000)).toBe(true);
  });

  it("another holder's lease is taken only a full lease duration after we last saw it change (our clock)", () => {
    let obs = observe(null, record(), 1_000);
    expect(canAcquire(obs, 'b', 10_999, 10_000)).toBe(false);
    expect(canAcquire(obs, 'b', 11_000, 10_000)).toBe(true);
    // a renewal (new renewTime/resourceVersion) restarts the wait
    obs = observe(obs, record({ renewTime: 't2', resourceVersion: '2' }), 9_000);
    expect(obs.observedAt).toBe(9_000);
    expect(canAcquire(obs, 'b', 18_999, 10_000)).toBe(false);
    // seeing the same record again does not
    expect(observe(obs, record({ renewTime: 't2', resourceVersion: '2' }), 15_000).observedAt).toBe(9_000);
  });

  it('uses the holder\'s leaseDurationSeconds, falling back to ours', () => {
    const obs = observe(null, record({ leaseDurationSeconds: 2 }), 0);
    expect(canAcquire(obs, 'b', 2_000, 10_000)).toBe(true);
    expect(canAcquire(observe(null, record({ leaseDurationSeconds: 0 }), 0), 'b', 5_000, 10_000)).toBe(false);
  });

  it('C9 fencing: every version of a later term is above every version of an earlier one', () => {
    expect(fencedVersion(3, VERSIONS_PER_TERM - 1)).toBeLessThan(fencedVersion(4, 1));
    expect(termAbove(fencedVersion(7, 12))).toBe(8);
    expect(fencedVersion(termAbove(5_000_123), 1)).toBeGreaterThan(5_000_123);
  });

  it('writes MicroTime with microseconds and reads a Lease back', () => {
    expect(microTime(Date.UTC(2024, 4, 1, 10, 0, 0, 123))).toBe('2024-05-01T10:00:00.123000Z');
    const body = leaseBody('ns', 'l', '42', { holderIdentity: 'x', leaseDurationSeconds: 10, acquireTime: 'a', renewTime: 'r', leaseTransitions: 2 });
    expect(parseLease(body)).toEqual({ resourceVersion: '42', holderIdentity: 'x', leaseDurationSeconds: 10, acquireTime: 'a', renewTime: 'r', leaseTransitions: 2 });
    const released = leaseBody('ns', 'l', null, { holderIdentity: null, leaseDurationSeconds: 1, acquireTime: 'a', renewTime: 'r', leaseTransitions: 2 });
    expect((released.spec as Record<string, unknown>)['holderIdentity']).toBeUndefined();
    expect(parseLease({ nope: true })).toBeNull();
  });
});
