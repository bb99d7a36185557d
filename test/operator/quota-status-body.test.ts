// Quota status bodies: the usage fields are read back from the object and compared, so an unchanged usage is not
// written again and a changed one is (the "only when changed" half of the no-write-storm rule).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../pkg/operator/kube/object.ts';
import { createQuotaUsageAggregator } from '../../pkg/operator/quota-usage.ts';
import { currentStatus, sameStatus } from '../../pkg/operator/status.ts';
import type { ObjectStatusBody } from '../../pkg/operator/status.ts';

const T0 = Date.parse('2026-03-14T10:17:30.000Z');
const W0 = { start: Date.parse('2026-03-14T10:17:00.000Z'), end: Date.parse('2026-03-14T10:18:00.000Z') };
const SPEC = { subject: { kind: 'team' as const, name: 'eng' }, limits: [{ window: '1m' as const, requests: 10 }] };

function body(used: number): ObjectStatusBody {
  const agg = createQuotaUsageAggregator({ clock: () => T0 });
  agg.ingest('proxy-a', [{ quota: 'ns/q', window: '1m', ...W0, requests: used }]);
  const f = agg.statusOf('ns/q', SPEC);
  const at = '2026-03-14T10:00:00Z';
  return { observedGeneration: 2, conditions: [{ ...f.exceeded, observedGeneration: 2, lastTransitionTime: at }], usage: f.usage, subject: f.subject, summary: f.summary };
}

function stored(s: ObjectStatusBody): KubeObject {
  // What the API server hands back: the JSON the merge patch wrote.
  return { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name: 'q', namespace: 'ns', generation: 2 }, status: JSON.parse(JSON.stringify(s)) as unknown } as KubeObject;
}

describe('Quota status body', () => {
  it('reads usage, subject and summary back; the same usage needs no write, another one does', () => {
    const five = body(5);
    const current = currentStatus(stored(five));
    expect(current?.usage).toEqual(five.usage);
    expect(current?.summary).toBe('5/10 requests/1m');
    expect(current?.subject).toBe('team:eng');
    expect(sameStatus(current, body(5))).toBe(true);
    expect(sameStatus(current, body(6))).toBe(false);
  });

  it('a status without usage (written before this operator version) differs from one with it', () => {
    const plain: ObjectStatusBody = { observedGeneration: 2, conditions: body(0).conditions };
    expect(sameStatus(currentStatus(stored(plain)), body(0))).toBe(false);
    expect(sameStatus(currentStatus(stored(plain)), plain)).toBe(true);
  });
});
