import { describe, expect, it } from 'vitest';
import {
  desiredStatus, healthyCondition, kubeTime, programmedCondition, sameStatus,
} from '../../pkg/operator/status.ts';
import type { ProxyView } from '../../pkg/operator/status.ts';
import type { ObjectStatus } from '../../pkg/table/types.ts';

const published = { version: 2_000_005, hash: 'h5' };
const proxy = (over: Partial<ProxyView> = {}): ProxyView => ({ connected: true, version: 2_000_005, hash: 'h5', lastAckOk: true, ...over });

describe('Programmed', () => {
  it('True with "version N acknowledged by k/n proxies" once every connected proxy has N or later', () => {
    const c = programmedCondition(true, 2_000_003, published, [proxy(), proxy({ version: 2_000_004, hash: 'h4' }), proxy({ connected: false, version: 1 })]);
    expect(c).toEqual({ type: 'Programmed', status: 'True', reason: 'Programmed', message: 'version 2000003 acknowledged by 2/2 proxies' });
  });

  it('Pending while a connected proxy is behind; a proxy on the latest hash counts even with an older version', () => {
    const c = programmedCondition(true, 2_000_005, published, [proxy(), proxy({ version: 2_000_004, hash: 'h4' }), proxy({ version: 1_000_009, hash: 'h5' })]);
    expect(c.status).toBe('False');
    expect(c.reason).toBe('Pending');
    expect(c.message).toBe('version 2000005 acknowledged by 2/3 proxies');
  });

  it('Rejected (with the proxy\'s reason) when a lagging proxy refused the snapshot', () => {
    const c = programmedCondition(true, 2_000_005, published, [proxy(), proxy({ version: 2_000_004, hash: 'h4', lastAckOk: false, lastError: 'checksum mismatch' })]);
    expect(c).toMatchObject({ status: 'False', reason: 'Rejected' });
    expect(c.message).toContain('1 refused it: checksum mismatch');
  });

  it('NotAccepted for an object that was not accepted; Pending with no proxy connected', () => {
    expect(programmedCondition(false, 5, published, [proxy()])).toMatchObject({ status: 'False', reason: 'NotAccepted' });
    expect(programmedCondition(true, 5, published, [])).toMatchObject({ status: 'False', reason: 'Pending', message: 'version 5 published; no proxy is connected' });
  });
});

describe('desired status', () => {
  const compiled: ObjectStatus = {
    kind: 'ModelRoute', namespace: 'ns', name: 'r', generation: 4,
    conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'ok' }],
  };

  it('sets observedGeneration on the status and every condition', () => {
    const s = desiredStatus(compiled, [healthyCondition(undefined)], undefined, 'T1');
    expect(s.observedGeneration).toBe(4);
    expect(s.conditions.map((c) => c.observedGeneration)).toEqual([4, 4]);
    expect(s.conditions[1]).toMatchObject({ type: 'Healthy', status: 'Unknown', reason: 'NoTraffic' });
  });

  it('C11 keeps lastTransitionTime while the status value holds, even when reason or message change', () => {
    const first = desiredStatus(compiled, [], undefined, 'T1');
    const again = desiredStatus({ ...compiled, generation: 5, conditions: [{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'other text' }] }, [], first, 'T2');
    expect(again.conditions[0]?.lastTransitionTime).toBe('T1');
    const flipped = desiredStatus({ ...compiled, conditions: [{ type: 'Accepted', status: 'False', reason: 'Invalid', message: 'bad' }] }, [], first, 'T3');
    expect(flipped.conditions[0]?.lastTransitionTime).toBe('T3');
  });

  it('C11 the same inputs give the same status (no write), any real change gives a different one', () => {
    const first = desiredStatus(compiled, [], undefined, 'T1');
    expect(sameStatus(first, desiredStatus(compiled, [], first, 'T9'))).toBe(true);
    expect(sameStatus(first, desiredStatus({ ...compiled, generation: 5 }, [], first, 'T9'))).toBe(false);
    expect(sameStatus(undefined, first)).toBe(false);
    expect(sameStatus({ ...first, conditions: [...first.conditions].reverse() }, first)).toBe(true);
  });

  it('writes times to the second, as Kubernetes stores them', () => {
    expect(kubeTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678))).toBe('2024-01-02T03:04:05Z');
  });
});
