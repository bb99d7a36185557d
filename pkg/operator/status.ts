// Desired status of each object (pure): the compiler's conditions (Accepted, ResolvedRefs, ...) plus Programmed
// (from the proxies' acknowledgements) and, on Providers, Healthy (from the aggregated proxy reports).
// observedGeneration is set on the status and on every condition; lastTransitionTime is kept unless the condition's
// status value changes (C11). sameStatus() is what decides whether a write is needed at all.
import { ConditionType } from '../api/conditions.ts';
import type { ObjectStatus } from '../table/types.ts';
import { isRecord } from './kube/object.ts';
import type { KubeObject } from './kube/object.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionCore {
  readonly type: string;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

export interface StatusCondition extends ConditionCore {
  readonly observedGeneration?: number;
  readonly lastTransitionTime?: string;
}

export interface ObjectStatusBody {
  readonly observedGeneration?: number;
  readonly conditions: readonly StatusCondition[];
  /** Quota only: live usage per limit, subject and summary (printer columns); see quota-usage.ts. */
  readonly usage?: readonly unknown[];
  readonly subject?: string;
  readonly summary?: string;
}

/** The Quota-only fields, compared as JSON (they are small: one entry per limit). */
function quotaFieldsJSON(s: ObjectStatusBody): string {
  return JSON.stringify([s.usage ?? null, s.subject ?? null, s.summary ?? null]);
}

/** Reasons of the conditions the operator adds (the compiler's live in pkg/api/conditions.ts). */
export const OperatorReason = {
  Programmed: 'Programmed',
  Pending: 'Pending',
  NotAccepted: 'NotAccepted',
  Rejected: 'Rejected',
  Healthy: 'Healthy',
  Ejected: 'Ejected',
  NoTraffic: 'NoTraffic',
} as const;

/** What status needs of a proxy (a subset of the sync server's ProxyState). */
export interface ProxyView {
  readonly connected: boolean;
  readonly version: number;
  readonly hash: string;
  readonly lastAckOk: boolean;
  readonly lastError?: string;
}

export interface PublishedTable {
  readonly version: number;
  readonly hash: string;
}

export interface ProviderHealth {
  readonly healthy: boolean;
  readonly reason: string;
  readonly message: string;
}

const MAX_ERROR_CHARS = 256;

function plural(n: number): string {
  return n === 1 ? 'proxy' : 'proxies';
}

/**
 * Programmed: True once every connected proxy serves a version at or above `carried` (the first version that holds
 * the object's current generation) or serves the latest published table; Pending while some do not; Rejected when a
 * lagging proxy refused a snapshot; NotAccepted when the object was not accepted.
 */
export function programmedCondition(
  accepted: boolean, carried: number | null, published: PublishedTable | null, proxies: readonly ProxyView[],
): ConditionCore {
  const type = ConditionType.Programmed;
  if (!accepted) return { type, status: 'False', reason: OperatorReason.NotAccepted, message: 'not programmed: the object was not accepted' };
  if (carried === null || published === null) {
    return { type, status: 'Unknown', reason: OperatorReason.Pending, message: 'no routing table has been published yet' };
  }
  const connected = proxies.filter((p) => p.connected);
  if (connected.length === 0) {
    return { type, status: 'False', reason: OperatorReason.Pending, message: `version ${carried} published; no proxy is connected` };
  }
  const has = (p: ProxyView): boolean => p.version >= carried || (p.hash !== '' && p.hash === published.hash);
  const acked = connected.filter(has).length;
  const base = `version ${carried} acknowledged by ${acked}/${connected.length} ${plural(connected.length)}`;
  if (acked === connected.length) return { type, status: 'True', reason: OperatorReason.Programmed, message: base };
  const refusing = connected.filter((p) => !has(p) && !p.lastAckOk);
  if (refusing.length > 0) {
    const why = (refusing[0]?.lastError ?? 'no reason given').slice(0, MAX_ERROR_CHARS);
    return { type, status: 'False', reason: OperatorReason.Rejected, message: `${base}; ${refusing.length} refused it: ${why}` };
  }
  return { type, status: 'False', reason: OperatorReason.Pending, message: base };
}

