// The shape of a Kubernetes object as the operator caches it (plain JSON from the API server) and small readers.

export interface KubeMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly uid?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
  readonly [k: string]: unknown;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeMeta;
  readonly [k: string]: unknown;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "namespace/name" ("" namespace for cluster-scoped objects). */
export function objectKey(obj: { readonly metadata: { readonly name: string; readonly namespace?: string } }): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/**
 * Validates the envelope of an object from the API server and fills in apiVersion/kind (list items of core types
 * omit them). managedFields are dropped: the operator never needs them and they can be most of an object's size.
 */
export function normalizeObject(raw: unknown, apiVersion: string, kind: string): KubeObject | null {
  if (!isRecord(raw) || !isRecord(raw.metadata) || typeof raw.metadata.name !== 'string') return null;
  const { managedFields: _dropped, ...metadata } = raw.metadata;
  return { ...raw, apiVersion, kind, metadata: metadata as unknown as KubeMeta };
}

export function labelsOf(obj: KubeObject): Readonly<Record<string, string>> {
  return isRecord(obj.metadata.labels) ? (obj.metadata.labels as Record<string, string>) : {};
}
