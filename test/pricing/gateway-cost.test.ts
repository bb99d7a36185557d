// Through the gateway over loopback (issue 8 point 2): a Provider of type openai that lists no models is charged the
// data file's list price for the model its route targets; cached input at the cached price; a provider that reports
// no usage gets an estimate, marked usageEstimated: true, and a cost from it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRICE_LIST } from '../../pkg/pricing/prices.ts';
import { roundUSD } from '../../pkg/proxy/dispatch/usage.ts';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, NS, eventually, postJson, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

let up: FakeOpenAI;
let ant: FakeAnthropic;
let gw: Gateway;

const MINI = PRICE_LIST.openai?.find((e) => e.model === 'gpt-4o-mini');

beforeAll(async () => {
  up = await startFakeOpenAI();
  ant = await startFakeAnthropic();
  gw = await startGateway([
    secret('openai-cred', { apiKey: 'sk-test-pricing' }),
    secret('anthropic-cred', { apiKey: ant.apiKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'anthropic', namespace: NS },
      spec: { type: 'anthropic', baseURL: ant.url, auth: { secretRef: { name: 'anthropic-cred', key: 'apiKey' } } },
    },
    route('sonnet', { model: 'sonnet', retry: { attempts: 1 }, targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' }] }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'openai', namespace: NS },
      spec: { type: 'openai', baseURL: up.url, auth: { secretRef: { name: 'openai-cred', key: 'apiKey' } } },
    },
    route('mini', { model: 'mini', retry: { attempts: 1 }, targets: [{ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await up.close();
  await ant.close();
});

afterEach(() => {
  up.setBehavior(undefined);
  ant.setFault(undefined);
});

async function accessLine(id: string | null): Promise<Record<string, unknown>> {
  await eventually(() => gw.accessLines().some((l) => l.requestId === id));
  return gw.accessLines().find((l) => l.requestId === id) as Record<string, unknown>;
}

describe('cost from the data file for a model the Provider does not price', () => {
  it('the data file prices gpt-4o-mini (the test reads its figures from there)', () => {
    expect(MINI).toMatchObject({ input: expect.any(Number), output: expect.any(Number), cachedInput: expect.any(Number) });
  });

  it('a plain answer costs input × list input + output × list output', async () => {
    up.setBehavior(() => ({ usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 } }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'mini' });
    expect(res.status).toBe(200);
    const line = await accessLine(res.headers.get('x-request-id'));
    const m = MINI as NonNullable<typeof MINI>;
    expect(line).toMatchObject({ tokensIn: 1200, tokensOut: 300, usageEstimated: false, costUSD: roundUSD((1200 * m.input + 300 * m.output) / 1e6) });
    // By hand at the 2026-12-03 list price ($0.15 / $0.60 per 1M): 180 + 180 µ$ = 0.00036 USD.
    expect(line.costUSD).toBe(0.00036);
  });

  it('cached input at the list cached-input price (stream, usage in the last chunk)', async () => {
    up.setBehavior(() => ({ usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100, prompt_tokens_details: { cached_tokens: 600 } } }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'mini', stream: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('[DONE]');
    const line = await accessLine(res.headers.get('x-request-id'));
    const m = MINI as NonNullable<typeof MINI>;
    expect(line).toMatchObject({ tokensIn: 1000, tokensOut: 100, usageEstimated: false, costUSD: roundUSD((400 * m.input + 600 * (m.cachedInput as number) + 100 * m.output) / 1e6) });
    // By hand: 400 × 0.15 + 600 × 0.075 + 100 × 0.6 = 60 + 45 + 60 = 165 µ$.
    expect(line.costUSD).toBe(0.000165);
  });
});

describe('a provider that reports no usage', () => {
  it('non-stream: tokens estimated from prompt and answer, marked, and costed', async () => {
    up.setBehavior(() => ({ content: ['abcdefgh', 'ijkl'], usage: null }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { messages: [{ role: 'user', content: 'x'.repeat(40) }], model: 'mini' });
    expect(res.status).toBe(200);
    const line = await accessLine(res.headers.get('x-request-id'));
    // 40 prompt chars → 10 tokens; 12 answer chars → 3 tokens; 10 × 0.15 + 3 × 0.6 = 3.3 µ$.
    expect(line).toMatchObject({ tokensIn: 10, tokensOut: 3, usageEstimated: true, costUSD: 0.0000033 });
  });

  it('a complete stream without a usage chunk: estimated and marked too', async () => {
    up.setBehavior(() => ({ content: ['abcdefgh', 'ijklmnop'], usage: null }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { messages: [{ role: 'user', content: 'x'.repeat(40) }], model: 'mini', stream: true });
    expect(await res.text()).toContain('[DONE]');
    const line = await accessLine(res.headers.get('x-request-id'));
    // 40 prompt chars → 10 tokens; 16 streamed chars → 4 tokens; 10 × 0.15 + 4 × 0.6 = 3.9 µ$.
    expect(line).toMatchObject({ status: 200, tokensIn: 10, tokensOut: 4, usageEstimated: true, costUSD: 0.0000039 });
  });
});

describe('Anthropic prompt caching at the list prices', () => {
  // 11000 input = 1000 uncached + 6000 cache reads + 4000 cache writes; 200 output. Sonnet 4.5 list price:
  // 1000 × 3 + 6000 × 0.30 + 4000 × 3.75 + 200 × 15 = 3000 + 1800 + 15000 + 3000 = 22800 µ$ = 0.0228 USD.
  const usage = { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 4000, cache_read_input_tokens: 6000 };

  it('native /v1/messages: cache reads and writes each at their own price', async () => {
    ant.setFault({ usage });
    const res = await postJson(`${gw.origin}/v1/messages`, { model: 'sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const line = await accessLine(res.headers.get('x-request-id'));
    expect(line).toMatchObject({ tokensIn: 11000, tokensOut: 200, usageEstimated: false, costUSD: 0.0228 });
  });

  it('an OpenAI chat stream translated to Anthropic costs the same', async () => {
    ant.setFault({ usage });
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'sonnet', stream: true });
    expect(await res.text()).toContain('[DONE]');
    const line = await accessLine(res.headers.get('x-request-id'));
    expect(line).toMatchObject({ tokensIn: 11000, tokensOut: 200, usageEstimated: false, costUSD: 0.0228 });
  });
});
