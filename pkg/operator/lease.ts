// The coordination.k8s.io/v1 Lease record and the pure decisions of leader election on it.
import { isRecord } from './kube/object.ts';

export interface LeaseRecord {
  readonly resourceVersion: string;
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** Versions published in one leadership term: term·1,000,000 + a sequence number (fencing, C4/C9). */
export const VERSIONS_PER_TERM = 1_000_000;

export function fencedVersion(term: number, seq: number): number {
  return term * VERSIONS_PER_TERM + seq;
}

/** The term whose versions are all above `version`. */
export function termAbove(version: number): number {
  return Math.floor(version / VERSIONS_PER_TERM) + 1;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds, e.g. 2024-05-01T10:00:00.123000Z. */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function parseLease(body: unknown): LeaseRecord | null {
  if (!isRecord(body) || !isRecord(body.metadata)) return null;
  const spec = isRecord(body.spec) ? body.spec : {};
  const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    resourceVersion: str(body.metadata.resourceVersion),
    holderIdentity: str(spec.holderIdentity),
    leaseDurationSeconds: num(spec.leaseDurationSeconds, 0),
    acquireTime: str(spec.acquireTime),
    renewTime: str(spec.renewTime),
    leaseTransitions: num(spec.leaseTransitions, 0),
  };
}

export interface LeaseSpecInput {
  readonly holderIdentity: string | null;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

export function leaseBody(namespace: string, name: string, resourceVersion: string | null, spec: LeaseSpecInput): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name, namespace };
  if (resourceVersion !== null) metadata['resourceVersion'] = resourceVersion;
  const s: Record<string, unknown> = {
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: spec.acquireTime,
    renewTime: spec.renewTime,
    leaseTransitions: spec.leaseTransitions,
  };
  if (spec.holderIdentity !== null) s['holderIdentity'] = spec.holderIdentity;
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec: s };
}

/** What a candidate knows of the lease: the record and when (local monotonic ms) it last saw the record change. */
export interface Observation {
  readonly record: LeaseRecord;
  readonly observedAt: number;
}

/** The candidate's new observation: observedAt moves only when the record itself changed (clock-skew safe). */
export function observe(prev: Observation | null, record: LeaseRecord, at: number): Observation {
  const same = prev !== null
    && prev.record.holderIdentity === record.holderIdentity
    && prev.record.renewTime === record.renewTime
    && prev.record.resourceVersion === record.resourceVersion;
  return same ? prev : { record, observedAt: at };
}

/**
 * May `identity` take the lease now? When nobody holds it (released), when the record already names us (our own
 * previous process), or when the holder has not renewed for a whole lease duration as measured by our own clock since
 * we saw the record change (client-go's rule: no comparison of two machines' wall clocks).
 */
export function canAcquire(obs: Observation, identity: string, now: number, defaultDurationMs: number): boolean {
  const { record } = obs;
  if (record.holderIdentity === '' || record.holderIdentity === identity) return true;
  const durationMs = record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : defaultDurationMs;
  return now - obs.observedAt >= durationMs;
}
