// `switchyard serve` (the standalone gateway over a config directory): quotas enforced exactly in one process, the
// usage surviving a reload of the files that keeps the quota (also with a new limit), dropped when the quota goes;
// a claim subject matched by a JWT principal's verified claim (local OIDC issuer on loopback).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentityConfig } from '../../pkg/identity/config.ts';
import { startStandalone } from '../../pkg/serve/standalone.ts';
import type { StandaloneGateway } from '../../pkg/serve/standalone.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { makeKey, startOidcServer } from '../identity/oidc-server.ts';
import type { OidcServer } from '../identity/oidc-server.ts';

const KEY = 'sk-quota-standalone-0001';
const V = 'switchyard.dev/v1alpha1';

function manifests(keyQuota: Record<string, unknown> | null): string {
  const objs: unknown[] = [
    { apiVersion: V, kind: 'Provider', metadata: { name: 'fake' }, spec: { type: 'fake', fake: { latency: '1ms' } } },
    { apiVersion: V, kind: 'ModelRoute', metadata: { name: 'chat' }, spec: { model: 'chat', targets: [{ provider: 'fake' }] } },
    { apiVersion: V, kind: 'ModelRoute', metadata: { name: 'claimed' }, spec: { model: 'claimed', targets: [{ provider: 'fake' }] } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ci', labels: { 'switchyard.dev/api-key': 'true' } }, stringData: { key: KEY, team: 'ci' } },
    { apiVersion: V, kind: 'Quota', metadata: { name: 'acme' }, spec: { subject: { kind: 'claim', claim: 'org', name: 'acme' }, models: ['claimed'], limits: [{ window: '1h', requests: 1 }] } },
  ];
  if (keyQuota !== null) objs.push({ apiVersion: V, kind: 'Quota', metadata: { name: 'ci-hourly' }, spec: keyQuota });
  return objs.map((o) => JSON.stringify(o)).join('\n---\n');
}

const hourly = (requests: number): Record<string, unknown> => ({ subject: { kind: 'key', name: 'ci' }, models: ['chat'], limits: [{ window: '1h', requests }] });

let dir: string;
let gw: StandaloneGateway;
let idp: OidcServer;

async function chat(model: string, authorization: string): Promise<Response> {
  const res = await fetch(`${gw.dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res;
}

async function rewrite(text: string): Promise<void> {
  await writeFile(join(dir, 'all.yaml'), text);
  const r = await gw.reload();
  expect(r).toMatchObject({ outcome: 'loaded' });
}

beforeAll(async () => {
  // The test counts in a 1h window on the real clock: never start in the last 20 s of an hour.
  const intoHour = Date.now() % 3_600_000;
  if (intoHour > 3_580_000) await new Promise((r) => setTimeout(r, 3_600_000 - intoHour + 100));
  idp = await startOidcServer();
  idp.published = [await makeKey('k1')];
  dir = await mkdtemp(join(tmpdir(), 'swy-quota-'));
  await writeFile(join(dir, 'all.yaml'), manifests(hourly(3)));
  const destination = new Writable({ write(_c, _e, cb) { cb(); } });
  gw = await startStandalone({
    configDir: dir, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger: createLogger({ level: 'warn', destination }),
    env: {}, authMode: 'required', watch: false, drainTimeoutMs: 1000,
    identity: parseIdentityConfig(JSON.stringify({ issuers: [{ issuer: idp.issuer, audiences: ['switchyard'] }] })),
  });
}, 40_000);

afterAll(async () => {
  await gw.close();
  await idp.close();
  await rm(dir, { recursive: true, force: true });
});

describe('standalone quotas', () => {
  it('exactly 3 of 3/h; a reload that raises the limit keeps the 3 counted; removing the quota drops them', async () => {
    const first = [];
    for (let i = 0; i < 5; i++) first.push((await chat('chat', `Bearer ${KEY}`)).status);
    expect(first).toEqual([200, 200, 200, 429, 429]);

    await rewrite(manifests(hourly(4)));
    const raised = await chat('chat', `Bearer ${KEY}`);
    expect(raised.status).toBe(200);
    expect(raised.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect((await chat('chat', `Bearer ${KEY}`)).status).toBe(429);

    await rewrite(manifests(null));
    const free = await chat('chat', `Bearer ${KEY}`);
    expect(free.status).toBe(200);
    expect(free.headers.get('x-ratelimit-limit-requests')).toBeNull();

    await rewrite(manifests(hourly(3)));
    const again = await chat('chat', `Bearer ${KEY}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-ratelimit-remaining-requests')).toBe('2');
  });

  it('a claim subject counts JWT callers whose verified claim matches, and no one else', async () => {
    const acme = await idp.sign({ aud: 'switchyard', sub: 'ann', org: 'acme' });
    const other = await idp.sign({ aud: 'switchyard', sub: 'oli', org: 'other' });
    const a1 = await chat('claimed', `Bearer ${acme}`);
    expect(a1.status).toBe(200);
    expect(a1.headers.get('x-ratelimit-limit-requests')).toBe('1');
    expect((await chat('claimed', `Bearer ${acme}`)).status).toBe(429);
    const o = await chat('claimed', `Bearer ${other}`);
    expect(o.status).toBe(200);
    expect(o.headers.get('x-ratelimit-limit-requests')).toBeNull();
    expect((await chat('claimed', `Bearer ${KEY}`)).status).toBe(200);
  });
});
