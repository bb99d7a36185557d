// The API resources the operator reads and writes, and their REST paths.
import { GROUP, VERSION } from '../../api/common.ts';

export interface ResourceKind {
  /** Plural resource name, e.g. "modelroutes". */
  readonly plural: string;
  readonly kind: string;
  /** "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
}

function custom(plural: string, kind: string): ResourceKind {
  return { plural, kind, group: GROUP, version: VERSION, apiVersion: `${GROUP}/${VERSION}`, namespaced: true };
}

export const MODEL_ROUTES = custom('modelroutes', 'ModelRoute');
export const PROVIDERS = custom('providers', 'Provider');
export const QUOTAS = custom('quotas', 'Quota');
export const SECRETS: ResourceKind = { plural: 'secrets', kind: 'Secret', group: '', version: 'v1', apiVersion: 'v1', namespaced: true };
export const LEASES: ResourceKind = {
  plural: 'leases', kind: 'Lease', group: 'coordination.k8s.io', version: 'v1', apiVersion: 'coordination.k8s.io/v1', namespaced: true,
};

/** The CRD kinds whose objects carry a status the operator writes. */
export const STATUS_KINDS: readonly ResourceKind[] = [PROVIDERS, MODEL_ROUTES, QUOTAS];

function base(r: ResourceKind): string {
  return r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
}

/** Collection path, across all namespaces when namespace is undefined. */
export function collectionPath(r: ResourceKind, namespace?: string): string {
  if (namespace === undefined || !r.namespaced) return `${base(r)}/${r.plural}`;
  return `${base(r)}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`;
}

export function objectPath(r: ResourceKind, namespace: string, name: string, subresource?: 'status'): string {
  const path = `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? path : `${path}/${subresource}`;
}

export function kindByName(kind: string): ResourceKind | undefined {
  return STATUS_KINDS.find((r) => r.kind === kind);
}
