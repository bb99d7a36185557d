// Overload protection (issue 11 point 6, D3, E17) through the real gateway on loopback: a tiny per-process
// in-flight cap sheds with 503 overloaded_error + Retry-After in the caller's dialect; a key or team at its cap gets
// 429 while another tenant is served; slots come back when requests end; event-loop-delay shedding; the flags.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLOAD_DEFAULTS, overloadSettings } from '../../cmd/flags.ts';
import { LoopDelayMonitor } from '../../pkg/proxy/overload/loop-delay.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, apiKey, eventually, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let up: FakeOpenAI;

beforeAll(async () => {
  up = await startFakeOpenAI();
});

afterAll(async () => {
  await up.close();
});

function manifests(): unknown[] {
  return [
    ...provider('up', up.url),
    route('hang', { model: 'hang', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'hang' }] }),
    route('ok', { model: 'ok', targets: [{ provider: 'up', model: 'ok' }] }),
  ];
}

/** Starts a request that hangs upstream; abort() ends it (and frees its slot). */
function hold(gw: Gateway, headers: Record<string, string> = {}): { abort: () => Promise<void> } {
  const ctl = new AbortController();
  const p = fetch(`${gw.baseURL}/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...CHAT, model: 'hang' }), signal: ctl.signal,
  }).catch(() => null);
  return {
    abort: async () => {
      ctl.abort();
      await p;
    },
  };
}

describe('process in-flight cap (D3)', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway(manifests(), { auth: 'open', options: { maxInflight: 1 } });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('sheds with 503 overloaded_error and Retry-After, in OpenAI and Anthropic dialects, and recovers', async () => {
    const before = up.requests.length;
    const h = hold(gw);
    await eventually(() => up.requests.length === before + 1);

    const shed = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    const body = (await shed.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'overloaded_error', code: 'overloaded' });

    const anthropic = await postJson(`${gw.baseURL}/messages`, { model: 'ok', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    expect(anthropic.status).toBe(503);
    expect(anthropic.headers.get('retry-after')).toBe('1');
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    // Shed before any upstream call.
    expect(up.requests.length).toBe(before + 1);

    await h.abort();
    await eventually(() => gw.accessLines().some((l) => l.code === 'client_closed'));
    const ok = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' });
    expect(ok.status).toBe(200);
  });

  it('does not count non-inference routes', async () => {
    const before = up.requests.length;
    const h = hold(gw);
    await eventually(() => up.requests.length === before + 1);
    const models = await fetch(`${gw.baseURL}/models`);
    expect(models.status).toBe(200);
    await h.abort();
  });
});

describe('per-key and per-team caps (E17)', () => {
  const KEY_A = 'sk-tenant-a-000000000000000000000001';
  const KEY_A2 = 'sk-tenant-a-000000000000000000000002';
  const KEY_B = 'sk-tenant-b-000000000000000000000003';
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway([
      ...manifests(),
      apiKey('tenant-a', KEY_A, { team: 'red' }),
      apiKey('tenant-a2', KEY_A2, { team: 'red' }),
      apiKey('tenant-b', KEY_B, { team: 'blue' }),
    ], { options: { maxInflight: 100, maxInflightPerKey: 2, maxInflightPerTeam: 3 } });
  });
  afterAll(async () => {
    await gw.close();
  });

  const as = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

  it('a key at its cap gets 429 with Retry-After while another tenant is served', async () => {
    const before = up.requests.length;
    const held = [hold(gw, as(KEY_A)), hold(gw, as(KEY_A))];
    await eventually(() => up.requests.length === before + 2);

    const refused = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' }, as(KEY_A));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'concurrency_limit_exceeded', type: 'rate_limit_error' });

    const t0 = performance.now();
    const other = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' }, as(KEY_B));
    expect(other.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(2000);

    // The team cap (3) counts every key of the team: one more from a second red key fits, then the team is full.
    const h3 = hold(gw, as(KEY_A2));
    await eventually(() => up.requests.length === before + 4);
    const teamFull = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' }, as(KEY_A2));
    expect(teamFull.status).toBe(429);
    const blue = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' }, as(KEY_B));
    expect(blue.status).toBe(200);

    for (const h of [...held, h3]) await h.abort();
    await eventually(() => gw.accessLines().filter((l) => l.code === 'client_closed').length === 3);
    const again = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' }, as(KEY_A));
    expect(again.status).toBe(200);
  });
});

describe('event-loop delay', () => {
  it('turns overloaded after a blocked loop and back once it catches up', async () => {
    const m = new LoopDelayMonitor(100, 100);
    try {
      await new Promise((r) => setTimeout(r, 150));
      const until = Date.now() + 400;
      while (Date.now() < until) { /* block the loop */ }
      await eventually(() => m.overloaded, 2000);
      expect(m.lastP99Ms).toBeGreaterThan(100);
      await eventually(() => !m.overloaded, 3000);
    } finally {
      m.stop();
    }
  });
});

describe('flags', () => {
  it('defaults, environment variables, 0 = off, and bad values', () => {
    expect(overloadSettings({}, {})).toEqual({
      limits: { maxInflight: OVERLOAD_DEFAULTS.maxInflight, maxInflightPerKey: 1024, maxInflightPerTeam: 2048, maxEventLoopDelayMs: 1000 },
      drainTimeoutMs: 20_000,
    });
    const s = overloadSettings({ 'max-inflight': '10', 'drain-timeout': '5s' }, { SWITCHYARD_MAX_INFLIGHT_PER_KEY: '0', SWITCHYARD_MAX_EVENT_LOOP_DELAY: '250ms', SWITCHYARD_MAX_INFLIGHT: '99' });
    expect(s).toEqual({ limits: { maxInflight: 10, maxInflightPerKey: 0, maxInflightPerTeam: 2048, maxEventLoopDelayMs: 250 }, drainTimeoutMs: 5000 });
    expect(() => overloadSettings({ 'max-inflight': '-1' }, {})).toThrow(/--max-inflight must be a whole number/);
    expect(() => overloadSettings({ 'drain-timeout': '20' }, {})).toThrow(/--drain-timeout must be a duration/);
  });
});
