// /debug/table redaction for every kind of TableCredential: the kind and where the credential goes stay visible,
// every secret field (value, access key id, session token, service-account key, client secret) is replaced, and no secret survives anywhere in the JSON.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactCredential, redactProvider, redactUrl } from '../../pkg/admin/redact.ts';
import { credentialSecrets } from '../../pkg/providers/http/credentials.ts';
import type { TableCredential, TableProvider } from '../../pkg/table/types.ts';

const SECRET = 'canary-secret-7d1f0a9c';
const KEY_ID = 'AKIACANARY0123456789';
const SESSION = 'session-canary-55aa';
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nCANARYKEY\n-----END PRIVATE KEY-----\n';
const SA_JSON = JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: 'kid-canary-31', private_key: PRIVATE_KEY, client_email: 'x@p.iam.gserviceaccount.com' });

const CREDENTIALS: readonly TableCredential[] = [
  { kind: 'header', header: 'x-api-key', value: SECRET },
  { kind: 'query', param: 'key', value: SECRET },
  { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: KEY_ID, value: SECRET, sessionToken: SESSION },
  { kind: 'aws-web-identity', service: 'bedrock', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/bedrock', tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
  { kind: 'google', source: 'service-account', value: SA_JSON, scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
  { kind: 'google', source: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
  {
    kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', authorityHost: `https://login.example.com/?secret=${SECRET}`,
    scopes: ['https://cognitiveservices.azure.com/.default'], value: SECRET,
  },
  { kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', authorityHost: 'https://login.microsoftonline.com', scopes: [], federatedTokenFile: '/var/run/azure/token' },
];

function provider(credential: TableCredential): TableProvider {
  return {
    id: 'default/p', namespace: 'default', name: 'p', type: 'openai', baseURL: 'https://api.example.com/v1', headers: {},
    credential, streamUsage: true, nativeApis: ['openai-chat'], translatedApis: [], models: {}, modelsListed: false, limits: {},
    timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 0 },
  };
}

describe('credential redaction on /debug/table', () => {
  for (const c of CREDENTIALS) {
    it(`${c.kind}: no secret survives and the kind stays visible`, () => {
      const out = redactProvider(provider(c));
      const text = JSON.stringify(out);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(KEY_ID);
      expect(text).not.toContain(SESSION);
      expect(text).not.toContain('CANARYKEY');
      expect(text).not.toContain('kid-canary-31');
      expect(out.credential?.kind).toBe(c.kind);
      for (const s of credentialSecrets(c)) expect(text).not.toContain(JSON.stringify(s).slice(1, -1));
      if ('value' in c) expect(out.credential && 'value' in out.credential ? out.credential.value : undefined).toBe(REDACTED);
    });
  }

  it('keeps where each credential goes', () => {
    expect(redactCredential(CREDENTIALS[0] as TableCredential)).toEqual({ kind: 'header', header: 'x-api-key', value: REDACTED });
    expect(redactCredential(CREDENTIALS[1] as TableCredential)).toEqual({ kind: 'query', param: 'key', value: REDACTED });
    expect(redactCredential(CREDENTIALS[2] as TableCredential)).toEqual({ kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: REDACTED, value: REDACTED, sessionToken: REDACTED });
    expect(redactCredential(CREDENTIALS[3] as TableCredential)).toEqual(CREDENTIALS[3]);
    expect(redactCredential(CREDENTIALS[4] as TableCredential)).toEqual({ kind: 'google', source: 'service-account', scopes: ['https://www.googleapis.com/auth/cloud-platform'], value: REDACTED });
    expect(redactCredential(CREDENTIALS[5] as TableCredential)).toEqual(CREDENTIALS[5]);
    expect(redactCredential(CREDENTIALS[6] as TableCredential)).toEqual({
      kind: 'entra', tenantId: 'tenant-1', clientId: 'client-1', authorityHost: redactUrl(`https://login.example.com/?secret=${SECRET}`),
      scopes: ['https://cognitiveservices.azure.com/.default'], value: REDACTED,
    });
    expect(redactCredential(CREDENTIALS[7] as TableCredential)).toEqual(CREDENTIALS[7]);
  });
});
