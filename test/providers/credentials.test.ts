// applyCredential puts header and query credentials where they belong and leaves the kinds the adapters' own
// transports handle (SigV4, web identity, Google and Entra tokens) alone; credentialSecrets lists every secret field.
import { describe, expect, it } from 'vitest';
import { applyCredential, credentialSecrets } from '../../pkg/providers/http/credentials.ts';
import type { TableCredential } from '../../pkg/table/types.ts';

const SECRET = 'canary-9f8e7d6c5b4a';

describe('applyCredential', () => {
  it('header: sets the lower-case header to the formatted value and leaves the URL alone', () => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const url = new URL('https://api.example.com/v1/chat/completions');
    applyCredential({ kind: 'header', header: 'authorization', value: `Bearer ${SECRET}` }, headers, url);
    expect(headers).toEqual({ accept: 'application/json', authorization: `Bearer ${SECRET}` });
    expect(url.toString()).toBe('https://api.example.com/v1/chat/completions');
  });

  it('query: sets the parameter (Gemini-style ?key=), keeping other parameters and adding no header', () => {
    const headers: Record<string, string> = {};
    const url = new URL('https://generativelanguage.example.com/v1beta/models/m:generateContent?alt=sse');
    applyCredential({ kind: 'query', param: 'key', value: `${SECRET}&x=1` }, headers, url);
    expect(headers).toEqual({});
    expect(url.searchParams.get('alt')).toBe('sse');
    expect(url.searchParams.get('key')).toBe(`${SECRET}&x=1`);
    expect(url.search).toBe(`?alt=sse&key=${SECRET}%26x%3D1`);
  });

  it('null: no credentials, nothing changes', () => {
    const headers: Record<string, string> = {};
    const url = new URL('http://127.0.0.1:1/v1');
    applyCredential(null, headers, url);
    expect(headers).toEqual({});
    expect(url.toString()).toBe('http://127.0.0.1:1/v1');
  });

  const adapterKinds: readonly TableCredential[] = [
    { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIA0000', value: SECRET, sessionToken: SECRET },
    { kind: 'aws-web-identity', service: 'bedrock', region: 'us-east-1', roleArn: 'arn:aws:iam::1:role/r', tokenFile: '/var/run/token' },
    { kind: 'google', source: 'service-account', value: SECRET, scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
    { kind: 'google', source: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
    { kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'https://login.microsoftonline.com', scopes: ['https://cognitiveservices.azure.com/.default'], value: SECRET },
  ];
  for (const c of adapterKinds) {
    it(`${c.kind}: left to the adapter's transport, changes nothing`, () => {
      const headers: Record<string, string> = { accept: 'application/json' };
      const url = new URL('https://api.example.com/v1?x=1');
      expect(() => applyCredential(c, headers, url)).not.toThrow();
      expect(headers).toEqual({ accept: 'application/json' });
      expect(url.toString()).toBe('https://api.example.com/v1?x=1');
    });
  }
});

describe('credentialSecrets', () => {
  it('lists the formatted value and the bare bearer key', () => {
    expect(credentialSecrets({ kind: 'header', header: 'authorization', value: `Bearer ${SECRET}` })).toEqual([`Bearer ${SECRET}`, SECRET]);
    expect(credentialSecrets({ kind: 'query', param: 'key', value: SECRET })).toEqual([SECRET]);
    expect(credentialSecrets({ kind: 'sigv4', service: 's', region: 'r', accessKeyId: 'a', value: SECRET, sessionToken: 'tok' })).toEqual([SECRET, 'tok']);
    expect(credentialSecrets(null)).toEqual([]);
  });

  it('lists the secret fields of every other kind, and nothing for web identity or default credentials', () => {
    const sa = JSON.stringify({ type: 'service_account', private_key_id: 'kid-123', private_key: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', client_email: 'a@b.iam.gserviceaccount.com' });
    expect(credentialSecrets({ kind: 'sigv4', service: 'bedrock', region: 'r', accessKeyId: 'a', value: SECRET })).toEqual([SECRET]);
    expect(credentialSecrets({ kind: 'aws-web-identity', service: 'bedrock', region: 'r' })).toEqual([]);
    expect(credentialSecrets({ kind: 'google', source: 'service-account', value: sa, scopes: [] })).toEqual([sa, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n', 'kid-123']);
    expect(credentialSecrets({ kind: 'google', source: 'service-account', value: 'not json', scopes: [] })).toEqual(['not json']);
    expect(credentialSecrets({ kind: 'google', source: 'default', scopes: [] })).toEqual([]);
    expect(credentialSecrets({ kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'h', scopes: [], value: SECRET })).toEqual([SECRET]);
    expect(credentialSecrets({ kind: 'entra', tenantId: 't', clientId: 'c', authorityHost: 'h', scopes: [], federatedTokenFile: '/f' })).toEqual([]);
  });
});
