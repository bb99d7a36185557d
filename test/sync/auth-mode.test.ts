// `switchyard proxy --sync` keeps its auth mode whatever the operator pushes (ADR 0013): a snapshot without keys
// never opens a secured proxy — real sync server, real proxy (startSyncedProxy), real HTTP on loopback.
import { afterEach, describe, expect, it } from 'vitest';
import { chat, startProxy, startSyncServer, until } from './support/harness.ts';
import type { ProxyHarness, SyncServerHarness } from './support/harness.ts';
import { fakeProvider, route, tableOf } from './support/tables.ts';

const KEY = 'sk-sync-auth-key-000042';

const keySecret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'client', namespace: 'default', labels: { 'switchyard.dev/api-key': 'true' } }, stringData: { key: KEY } };
const base = [fakeProvider('f'), route('chat', 'chat', [{ provider: 'f' }])];

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(running.splice(0).reverse().map((x) => x.close()));
});

async function withKey(dataUrl: string, key: string): Promise<number> {
  const res = await fetch(`${dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return res.status;
}

async function start(authMode?: 'required' | 'open'): Promise<{ op: SyncServerHarness; p: ProxyHarness }> {
  const op = await startSyncServer();
  running.push(op);
  const p = await startProxy([op.url], { proxyId: `auth-${authMode ?? 'default'}`, ...(authMode === undefined ? {} : { authMode }) });
  running.push(p);
  await until(() => op.server.proxies().some((x) => x.connected), 'the proxy to connect');
  return { op, p };
}

describe('proxy --sync auth mode', () => {
  it('required (default): a snapshot with a key serves that key; the next snapshot without keys answers 401 to everyone', async () => {
    const { op, p } = await start();
    const data = p.proxy.dataUrl;
    op.server.publish(tableOf([...base, keySecret], 1));
    await until(async () => (await withKey(data, KEY)) === 200, 'the keyed table');
    expect((await chat(data, 'chat')).status).toBe(401);
    expect(p.banner.join('')).toContain('auth     required');

    op.server.publish(tableOf(base, 2));
    await until(() => p.proxy.holder.table?.version === 2, 'the keyless table');
    const noKey = await chat(data, 'chat');
    expect(noKey.status).toBe(401);
    expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
    expect(await withKey(data, KEY)).toBe(401);
    expect((await fetch(`${data}/v1/models`)).status).toBe(401);

    const warn = p.logs.records().filter((r) => r.level === 'warn' && String(r.msg).includes('holds no API keys'));
    expect(warn).toEqual([expect.objectContaining({ version: 2, auth: 'required', keys: 0 })]);
    const readyz = (await (await fetch(`${p.proxy.adminUrl}/readyz`)).json()) as Record<string, unknown>;
    expect(readyz).toMatchObject({ status: 'ready', version: 2, auth: { mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true } });
    const metrics = await (await fetch(`${p.proxy.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_auth_locked_out 1\b/);
  });

  it('open (explicit): the same keyless snapshot is served without a key, and a presented key is still checked', async () => {
    const { op, p } = await start('open');
    op.server.publish(tableOf(base, 1));
    await until(async () => (await p.ready()) === 200, 'readiness');
    expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(200);
    expect(await withKey(p.proxy.dataUrl, KEY)).toBe(401);
    expect(p.banner.join('')).toContain('auth     OPEN — requests without an API key are served (started with --auth open)');
    const readyz = (await (await fetch(`${p.proxy.adminUrl}/readyz`)).json()) as Record<string, unknown>;
    expect(readyz).toMatchObject({ auth: { mode: 'open', keys: 0, tokenIssuers: 0, lockedOut: false } });
  });
});
