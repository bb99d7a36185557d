// Catalogue B12 (upstream 4xx: no retry, no failover; 401 → upstream_auth_error) and B14 (usage and cost with cache
// reads and writes; stream and non-stream agree) for the Anthropic pairs: Anthropic client → Anthropic upstream
// (native passthrough) and OpenAI chat client → Anthropic upstream (translated).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { NS, postJson, provider, route, secret, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let ant: FakeAnthropic;
let backup: FakeOpenAI;
let gw: Gateway;
const PRICE = { input: 3, output: 15, cachedInput: 0.3 };

beforeAll(async () => {
  ant = await startFakeAnthropic();
  backup = await startFakeOpenAI();
  gw = await startGateway([
    secret('ant-cred', { apiKey: ant.apiKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'ant', namespace: NS },
      spec: { type: 'anthropic', baseURL: ant.url, auth: { secretRef: { name: 'ant-cred', key: 'apiKey' } }, models: [{ name: 'claude-up', pricing: PRICE }] },
    },
    ...provider('backup', backup.url),
    route('claude-only', { model: 'claude-only', targets: [{ provider: 'ant', model: 'claude-up' }] }),
    route('claude', { model: 'claude', retry: { attempts: 3, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: 'ant', model: 'claude-up' }], fallback: [{ provider: 'backup', model: 'ok' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await ant.close();
  await backup.close();
});

afterEach(() => {
  ant.setFault(undefined);
  ant.requests.length = 0;
  backup.requests.length = 0;
});

const SYSTEM = [{ type: 'text', text: 'You are a careful assistant. '.repeat(40), cache_control: { type: 'ephemeral' } }];
const anthropic = (extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.origin}/v1/messages`, { model: 'claude', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...extra }, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31' });
const chat = (extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.baseURL}/chat/completions`, { model: 'claude', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('B12 upstream 4xx for the Anthropic pairs', () => {
  it('native: 400 invalid_request_error reaches the Anthropic client as 400, no retry, no failover', async () => {
    ant.setFault({ status: 400, errorType: 'invalid_request_error', message: 'messages: bad' });
    const res = await anthropic();
    expect(res.status).toBe(400);
    const body = await res.json() as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(ant.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
  });

  it('translated: 401 from Anthropic → 502 upstream_auth_error for the OpenAI client, key never echoed', async () => {
    ant.setFault({ status: 401, errorType: 'authentication_error', message: `invalid x-api-key ${ant.apiKey}` });
    const res = await chat({ model: 'claude-only' });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(ant.requests).toHaveLength(1);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('upstream_auth_error');
    expect(text).not.toContain(ant.apiKey);
  });
});

describe('B14 usage and cost with prompt caching', () => {
  function expectedCost(u: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number }): number {
    // Cache writes are charged at the input rate (no separate price), cache reads at the cached rate.
    return Math.round(((u.input_tokens + u.cache_creation_input_tokens) * PRICE.input + u.cache_read_input_tokens * PRICE.cachedInput + u.output_tokens * PRICE.output) * 1e3) / 1e9;
  }

  it('native passthrough: the body reaches the client unchanged; tokens and cost from usage incl. cache write, then cache read', async () => {
    for (const phase of ['write', 'read'] as const) {
      const res = await anthropic({ system: SYSTEM });
      const raw = await res.text();
      const body = JSON.parse(raw) as { usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } };
      const u = body.usage;
      if (phase === 'write') expect(u.cache_creation_input_tokens).toBeGreaterThan(0);
      else expect(u.cache_read_input_tokens).toBeGreaterThan(0);
      const line = gw.accessLines().at(-1);
      expect(line?.tokensIn).toBe(u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens);
      expect(line?.tokensOut).toBe(u.output_tokens);
      expect(line?.costUSD).toBeCloseTo(expectedCost(u), 12);
      // The beta header reached the upstream.
      expect(String(ant.requests.at(-1)?.headers['anthropic-beta'])).toContain('prompt-caching-2024-07-31');
    }
  });

  it('stream and non-stream give the same ledger (native and translated)', async () => {
    const system = [{ type: 'text', text: 'Stream or not, same bill. '.repeat(30), cache_control: { type: 'ephemeral' } }];
    await (await anthropic({ system })).text(); // warm the cache: both measured calls read it
    const ledger = (): unknown => {
      const l = gw.accessLines().at(-1);
      return { tokensIn: l?.tokensIn, tokensOut: l?.tokensOut, costUSD: l?.costUSD };
    };
    await (await anthropic({ system })).text();
    const nonStream = ledger();
    await (await anthropic({ system, stream: true })).text();
    expect(ledger()).toEqual(nonStream);
    await (await chat({ messages: [{ role: 'system', content: 'plain' }, { role: 'user', content: 'hi' }] })).text();
    const chatNonStream = ledger();
    await (await chat({ stream: true, messages: [{ role: 'system', content: 'plain' }, { role: 'user', content: 'hi' }] })).text();
    expect(ledger()).toEqual(chatNonStream);
  });
});

describe('count_tokens', () => {
  it('an Anthropic target answers /v1/messages/count_tokens natively from its count_tokens endpoint', async () => {
    const res = await postJson(`${gw.origin}/v1/messages/count_tokens`, { model: 'claude-only', messages: [{ role: 'user', content: 'count me' }] }, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const body = await res.json() as { input_tokens: number };
    expect(body.input_tokens).toBeGreaterThan(0);
    expect(ant.requests.at(-1)?.path).toBe('/v1/messages/count_tokens');
    expect((ant.requests.at(-1)?.body as { model: string }).model).toBe('claude-up');
  });
});
