// Which informer events can change the compiled table (pure). Status-only updates of our CRDs (same
// metadata.generation, same labels) never trigger a reconcile, so the operator's own status writes cannot loop (C11);
// a Secret matters only when it is an API key or a Provider references it, and only when its content changed.
import { canonicalJSON } from '../compiler/hash.ts';
import { isApiKeySecret } from './gather.ts';
import type { InformerEvent } from './informer.ts';
import { labelsOf } from './kube/object.ts';
import type { KubeObject } from './kube/object.ts';

function sameLabels(a: KubeObject, b: KubeObject): boolean {
  return canonicalJSON(labelsOf(a)) === canonicalJSON(labelsOf(b));
}

function specChanged(old: KubeObject, obj: KubeObject): boolean {
  const g0 = old.metadata.generation;
  const g1 = obj.metadata.generation;
  if (typeof g0 === 'number' && typeof g1 === 'number') return g0 !== g1;
  const { status: _s0, metadata: _m0, ...rest0 } = old;
  const { status: _s1, metadata: _m1, ...rest1 } = obj;
  return canonicalJSON(rest0) !== canonicalJSON(rest1);
}

function secretContentChanged(old: KubeObject, obj: KubeObject): boolean {
  return (
    canonicalJSON(old['data'] ?? {}) !== canonicalJSON(obj['data'] ?? {}) ||
    canonicalJSON(old['stringData'] ?? {}) !== canonicalJSON(obj['stringData'] ?? {}) ||
    old['type'] !== obj['type'] ||
    !sameLabels(old, obj)
  );
}

/** `referenced`: "namespace/name" of the Secrets Providers reference (computed lazily by the caller). */
export function affectsTable(ev: InformerEvent, referenced: () => ReadonlySet<string>): boolean {
  const obj = ev.obj;
  if (obj.kind !== 'Secret') {
    if (ev.type !== 'update') return true;
    return specChanged(ev.old, obj) || !sameLabels(ev.old, obj);
  }
  const matters = (s: KubeObject): boolean =>
    isApiKeySecret(s) || referenced().has(`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`);
  if (ev.type !== 'update') return matters(obj);
  return (matters(ev.old) || matters(obj)) && secretContentChanged(ev.old, obj);
}

/** An update that changed only the status (or other metadata) of a status-bearing object. */
export function isStatusOnlyUpdate(ev: InformerEvent): boolean {
  return ev.type === 'update' && ev.obj.kind !== 'Secret' && !affectsTable(ev, () => new Set());
}
