// applyCredential puts every credential kind where it belongs, and refuses the kinds no provider implements yet
// with an error that names the kind and never the secret.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { applyCredential, credentialSecrets, notImplemented } from '../../pkg/providers/http/credentials.ts';
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

  const unimplemented: readonly TableCredential[] = [
    { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIA0000', value: SECRET },
    { kind: 'oauth', source: 'service-account', tokenURL: 'https://oauth2.example.com/token', scopes: ['cloud-platform'], value: SECRET },
  ];
  for (const c of unimplemented) {
    it(`${c.kind}: throws internal_error naming the kind, never the secret, and changes nothing`, () => {
      const headers: Record<string, string> = {};
      const url = new URL('https://api.example.com/v1');
      let thrown: unknown;
      try {
        applyCredential(c, headers, url);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(GatewayError);
      const err = thrown as GatewayError;
      expect(err.code).toBe('internal_error');
      expect(err.message).toBe(notImplemented(c.kind as 'sigv4' | 'oauth'));
      expect(err.message).toContain(c.kind);
      expect(err.message).not.toContain(SECRET);
      expect(headers).toEqual({});
      expect(url.search).toBe('');
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
});
