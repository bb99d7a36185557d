// /debug/table redaction for every kind of TableCredential: the kind and where the credential goes stay visible,
// every secret field (value, access key id, session token) is replaced, and no secret survives anywhere in the JSON.
import { describe, expect, it } from 'vitest';
import { REDACTED, redactCredential, redactProvider } from '../../pkg/admin/redact.ts';
import type { TableCredential, TableProvider } from '../../pkg/table/types.ts';

const SECRET = 'canary-secret-7d1f0a9c';
const KEY_ID = 'AKIACANARY0123456789';
const SESSION = 'session-canary-55aa';

const CREDENTIALS: readonly TableCredential[] = [
  { kind: 'header', header: 'x-api-key', value: SECRET },
  { kind: 'query', param: 'key', value: SECRET },
  { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: KEY_ID, value: SECRET, sessionToken: SESSION },
  { kind: 'oauth', source: 'client-credentials', tokenURL: `https://login.example.com/token?secret=${SECRET}`, scopes: ['api://x/.default'], clientId: 'client-1', value: SECRET },
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
      expect(out.credential?.kind).toBe(c.kind);
      expect(out.credential?.value).toBe(REDACTED);
    });
  }

  it('keeps where each credential goes', () => {
    expect(redactCredential(CREDENTIALS[0] as TableCredential)).toEqual({ kind: 'header', header: 'x-api-key', value: REDACTED });
    expect(redactCredential(CREDENTIALS[1] as TableCredential)).toEqual({ kind: 'query', param: 'key', value: REDACTED });
    expect(redactCredential(CREDENTIALS[2] as TableCredential)).toEqual({ kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: REDACTED, value: REDACTED });
    expect(redactCredential(CREDENTIALS[3] as TableCredential)).toMatchObject({ kind: 'oauth', source: 'client-credentials', scopes: ['api://x/.default'], value: REDACTED });
  });
});
