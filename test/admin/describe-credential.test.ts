// describeCredential (validate's AUTH column, /debug/explain's `auth`): the method and where it goes for every
// credential kind, never a value; /debug/explain carries it per target.
import { describe, expect, it } from 'vitest';
import { explainModel } from '../../pkg/admin/explain.ts';
import { describeCredential } from '../../pkg/table/describe-credential.ts';
import type { RoutingTable, TableCredential, TableProvider } from '../../pkg/table/types.ts';

const SECRET = 'describe-canary-0c4d';
const CASES: readonly [TableCredential | null, string][] = [
  [null, 'none'],
  [{ kind: 'header', header: 'x-api-key', value: SECRET }, 'API key in the x-api-key header'],
  [{ kind: 'query', param: 'key', value: SECRET }, 'API key in the key query parameter'],
  [{ kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: `AKIA${SECRET}`, value: SECRET }, 'AWS SigV4 (bedrock, us-east-1) with static keys from a Secret'],
  [{ kind: 'aws-web-identity', service: 'bedrock', region: 'eu-west-1' }, 'AWS SigV4 (bedrock, eu-west-1) with web identity: role from AWS_ROLE_ARN, token file from AWS_WEB_IDENTITY_TOKEN_FILE of the proxy pod'],
  [{ kind: 'google', source: 'service-account', value: SECRET, scopes: ['s'] }, 'Google OAuth access token from a service-account key in a Secret'],
  [{ kind: 'google', source: 'default', scopes: ['s'] }, 'Google OAuth access token from application default credentials of the proxy pod'],
  [{ kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'h', scopes: [], value: SECRET }, 'Microsoft Entra ID token (tenant t, client c): client secret from a Secret'],
  [{ kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'h', scopes: [], federatedTokenFile: '/f' }, 'Microsoft Entra ID token (tenant t, client c): workload identity, token file /f of the proxy pod'],
];

describe('describeCredential', () => {
  for (const [c, want] of CASES) {
    it(`${c?.kind ?? 'null'}${c?.kind === 'google' ? `/${c.source}` : ''}`, () => {
      const text = describeCredential(c);
      expect(text).toBe(want);
      expect(text).not.toContain(SECRET);
    });
  }

  it('/debug/explain names each target\'s auth method without its secret', () => {
    const provider = (id: string, credential: TableCredential): TableProvider => ({
      id, namespace: 'default', name: id.split('/')[1] ?? '', type: 'bedrock', baseURL: 'https://bedrock-runtime.us-east-1.amazonaws.com', headers: {},
      credential, streamUsage: true, nativeApis: [], translatedApis: ['openai-chat'], models: {}, modelsListed: false, limits: {},
      timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 0 }, region: 'us-east-1',
    });
    const retry = { attempts: 1, baseBackoffMs: 1, maxBackoffMs: 1, on429: true, on5xx: true, onTimeout: true, onConnect: true };
    const table: RoutingTable = {
      version: 1, hash: '0'.repeat(64), keys: {}, quotas: [], models: { m: 'default/r' },
      providers: { 'default/a': provider('default/a', CASES[3]?.[0] as TableCredential) },
      routes: [{
        id: 'default/r', namespace: 'default', name: 'r', model: 'm', aliases: [], strategy: 'weighted', clientApis: ['openai-chat'],
        targets: [{ provider: 'default/a', model: 'x', weight: 1, priority: 0 }], fallback: [], retry, timeouts: {}, access: null,
      }],
    };
    const out = explainModel(table, 'm', 'open');
    expect(out?.targets[0]?.auth).toBe('AWS SigV4 (bedrock, us-east-1) with static keys from a Secret');
    expect(JSON.stringify(out)).not.toContain(SECRET);
  });
});