/** Healthy on a Provider, from the health aggregator's verdict (undefined: no traffic reported). */
export function healthyCondition(h: ProviderHealth | undefined): ConditionCore {
  const type = ConditionType.Healthy;
  if (h === undefined) return { type, status: 'Unknown', reason: OperatorReason.NoTraffic, message: 'no traffic reported by the proxies yet' };
  return { type, status: h.healthy ? 'True' : 'False', reason: h.reason, message: h.message };
}

function readCondition(v: unknown): StatusCondition | null {
  if (!isRecord(v) || typeof v.type !== 'string') return null;
  const status = v.status === 'True' || v.status === 'False' ? v.status : 'Unknown';
  const c: StatusCondition = {
    type: v.type, status, reason: typeof v.reason === 'string' ? v.reason : '', message: typeof v.message === 'string' ? v.message : '',
    ...(typeof v.observedGeneration === 'number' ? { observedGeneration: v.observedGeneration } : {}),
    ...(typeof v.lastTransitionTime === 'string' ? { lastTransitionTime: v.lastTransitionTime } : {}),
  };
  return c;
}

const parsedStatus = new WeakMap<KubeObject, ObjectStatusBody | null>();

/**
 * The status an object carries now (undefined when it has none). Remembered per object: the informer replaces an
 * object on every change and never mutates it, so the same object always reads the same (and the status controller
 * can tell an unchanged observed status by identity).
 */
export function currentStatus(obj: KubeObject): ObjectStatusBody | undefined {
  let read = parsedStatus.get(obj);
  if (read === undefined) {
    read = readStatus(obj) ?? null;
    parsedStatus.set(obj, read);
  }
  return read ?? undefined;
}

function readStatus(obj: KubeObject): ObjectStatusBody | undefined {
  const s = obj['status'];
  if (!isRecord(s)) return undefined;
  const conditions = Array.isArray(s.conditions) ? s.conditions.map(readCondition).filter((c): c is StatusCondition => c !== null) : [];
  const quota = {
    ...(Array.isArray(s.usage) ? { usage: s.usage as unknown[] } : {}),
    ...(typeof s.subject === 'string' ? { subject: s.subject } : {}),
    ...(typeof s.summary === 'string' ? { summary: s.summary } : {}),
  };
  return typeof s.observedGeneration === 'number' ? { observedGeneration: s.observedGeneration, conditions, ...quota } : { conditions, ...quota };
}

/** RFC 3339 to the second, as Kubernetes stores metav1.Time. */
export function kubeTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function desiredStatus(
  compiled: ObjectStatus, extra: readonly ConditionCore[], current: ObjectStatusBody | undefined, nowIso: string,
): ObjectStatusBody {
  const generation = compiled.generation;
  const previous = new Map((current?.conditions ?? []).map((c) => [c.type, c]));
  const conditions = [...compiled.conditions, ...extra].map((c): StatusCondition => {
    const before = previous.get(c.type);
    const lastTransitionTime = before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : nowIso;
    const core = { type: c.type, status: c.status, reason: c.reason, message: c.message };
    return generation === undefined ? { ...core, lastTransitionTime } : { ...core, observedGeneration: generation, lastTransitionTime };
  });
  return generation === undefined ? { conditions } : { observedGeneration: generation, conditions };
}

function sameCondition(a: StatusCondition, b: StatusCondition): boolean {
  return a.status === b.status && a.reason === b.reason && a.message === b.message
    && (a.observedGeneration ?? null) === (b.observedGeneration ?? null) && (a.lastTransitionTime ?? null) === (b.lastTransitionTime ?? null);
}

/** Equal when observedGeneration and every condition (as a set by type) are the same. */
export function sameStatus(a: ObjectStatusBody | undefined, b: ObjectStatusBody): boolean {
  if (a === undefined) return false;
  if ((a.observedGeneration ?? null) !== (b.observedGeneration ?? null)) return false;
  if (a.conditions.length !== b.conditions.length) return false;
  if (quotaFieldsJSON(a) !== quotaFieldsJSON(b)) return false;
  for (const c of b.conditions) {
    const other = a.conditions.find((x) => x.type === c.type);
    if (other === undefined || !sameCondition(other, c)) return false;
  }
  return true;
}
