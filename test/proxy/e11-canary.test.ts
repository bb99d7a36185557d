// E11: secret canaries (a provider key and client keys) appear in no sink: log lines (debug level), metrics text,
// error bodies or response headers, on success and error paths alike. Every 8-character window is checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, apiKey, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const PROVIDER_CANARY = 'sk-prov-7f3a9c1e5b2d4680aa51';
const CLIENT_CANARY = 'sk-cli-1a2b3c4d5e6f70819bc3';
const UNKNOWN_CANARY = 'sk-unk-e0d9c8b7a6f5e4d3c2b1';
const CANARIES = [PROVIDER_CANARY, CLIENT_CANARY, UNKNOWN_CANARY];

let up: FakeOpenAI;
let gw: Gateway;
const outputs: string[] = [];

function leaks(sink: string): string[] {
  const found: string[] = [];
  for (const c of CANARIES) for (let i = 0; i + 8 <= c.length; i++) if (sink.includes(c.slice(i, i + 8))) found.push(c.slice(i, i + 8));
  return found;
}

async function capture(res: Response): Promise<Response> {
  outputs.push(JSON.stringify([...res.headers.entries()]), await res.text());
  return res;
}

beforeAll(async () => {
  up = await startFakeOpenAI();
  const echo = `Incorrect API key provided: ${PROVIDER_CANARY}. You can find your key at https://platform.example/keys (${PROVIDER_CANARY.slice(3, 15)})`;
  up.setBehavior((req) => {
    const model = (req.body as { model?: string }).model;
    if (model === 'echo-401') return { status: 401, errorBody: { error: { message: echo, type: 'invalid_request_error', code: 'invalid_api_key' } } };
    if (model === 'echo-400') return { status: 400, errorBody: { error: { message: echo, type: 'invalid_request_error', code: PROVIDER_CANARY, param: PROVIDER_CANARY } } };
    if (model === 'echo-stream') return { inject: { after: 1, text: `data: ${JSON.stringify({ error: { message: echo, type: 'server_error', code: 'server_error' } })}\n\n` } };
    return undefined;
  });
  gw = await startGateway([
    ...provider('up', up.url, { key: PROVIDER_CANARY }),
    route('ok', { model: 'ok', targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
    route('echo-401', { model: 'echo-401', targets: [{ provider: 'up', model: 'echo-401' }] }),
    route('echo-400', { model: 'echo-400', targets: [{ provider: 'up', model: 'echo-400' }] }),
    route('echo-stream', { model: 'echo-stream', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'echo-stream' }] }),
    apiKey('client', CLIENT_CANARY),
  ]);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const url = (): string => `${gw.baseURL}/chat/completions`;

describe('E11 secret canaries', () => {
  it('E11 no canary window in logs, metrics, error bodies or headers across success and error paths', async () => {
    const auth = { authorization: `Bearer ${CLIENT_CANARY}` };
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok' }, auth))).status).toBe(200);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok', stream: true }, auth))).status).toBe(200);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'echo-401' }, auth))).status).toBe(502);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'echo-400' }, auth))).status).toBe(400);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'echo-stream', stream: true }, auth))).status).toBe(200);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok' }, { authorization: `Bearer ${UNKNOWN_CANARY}` }))).status).toBe(401);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok' }, { 'x-api-key': UNKNOWN_CANARY }))).status).toBe(401);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok' }, { ...auth, 'x-api-key': UNKNOWN_CANARY }))).status).toBe(400);
    expect((await capture(await postJson(url(), { ...CHAT, model: 'ok', api_key: CLIENT_CANARY }, auth))).status).toBe(400);
    expect((await capture(await fetch(`${gw.baseURL}/models`, { headers: auth }))).status).toBe(200);
    expect((await capture(await fetch(`${gw.baseURL}/models/${UNKNOWN_CANARY}`, { headers: auth }))).status).toBe(404);

    // The upstream really received the provider key (the canary is live, not absent by accident).
    expect(up.requests.some((r) => r.headers.authorization === `Bearer ${PROVIDER_CANARY}`)).toBe(true);
    expect(gw.accessLines().length).toBeGreaterThanOrEqual(11);

    expect(leaks(gw.logs.join('\n'))).toEqual([]);
    expect(leaks(await gw.registry.metrics())).toEqual([]);
    expect(leaks(outputs.join('\n'))).toEqual([]);
  });

  it('E11 an upstream 400 echoing part of the key reaches the client without the provider message', async () => {
    const res = await postJson(url(), { ...CHAT, model: 'echo-400' }, { authorization: `Bearer ${CLIENT_CANARY}` });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; param: string | null; message: string } };
    expect(body.error.code).toBe('upstream_bad_request');
    // The adapter redacts the whole key; the partial echo left behind makes the core drop the message entirely.
    expect(body.error.message).toBe('The upstream provider rejected the request.');
    expect(leaks(JSON.stringify(body))).toEqual([]);
  });
});
