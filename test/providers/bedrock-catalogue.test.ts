// Reliability catalogue B9, B12 and B14 for the bedrock provider, through the gateway against the fake Bedrock runtime:
//   B9  garbage upstream: a non-JSON Converse answer, a corrupt event-stream frame (CRC), a JSON body for a stream
//       request → 502 upstream_invalid_response, never a crash; a stream written one byte at a time is read whole.
//   B12 upstream 400 / 403: no retry and no failover for a 400 (context length included); 403 → 502
//       upstream_auth_error with the route failing over.
//   B14 usage and cost: Bedrock's inputTokens excludes cache reads and writes; tokens in the ledger are the whole
//       prompt, cost charges uncached, cache-read and cache-write tokens each at its own list price (from
//       pkg/pricing/prices.ts for the global Sonnet 4.5 profile), and stream and non-stream agree.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeBedrock } from '../support/fake-bedrock-server.ts';
import type { FakeBedrock } from '../support/fake-bedrock-server.ts';
import { NS, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const GLOBAL_SONNET = 'global.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';
/** The list price of the global Sonnet 4.5 profile (pkg/pricing/prices.ts), USD per 1M tokens. */
const PRICE = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };

let up: FakeBedrock;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeBedrock();
  gw = await startGateway([
    secret('br-cred', { id: up.credentials.accessKeyId, secret: up.credentials.secretAccessKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'br', namespace: NS },
      spec: { type: 'bedrock', region: 'us-east-1', baseURL: up.url, auth: { aws: { accessKeyId: { name: 'br-cred', key: 'id' }, secretAccessKey: { name: 'br-cred', key: 'secret' } } } },
    },
    route('sonnet', { model: 'sonnet', retry: { attempts: 3, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: 'br', model: GLOBAL_SONNET }], fallback: [{ provider: 'br', model: NOVA }] }),
    route('sonnet-only', { model: 'sonnet-only', retry: { attempts: 1 }, targets: [{ provider: 'br', model: GLOBAL_SONNET }] }),
  ], { auth: 'open' });
});
afterEach(() => {
  up.setFault(undefined);
  up.setModelFault(GLOBAL_SONNET, undefined);
  up.requests.length = 0;
});
afterAll(async () => {
  await gw.close();
  await up.close();
});

const chat = (extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.baseURL}/chat/completions`, { model: 'sonnet-only', messages: [{ role: 'user', content: 'hi' }], ...extra });
const messages = (extra: Record<string, unknown> = {}): Promise<Response> =>
  postJson(`${gw.origin}/v1/messages`, { model: 'sonnet-only', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...extra }, { 'anthropic-version': '2023-06-01' });

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

describe('B9 garbage from Bedrock', () => {
  it('a non-JSON Converse answer → 502 upstream_invalid_response', async () => {
    up.setFault({ raw: { body: '<html>oops</html>', contentType: 'text/html' } });
    const res = await chat();
    expect(res.status).toBe(502);
    expect(await errorCode(res)).toBe('upstream_invalid_response');
  });

  it('a corrupt event-stream frame before any content → 502; a JSON body for a stream request → 502', async () => {
    up.setFault({ corruptFrame: 0 });
    const res = await chat({ stream: true });
    expect(res.status).toBe(502);
    expect(await errorCode(res)).toBe('upstream_invalid_response');
    up.setFault({ raw: { body: JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason: 'end_turn' }), contentType: 'application/json' } });
    const json = await chat({ stream: true });
    expect(json.status).toBe(502);
  });

  it('a corrupt frame after content ends the client stream with its terminal error event, never a success', async () => {
    up.setFault({ corruptFrame: 3 });
    const res = await chat({ stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Echo:');
    expect(text).toContain('upstream_invalid_response');
    expect(text).not.toContain('[DONE]');
  });

  it('a stream written one byte at a time is read whole', async () => {
    up.setFault({ splitEvery: 1 });
    const res = await messages({ stream: true });
    const text = await res.text();
    const deltas = [...text.matchAll(/"text_delta","text":"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(deltas).toBe('Echo: hi');
    expect(text).toContain('event: message_stop');
  });
});

describe('B12 upstream 4xx from Bedrock', () => {
  it('400 (context length) reaches the client as 400, with no retry and no failover', async () => {
    up.setModelFault(GLOBAL_SONNET, { status: 400, exception: 'ValidationException', message: 'Input is too long for requested model.' });
    const res = await postJson(`${gw.baseURL}/chat/completions`, { model: 'sonnet', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('context_length_exceeded');
    expect(up.requests.map((r) => r.modelId)).toEqual([GLOBAL_SONNET]);
  });

  it('403 AccessDeniedException → the route fails over; alone it is 502 upstream_auth_error', async () => {
    up.setModelFault(GLOBAL_SONNET, { status: 403, exception: 'AccessDeniedException', message: 'You don\'t have access to the model with the specified model ID.' });
    const res = await postJson(`${gw.baseURL}/chat/completions`, { model: 'sonnet', messages: [{ role: 'user', content: 'x' }] });
    expect(res.status).toBe(200);
    expect(up.requests.map((r) => r.modelId)).toEqual([GLOBAL_SONNET, NOVA]);
    const alone = await chat();
    expect(alone.status).toBe(502);
    expect(await errorCode(alone)).toBe('upstream_auth_error');
  });
});

describe('B14 usage and cost from Bedrock (list prices, prompt caching)', () => {
  const SYSTEM = [{ type: 'text', text: 'You are a careful assistant. '.repeat(40), cache_control: { type: 'ephemeral' } }];

  function ledger(): { tokensIn: unknown; tokensOut: unknown; costUSD: unknown } {
    const l = gw.accessLines().at(-1);
    return { tokensIn: l?.tokensIn, tokensOut: l?.tokensOut, costUSD: l?.costUSD };
  }

  it('cache write, then cache read: whole-prompt tokens and each kind of token at its own price', async () => {
    for (const phase of ['write', 'read'] as const) {
      const res = await messages({ system: SYSTEM });
      const body = (await res.json()) as { usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } };
      const u = body.usage;
      if (phase === 'write') expect(u.cache_creation_input_tokens).toBeGreaterThan(0);
      else expect(u.cache_read_input_tokens).toBeGreaterThan(0);
      const l = ledger();
      expect(l.tokensIn).toBe(u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens);
      expect(l.tokensOut).toBe(u.output_tokens);
      const want = Math.round((u.input_tokens * PRICE.input + u.cache_read_input_tokens * PRICE.cachedInput + u.cache_creation_input_tokens * PRICE.cacheWrite + u.output_tokens * PRICE.output) * 1e3) / 1e9;
      expect(l.costUSD).toBeCloseTo(want, 12);
    }
  });

  it('stream and non-stream give the same ledger (Anthropic and OpenAI clients)', async () => {
    const system = [{ type: 'text', text: 'Stream or not, same bill. '.repeat(30), cache_control: { type: 'ephemeral' } }];
    await (await messages({ system })).text(); // warm the cache: both measured calls read it
    await (await messages({ system })).text();
    const nonStream = ledger();
    expect(nonStream.costUSD).toBeGreaterThan(0);
    await (await messages({ system, stream: true })).text();
    expect(ledger()).toEqual(nonStream);
    await (await chat()).text();
    const chatNonStream = ledger();
    await (await chat({ stream: true, stream_options: { include_usage: true } })).text();
    expect(ledger()).toEqual(chatNonStream);
  });
});
