// JWT bearer tokens against a local OIDC issuer on loopback, through the real standalone gateway over HTTP (ADR 0017):
// valid tokens map claims to team/user (access rules and access log), every bad token gets 401 with a stable code
// (token_expired for a correctly signed expired token, invalid_token for everything else), unknown kids trigger a
// background refresh, and API keys keep working beside tokens.
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentityConfig } from '../../pkg/identity/config.ts';
import { principalFromClaims } from '../../pkg/identity/verifier.ts';
import { API_KEY, oidcConfig, startJwtGateway } from '../identity/jwt-gateway.ts';
import type { JwtGateway } from '../identity/jwt-gateway.ts';
import { makeKey, startOidcServer } from '../identity/oidc-server.ts';
import type { OidcServer, SigningKey } from '../identity/oidc-server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const AUD = { aud: 'switchyard' };

async function until(fn: () => Promise<boolean>, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let idp: OidcServer;
let key: SigningKey;
let j: JwtGateway;

beforeAll(async () => {
  idp = await startOidcServer();
  key = await makeKey('k1');
  idp.published = [key, await makeKey('k-es', 'ES256')];
  // No jwksUri: discovered from the issuer's /.well-known/openid-configuration.
  j = await startJwtGateway(oidcConfig(idp.issuer));
});
afterAll(async () => {
  await j?.close();
  await idp?.close();
});

describe('JWT bearer tokens (valid)', () => {
  it('a valid token → 200; the access log records jwt:<issuer host>/<sub>, team and user, never the token', async () => {
    const token = await idp.sign({ ...AUD, sub: 'alice', team: 'blue', groups: ['eng'], email: 'alice@example.com' });
    const r = await j.chat('open-model', bearer(token));
    expect(r.status).toBe(200);
    const line = j.accessLines().at(-1);
    const host = new URL(idp.issuer).host;
    expect(line).toMatchObject({ status: 200, keyId: `jwt:${host}/alice`, team: 'blue', user: 'alice' });
    expect(j.lines.join('\n')).not.toContain(token);
    expect(j.lines.join('\n')).not.toContain(token.split('.')[2]);
    expect(idp.hits.discovery).toBeGreaterThanOrEqual(1);
  });

  it('the principal carries the token\'s scalar claims (frozen, for quota claim subjects) and its groups', () => {
    const cfg = parseIdentityConfig(oidcConfig(idp.issuer)).issuers[0];
    if (cfg === undefined) throw new Error('no issuer');
    const payload = JSON.parse('{"sub":"alice","team":"blue","tenant":"acme","level":3,"admin":false,"groups":["eng",7,"ops"],"nested":{"a":1},"__proto__":"x"}') as Record<string, unknown>;
    const p = principalFromClaims(cfg, payload);
    expect(p.principal).toMatchObject({ id: `jwt:${new URL(idp.issuer).host}/alice`, team: 'blue', user: 'alice', models: null });
    expect(p.claims).toEqual({ sub: 'alice', team: 'blue', tenant: 'acme', level: '3', admin: 'false' });
    expect(Object.isFrozen(p.claims)).toBe(true);
    expect(Object.getPrototypeOf(p.claims)).toBe(Object.prototype);
    expect([...(p.groups ?? [])]).toEqual(['eng', 'ops']);
  });

  it('an ES256 token from the same issuer is accepted', async () => {
    const es = idp.published[1];
    const r = await j.chat('open-model', bearer(await idp.sign({ ...AUD, sub: 'erin' }, es)));
    expect(r.status).toBe(200);
  });

  it('claims drive access rules exactly as a key\'s team/user do: team blue and user carol allowed, others 403', async () => {
    const blue = await idp.sign({ ...AUD, sub: 'bob', team: 'blue' });
    const red = await idp.sign({ ...AUD, sub: 'rita', team: 'red' });
    const carol = await idp.sign({ ...AUD, sub: 'carol', team: 'red' });
    expect((await j.chat('blue-model', bearer(blue))).status).toBe(200);
    const denied = await j.chat('blue-model', bearer(red));
    expect(denied.status).toBe(403);
    expect(denied.body.error?.code).toBe('model_not_allowed');
    expect((await j.chat('carol-model', bearer(carol))).status).toBe(200);
    expect((await j.chat('carol-model', bearer(blue))).status).toBe(403);
    // /v1/models lists only what the token's principal may use.
    const models = (await (await fetch(`${j.gw.dataUrl}/v1/models`, { headers: bearer(red) })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id).sort()).toEqual(['open-model']);
  });

  it('access.allow groups match the token\'s groups claim; an API key (no groups) is refused', async () => {
    const eng = await idp.sign({ ...AUD, sub: 'gina', groups: ['ops', 'eng'] });
    const other = await idp.sign({ ...AUD, sub: 'hank', groups: ['sales'] });
    const single = await idp.sign({ ...AUD, sub: 'ivy', groups: 'eng' });
    expect((await j.chat('eng-model', bearer(eng))).status).toBe(200);
    expect((await j.chat('eng-model', bearer(single))).status).toBe(200);
    expect((await j.chat('eng-model', bearer(other))).status).toBe(403);
    expect((await j.chat('eng-model', bearer(API_KEY))).status).toBe(403);
    const models = (await (await fetch(`${j.gw.dataUrl}/v1/models`, { headers: bearer(eng) })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id).sort()).toEqual(['eng-model', 'open-model']);
  });

  it('an expired token within the clock skew (60 s) still passes', async () => {
    const r = await j.chat('open-model', bearer(await idp.sign({ ...AUD, sub: 'alice', exp: now() - 20 })));
    expect(r.status).toBe(200);
  });
});

describe('JWT bearer tokens (refused)', () => {
  const refused = async (token: string, code: string) => {
    const r = await j.chat('open-model', bearer(token));
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe(code);
    expect(r.body.error?.type).toBe('authentication_error');
    return r.body.error?.message;
  };

  it('expired beyond the skew → 401 token_expired', async () => {
    const msg = await refused(await idp.sign({ ...AUD, sub: 'alice', iat: now() - 7200, exp: now() - 120 }), 'token_expired');
    expect(msg).toMatch(/expired/);
  });

  it('not yet valid beyond the skew, wrong audience, wrong issuer, no exp, no sub → 401 invalid_token, one body', async () => {
    const messages = new Set<string | undefined>();
    messages.add(await refused(await idp.sign({ ...AUD, sub: 'alice', nbf: now() + 300 }), 'invalid_token'));
    messages.add(await refused(await idp.sign({ aud: 'someone-else', sub: 'alice' }), 'invalid_token'));
    messages.add(await refused(await idp.sign({ ...AUD, sub: 'alice', iss: 'https://evil.example.com' }), 'invalid_token'));
    messages.add(await refused(await idp.sign({ ...AUD, sub: 'alice', exp: undefined }), 'invalid_token'));
    messages.add(await refused(await idp.sign({ ...AUD }), 'invalid_token'));
    expect(messages.size).toBe(1);
  });

  it('bad signature, alg none, and HS256 signed with the public key bytes (key confusion) → 401 invalid_token', async () => {
    const good = await idp.sign({ ...AUD, sub: 'alice' });
    const [h, p, s] = good.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ iss: idp.issuer, ...AUD, sub: 'mallory', team: 'blue', exp: now() + 600 })).toString('base64url');
    await refused(`${h}.${forged}.${s}`, 'invalid_token');
    await refused(`${h}.${p}.${s.slice(0, -4)}AAAA`, 'invalid_token');
    const none = new UnsecuredJWT({ iss: idp.issuer, ...AUD, sub: 'mallory', exp: now() + 600 }).encode();
    await refused(none, 'invalid_token');
    for (const secret of [JSON.stringify(key.publicJwk), String(key.publicJwk.n)]) {
      const hs = await new SignJWT({ iss: idp.issuer, ...AUD, sub: 'mallory', exp: now() + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(new TextEncoder().encode(secret));
      await refused(hs, 'invalid_token');
    }
  });

  it('a token on the Anthropic route gets the Anthropic 401 envelope; x-api-key holding a JWT goes to the key table', async () => {
    const expired = await idp.sign({ ...AUD, sub: 'alice', exp: now() - 600 });
    const r = await fetch(`${j.gw.dataUrl}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...bearer(expired) },
      body: JSON.stringify({ model: 'open-model', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const valid = await idp.sign({ ...AUD, sub: 'alice' });
    const viaHeader = await j.chat('open-model', { 'x-api-key': valid });
    expect(viaHeader.status).toBe(401);
    expect(viaHeader.body.error?.code).toBe('invalid_api_key');
  });

  it('unknown kid → 401 invalid_token at once; the background refresh picks up the rotated key and the next request passes', async () => {
    const rotated = await makeKey('k2');
    idp.published = [...idp.published, rotated];
    const before = idp.hits.jwks;
    const token = await idp.sign({ ...AUD, sub: 'alice' }, rotated);
    const started = Date.now();
    const first = await j.chat('open-model', bearer(token));
    expect(first.status).toBe(401);
    expect(first.body.error?.code).toBe('invalid_token');
    expect(Date.now() - started).toBeLessThan(1000);
    await until(async () => (await j.chat('open-model', bearer(token))).status === 200, 'the rotated key');
    expect(idp.hits.jwks).toBeGreaterThan(before);
  });
});

describe('API keys beside tokens', () => {
  it('the key works as Bearer and x-api-key; an unknown non-JWT bearer is invalid_api_key; no credential is missing_api_key', async () => {
    expect((await j.chat('blue-model', bearer(API_KEY))).status).toBe(200);
    expect((await j.chat('blue-model', { 'x-api-key': API_KEY })).status).toBe(200);
    expect(j.accessLines().at(-1)).toMatchObject({ keyId: 'default/ops-key', team: 'blue', user: 'ops' });
    expect((await j.chat('open-model', bearer('sk-not-a-key'))).body.error?.code).toBe('invalid_api_key');
    expect((await j.chat('open-model', {})).body.error?.code).toBe('missing_api_key');
  });

  it('/readyz reports the issuer\'s keys as loaded; metrics count verifications by outcome', async () => {
    const ready = await j.readyz();
    expect(ready.status).toBe(200);
    expect(ready.body['identity']).toMatchObject({ issuers: [{ issuer: idp.issuer, keysLoaded: true, lastError: null }] });
    const m = await j.metrics();
    expect(m).toContain(`switchyard_oidc_keys_loaded{issuer="${idp.issuer}"} 1`);
    expect(m).toMatch(new RegExp(`switchyard_jwt_verifications_total\\{issuer="${idp.issuer}",outcome="ok"\\} [1-9]`));
    expect(m).toMatch(new RegExp(`switchyard_jwt_verifications_total\\{issuer="${idp.issuer}",outcome="expired"\\} [1-9]`));
    expect(m).toMatch(/switchyard_jwt_verifications_total\{issuer="unknown",outcome="invalid"\} [1-9]/);
  });
});

describe('issuer outage and gateways without issuers', () => {
  it('JWKS down at startup: tokens get 401, /readyz stays ready and says why, metrics show 0; recovery in the background', async () => {
    const down = await startOidcServer();
    down.published = [await makeKey('d1')];
    down.down = true;
    const g = await startJwtGateway(oidcConfig(down.issuer, { jwksUri: `${down.issuer}/jwks` }));
    try {
      const token = await down.sign({ ...AUD, sub: 'dave' });
      const r = await g.chat('open-model', bearer(token));
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('invalid_token');
      expect((await g.chat('open-model', bearer(API_KEY))).status).toBe(200);
      const ready = await g.readyz();
      expect(ready.status).toBe(200);
      expect(ready.body['identity']).toMatchObject({ issuers: [{ keysLoaded: false, keys: 0, lastRefresh: null, lastError: 'JWKS answered HTTP 503' }] });
      expect(await g.metrics()).toContain(`switchyard_oidc_keys_loaded{issuer="${down.issuer}"} 0`);
      expect(await g.metrics()).toContain(`switchyard_oidc_key_refresh_total{issuer="${down.issuer}",outcome="error"}`);
      expect(g.lines.some((l) => l.includes('OIDC key refresh failed'))).toBe(true);
      down.down = false;
      await until(async () => (await g.chat('open-model', bearer(token))).status === 200, 'recovery');
      expect((await g.readyz()).body['identity']).toMatchObject({ issuers: [{ keysLoaded: true, keys: 1, lastError: null }] });
    } finally {
      await g.close();
      await down.close();
    }
  });

  it('tokens as the only credential (no API keys) are not a lock-out: no warning, gauge 0, /readyz lockedOut false', async () => {
    const g = await startJwtGateway(oidcConfig(idp.issuer), 'required', { apiKey: false });
    try {
      expect((await g.chat('open-model', bearer(await idp.sign({ ...AUD, sub: 'alice' })))).status).toBe(200);
      expect((await g.chat('open-model', {})).status).toBe(401);
      expect((await g.readyz()).body['auth']).toEqual({ mode: 'required', keys: 0, tokenIssuers: 1, lockedOut: false });
      expect(await g.metrics()).toMatch(/^switchyard_auth_locked_out 0$/m);
      expect(g.lines.some((l) => l.includes('holds no API keys'))).toBe(false);
    } finally {
      await g.close();
    }
    // The same configuration without the issuer is locked out, and says so.
    const locked = await startJwtGateway(null, 'required', { apiKey: false });
    try {
      expect((await locked.readyz()).body['auth']).toEqual({ mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true });
      expect(await locked.metrics()).toMatch(/^switchyard_auth_locked_out 1$/m);
      expect(locked.lines.some((l) => l.includes('holds no API keys'))).toBe(true);
    } finally {
      await locked.close();
    }
  });

  it('without issuers a JWT-looking bearer is just an unknown key (401 invalid_api_key) and /readyz has no identity', async () => {
    const g = await startJwtGateway(null);
    try {
      const r = await g.chat('open-model', bearer(await idp.sign({ ...AUD, sub: 'alice' })));
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('invalid_api_key');
      expect((await g.readyz()).body['identity']).toBeUndefined();
    } finally {
      await g.close();
    }
  });

  it('open mode: a request without a credential is anonymous, a presented bad token is still refused', async () => {
    const g = await startJwtGateway(oidcConfig(idp.issuer), 'open');
    try {
      expect((await g.chat('open-model', {})).status).toBe(200);
      const r = await g.chat('open-model', bearer(await idp.sign({ aud: 'nope', sub: 'alice' })));
      expect(r.status).toBe(401);
      expect(r.body.error?.code).toBe('invalid_token');
    } finally {
      await g.close();
    }
  });
});
