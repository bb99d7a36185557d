// The auth mode is a property of the process (ADR 0013), never of the table. required: a table without keys answers
// 401 to everyone, warns once per load and sets the locked-out gauge. open: requests without a key are served
// anonymously, a presented key is still checked, and anonymous callers may not use routes with access rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, apiKey, compileTable, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const KEY = 'sk-auth-mode-test-key-0001';
const OTHER = 'sk-auth-mode-test-key-0002';

let up: FakeOpenAI;
beforeAll(async () => {
  up = await startFakeOpenAI();
});
afterAll(async () => {
  await up.close();
});

const routes = () => [
  ...provider('up', up.url),
  route('public', { model: 'public', targets: [{ provider: 'up' }] }),
  route('team-only', { model: 'team-only', targets: [{ provider: 'up' }], access: { allow: [{ teams: ['blue'] }] } }),
];

const warnings = (gw: Gateway) => gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn' && String(l.msg).includes('holds no API keys'));

describe('auth required (the default)', () => {
  it('zero keys: 401 for every data endpoint with the ordinary bodies, one WARN per load, locked-out gauge 1', async () => {
    const gw = await startGateway(routes());
    try {
      const before = up.requests.length;
      for (const [headers, code] of [[{}, 'missing_api_key'], [{ authorization: `Bearer ${KEY}` }, 'invalid_api_key']] as const) {
        const answers = [
          await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, headers),
          await postJson(`${gw.baseURL}/embeddings`, { model: 'public', input: 'x' }, headers),
          await fetch(`${gw.baseURL}/models`, { headers }),
          await fetch(`${gw.baseURL}/models/public`, { headers }),
        ];
        for (const r of answers) {
          expect(r.status).toBe(401);
          const body = (await r.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe(code);
          // Same body as any gateway with keys: a client cannot tell that none are configured.
          expect(body.error.message).not.toMatch(/no (api )?keys/i);
        }
      }
      expect(up.requests.length).toBe(before);
      expect(warnings(gw)).toHaveLength(1);
      const metrics = await gw.registry.metrics();
      expect(metrics).toMatch(/switchyard_auth_locked_out 1\b/);
      expect(metrics).toMatch(/switchyard_auth_mode\{mode="required"\} 1/);
      // Another load of a keyless table warns again (once per load, never per request).
      gw.holder.load(compileTable(routes(), 2));
      expect(warnings(gw)).toHaveLength(2);
      // A key arriving unlocks it for that key only.
      gw.holder.load(compileTable([...routes(), apiKey('k', KEY, { team: 'blue' })], 3));
      expect(warnings(gw)).toHaveLength(2);
      expect(await gw.registry.metrics()).toMatch(/switchyard_auth_locked_out 0\b/);
      expect(await gw.registry.metrics()).toMatch(/switchyard_api_keys 1\b/);
      expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' })).status).toBe(401);
      expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, { authorization: `Bearer ${KEY}` })).status).toBe(200);
      // And removing it again locks everyone out: never open.
      gw.holder.load(compileTable(routes(), 4));
      expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, { authorization: `Bearer ${KEY}` })).status).toBe(401);
      expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });
});

describe('auth open (explicit)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway([...routes(), apiKey('k', KEY, { team: 'blue' }), apiKey('o', OTHER, { team: 'red', models: 'team-only' })], { auth: 'open' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('serves a request without a key anonymously (no principal logged); no lock-out warning, gauge says open', async () => {
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' });
    expect(res.status).toBe(200);
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 200, keyId: null, team: null });
    expect(warnings(gw)).toHaveLength(0);
    const metrics = await gw.registry.metrics();
    expect(metrics).toMatch(/switchyard_auth_mode\{mode="open"\} 1/);
    expect(metrics).toMatch(/switchyard_auth_locked_out 0\b/);
  });

  it('a presented key is still authenticated: an invalid one gets 401, a valid one is logged and keeps its limits', async () => {
    const bad = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, { authorization: 'Bearer sk-not-a-key' });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    expect((await fetch(`${gw.baseURL}/models`, { headers: { 'x-api-key': 'sk-not-a-key' } })).status).toBe(401);
    const ok = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, { authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    expect(gw.accessLines().at(-1)).toMatchObject({ keyId: 'default/k', team: 'blue' });
    // OTHER may only use team-only (its model list), and is not in team blue: both limits hold in open mode.
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'public' }, { authorization: `Bearer ${OTHER}` })).status).toBe(403);
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'team-only' }, { authorization: `Bearer ${OTHER}` })).status).toBe(403);
  });

  it('anonymous callers may not use a route with access rules: 403 model_not_allowed, hidden from /v1/models', async () => {
    const before = up.requests.length;
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'team-only' });
    expect(res.status).toBe(403);
    const err = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
    expect(err).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    expect(err.message).toContain('API key');
    expect(up.requests.length).toBe(before);
    const list = (await (await fetch(`${gw.baseURL}/models`)).json()) as { data: { id: string }[] };
    expect(list.data.map((m) => m.id)).toEqual(['public']);
    expect((await fetch(`${gw.baseURL}/models/team-only`)).status).toBe(404);
    // The keyed caller the rule allows gets through.
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'team-only' }, { authorization: `Bearer ${KEY}` })).status).toBe(200);
    const keyed = (await (await fetch(`${gw.baseURL}/models`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as { data: { id: string }[] };
    expect(keyed.data.map((m) => m.id)).toEqual(['public', 'team-only']);
  });
});
