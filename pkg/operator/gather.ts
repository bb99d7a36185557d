// Gather (style.md item 2): the informer caches → one plain Snapshot, the compiler's whole input. Pure: the same
// caches give the same snapshot. Of the Secrets, only those a Provider references (spec.auth: secretRef, aws, googleServiceAccount, entra.clientSecret; same
// namespace) and API-key Secrets (label switchyard.dev/api-key: "true") are kept: nothing else reaches the compiler.
import { authSecretReferences } from '../api/provider.ts';
import { API_KEY_LABEL } from '../api/secret.ts';
import type { CacheContents } from './informers.ts';
import { labelsOf, objectKey } from './kube/object.ts';
import type { KubeObject } from './kube/object.ts';

export interface Snapshot {
  /** Providers, ModelRoutes, Quotas and the relevant Secrets, sorted by kind then namespace/name. */
  readonly objects: readonly KubeObject[];
}

function namespaceOf(obj: KubeObject): string {
  return obj.metadata.namespace ?? 'default';
}

/**
 * "namespace/name" of every Secret a Provider names in spec.auth: secretRef, the aws keys, googleServiceAccount and
 * entra.clientSecret (authSecretReferences).
 */
export function referencedSecrets(providers: readonly KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const p of providers) {
    for (const ref of authSecretReferences(p['spec'])) out.add(`${namespaceOf(p)}/${ref.name}`);
  }
  return out;
}

export function isApiKeySecret(secret: KubeObject): boolean {
  return labelsOf(secret)[API_KEY_LABEL] === 'true';
}

function byKey(a: KubeObject, b: KubeObject): number {
  const ka = objectKey(a);
  const kb = objectKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function gatherSnapshot(caches: CacheContents): Snapshot {
  const refs = referencedSecrets(caches.providers);
  const secrets = caches.secrets.filter((s) => isApiKeySecret(s) || refs.has(`${namespaceOf(s)}/${s.metadata.name}`));
  return {
    objects: [
      ...[...caches.providers].sort(byKey),
      ...[...caches.routes].sort(byKey),
      ...[...caches.quotas].sort(byKey),
      ...secrets.sort(byKey),
    ],
  };
}
