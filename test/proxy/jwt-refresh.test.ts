// Key refresh never runs on the request path and is rate-limited (ADR 0017): unknown kids ask for at most one
// refresh per cooldown, and an issuer that was down at startup recovers through the timer's backoff alone.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, oidcConfig, startJwtGateway } from '../identity/jwt-gateway.ts';
import type { JwtGateway } from '../identity/jwt-gateway.ts';
import { makeKey, startOidcServer } from '../identity/oidc-server.ts';
import type { OidcServer } from '../identity/oidc-server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

let idp: OidcServer | undefined;
let j: JwtGateway | undefined;
afterEach(async () => {
  await j?.close();
  await idp?.close();
  j = undefined;
  idp = undefined;
});

describe('JWKS refresh', () => {
  it('a burst of unknown-kid tokens triggers at most one JWKS fetch per cooldown, and each gets 401 invalid_token', async () => {
    idp = await startOidcServer();
    idp.published = [await makeKey('known')];
    j = await startJwtGateway(oidcConfig(idp.issuer, { unknownKidCooldownSeconds: 3600 }));
    const server = idp;
    const gw = j;
    const afterStart = server.hits.jwks;
    expect(afterStart).toBe(1);
    const strangers = await Promise.all([1, 2, 3, 4, 5].map(async (i) => server.sign({ aud: 'switchyard', sub: `s${i}` }, await makeKey(`unknown-${i}`))));
    const answers = await Promise.all(strangers.map((t) => gw.chat('open-model', bearer(t))));
    for (const a of answers) {
      expect(a.status).toBe(401);
      expect(a.body.error?.code).toBe('invalid_token');
    }
    for (const t of strangers) expect((await gw.chat('open-model', bearer(t))).status).toBe(401);
    await sleep(200);
    expect(server.hits.jwks - afterStart).toBe(1);
    // The known key still verifies, and API keys never touch the issuer.
    expect((await gw.chat('open-model', bearer(await server.sign({ aud: 'switchyard', sub: 'ok' })))).status).toBe(200);
    expect((await gw.chat('open-model', bearer(API_KEY))).status).toBe(200);
    expect(server.hits.jwks - afterStart).toBe(1);
  });

  it('an issuer down at startup is retried by the background timer (backoff from 1 s) without any request', async () => {
    idp = await startOidcServer();
    idp.published = [await makeKey('late')];
    idp.down = true;
    j = await startJwtGateway(oidcConfig(idp.issuer, { unknownKidCooldownSeconds: 3600 }));
    const gw = j;
    expect((await gw.readyz()).body['identity']).toMatchObject({ issuers: [{ keysLoaded: false }] });
    expect(idp.hits.discovery).toBe(1);
    idp.down = false;
    const end = Date.now() + 5000;
    let loaded = false;
    while (!loaded && Date.now() < end) {
      await sleep(100);
      loaded = ((await gw.readyz()).body['identity'] as { issuers: { keysLoaded: boolean }[] }).issuers[0]?.keysLoaded === true;
    }
    expect(loaded).toBe(true);
    expect(await gw.metrics()).toContain(`switchyard_oidc_key_refresh_total{issuer="${idp.issuer}",outcome="ok"} 1`);
    expect((await gw.chat('open-model', bearer(await idp.sign({ aud: 'switchyard', sub: 'late' })))).status).toBe(200);
  });

  it('an IdP that accepts connections and never answers delays startup by at most the 5 s fetch timeout; ready, keys missing', async () => {
    const hung = createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    try {
      const started = Date.now();
      j = await startJwtGateway(oidcConfig(issuer));
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(4500);
      expect(took).toBeLessThan(8000);
      const ready = await j.readyz();
      expect(ready.status).toBe(200);
      expect(ready.body['identity']).toMatchObject({ issuers: [{ keysLoaded: false, lastError: 'discovery document fetch failed: timed out' }] });
      expect((await j.chat('open-model', bearer(API_KEY))).status).toBe(200);
      // close() does not wait for the retry's fetch in flight.
      const closing = Date.now();
      await j.close();
      j = undefined;
      expect(Date.now() - closing).toBeLessThan(2000);
    } finally {
      hung.closeAllConnections();
      await new Promise<void>((resolve) => hung.close(() => resolve()));
    }
  }, 15_000);
});
