// `switchyard proxy --sync … --oidc-config …`: a proxy fed by the operator accepts JWT bearer tokens from its
// issuers beside the table's API keys, and a table swap keeps them working (identity is a process setting, ADR 0017).
import { afterEach, expect, it } from 'vitest';
import { parseIdentityConfig } from '../../pkg/identity/config.ts';
import { startProxy, startSyncServer, until } from '../sync/support/harness.ts';
import { fakeProvider, route, tableOf } from '../sync/support/tables.ts';
import { makeKey, startOidcServer } from '../identity/oidc-server.ts';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(running.splice(0).reverse().map((x) => x.close()));
});

async function call(dataUrl: string, authorization: string): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(`${dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

it('proxy mode: tokens verified against the issuer beside keys, across table versions; /readyz reports the issuer', async () => {
  const idp = await startOidcServer();
  running.push(idp);
  idp.published = [await makeKey('p1')];
  const op = await startSyncServer();
  running.push(op);
  const identity = parseIdentityConfig(JSON.stringify({ issuers: [{ issuer: idp.issuer, audiences: ['gw'], claims: { team: 'team' } }] }));
  const p = await startProxy([op.url], { proxyId: 'jwt-proxy', identity });
  running.push(p);
  await until(() => op.server.proxies().some((x) => x.connected), 'the proxy to connect');
  const key = 'sk-proxy-mode-key-0007';
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: 'default', labels: { 'switchyard.dev/api-key': 'true' } }, stringData: { key } };
  const base = [fakeProvider('f'), route('chat', 'chat', [{ provider: 'f' }])];
  op.server.publish(tableOf([...base, secret], 1));
  await until(async () => (await p.ready()) === 200, 'readiness');
  const token = await idp.sign({ aud: 'gw', sub: 'pia', team: 'blue' });
  expect(await call(p.proxy.dataUrl, `Bearer ${token}`)).toEqual({ status: 200, code: undefined });
  expect((await call(p.proxy.dataUrl, `Bearer ${key}`)).status).toBe(200);
  expect(await call(p.proxy.dataUrl, `Bearer ${await idp.sign({ aud: 'other', sub: 'pia' })}`)).toEqual({ status: 401, code: 'invalid_token' });
  // A new table (without the key) changes nothing for tokens.
  op.server.publish(tableOf(base, 2));
  await until(() => p.proxy.holder.table?.version === 2, 'table 2');
  expect((await call(p.proxy.dataUrl, `Bearer ${token}`)).status).toBe(200);
  expect(await call(p.proxy.dataUrl, `Bearer ${key}`)).toEqual({ status: 401, code: 'invalid_api_key' });
  const readyz = (await (await fetch(`${p.proxy.adminUrl}/readyz`)).json()) as Record<string, unknown>;
  expect(readyz).toMatchObject({ status: 'ready', identity: { issuers: [{ issuer: idp.issuer, keysLoaded: true, keys: 1 }] } });
});
