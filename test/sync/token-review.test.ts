// tokenReviewAuth against a real kube-apiserver + etcd: a ServiceAccount token from the TokenRequest API is
// reviewed as system:serviceaccount:<ns>:<name>; an invalid token is refused. Needs the binaries from
// `bash scripts/k8s-testenv.sh build` (fails, never skips, without them).
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../../e2e/support/cluster.ts';
import type { Cluster } from '../../e2e/support/cluster.ts';
import { requireTestenvBinaries } from '../../e2e/support/testenv.ts';
import { tokenReviewAuth } from '../../pkg/sync/auth.ts';

const NS = 'sync-auth';
let cluster: Cluster | undefined;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  cluster = await startCluster({ binDir: requireTestenvBinaries() });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'switchyard-proxy' } } });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

async function serviceAccountToken(name: string, audiences?: string[]): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    name, namespace: NS,
    body: { spec: { expirationSeconds: 600, ...(audiences === undefined ? {} : { audiences }) } },
  });
  const token = res.status?.token;
  if (token === undefined) throw new Error('no token in the TokenRequest answer');
  return token;
}

describe('tokenReviewAuth on a real API server', () => {
  it('a ServiceAccount token is reviewed as system:serviceaccount:ns:name; an invalid token is refused', async () => {
    const auth = tokenReviewAuth(kc);
    const token = await serviceAccountToken('switchyard-proxy');
    expect(await auth.verify(token)).toBe(`system:serviceaccount:${NS}:switchyard-proxy`);
    expect(await auth.verify(`${token.slice(0, -4)}AAAA`)).toBeNull();
    expect(await auth.verify('not-a-token')).toBeNull();
  });

  it('allow and audiences narrow who may sync', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'someone-else' } } });
    const allowOnly = tokenReviewAuth(kc, { allow: [`system:serviceaccount:${NS}:switchyard-proxy`] });
    expect(await allowOnly.verify(await serviceAccountToken('someone-else'))).toBeNull();
    expect(await allowOnly.verify(await serviceAccountToken('switchyard-proxy'))).toBe(`system:serviceaccount:${NS}:switchyard-proxy`);

    const audience = tokenReviewAuth(kc, { audiences: ['switchyard-sync'] });
    expect(await audience.verify(await serviceAccountToken('switchyard-proxy', ['switchyard-sync']))).toBe(`system:serviceaccount:${NS}:switchyard-proxy`);
    expect(await audience.verify(await serviceAccountToken('switchyard-proxy'))).toBeNull();
  });
});
