// The operator passes the compiler every Secret a Provider's spec.auth names — secretRef, the aws keys,
// googleServiceAccount and entra.clientSecret — in the Provider's namespace, and no other Secret.
import { describe, expect, it } from 'vitest';
import { authSecretReferences } from '../../pkg/api/provider.ts';
import { gatherSnapshot, referencedSecrets } from '../../pkg/operator/gather.ts';
import type { KubeObject } from '../../pkg/operator/kube/object.ts';

const API = 'switchyard.dev/v1alpha1';
const provider = (name: string, spec: Record<string, unknown>, ns = 'ns'): KubeObject => ({ apiVersion: API, kind: 'Provider', metadata: { name, namespace: ns, generation: 1 }, spec });
const secret = (name: string, ns = 'ns'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: { k: 'eA==' } });
const ref = (name: string, key = 'k') => ({ name, key });

const PROVIDERS = [
  provider('bedrock', { type: 'bedrock', region: 'us-east-1', auth: { aws: { accessKeyId: ref('aws-id'), secretAccessKey: ref('aws-secret'), sessionToken: ref('aws-token') } } }),
  provider('irsa', { type: 'bedrock', region: 'us-east-1', auth: { awsWebIdentity: {} } }),
  provider('vertex', { type: 'vertex-ai', region: 'global', project: 'p', auth: { googleServiceAccount: ref('sa', 'key.json') } }, 'gcp'),
  provider('adc', { type: 'vertex-ai', region: 'global', project: 'p', auth: { googleDefault: {} } }),
  provider('azure', { type: 'azure-openai', auth: { entra: { tenantId: 't', clientId: 'c', clientSecret: ref('entra') } } }),
  provider('openai', { type: 'openai', auth: { secretRef: ref('openai') } }),
  provider('broken', { type: 'bedrock', auth: { aws: { accessKeyId: 'not-a-ref', secretAccessKey: { name: '' , key: 'k' } } } }),
];

describe('Secrets referenced by Provider auth', () => {
  it('authSecretReferences lists every Secret key of every method, marking the service-account JSON', () => {
    expect(authSecretReferences(PROVIDERS[0]?.['spec'])).toEqual([
      { name: 'aws-id', key: 'k', json: false }, { name: 'aws-secret', key: 'k', json: false }, { name: 'aws-token', key: 'k', json: false },
    ]);
    expect(authSecretReferences(PROVIDERS[2]?.['spec'])).toEqual([{ name: 'sa', key: 'key.json', json: true }]);
    expect(authSecretReferences(PROVIDERS[4]?.['spec'])).toEqual([{ name: 'entra', key: 'k', json: false }]);
    expect(authSecretReferences(PROVIDERS[1]?.['spec'])).toEqual([]);
    expect(authSecretReferences(PROVIDERS[6]?.['spec'])).toEqual([]);
    expect(authSecretReferences(null)).toEqual([]);
  });

  it('the snapshot keeps exactly the referenced Secrets, by namespace', () => {
    expect([...referencedSecrets(PROVIDERS)].sort()).toEqual(['gcp/sa', 'ns/aws-id', 'ns/aws-secret', 'ns/aws-token', 'ns/entra', 'ns/openai']);
    const secrets = ['aws-id', 'aws-secret', 'aws-token', 'entra', 'openai', 'unrelated', 'sa'].map((n) => secret(n)).concat(secret('sa', 'gcp'));
    const snap = gatherSnapshot({ providers: PROVIDERS, routes: [], quotas: [], secrets });
    const kept = snap.objects.filter((o) => o.kind === 'Secret').map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(kept).toEqual(['gcp/sa', 'ns/aws-id', 'ns/aws-secret', 'ns/aws-token', 'ns/entra', 'ns/openai']);
  });
});
