// Small truths of accounting (issue 6, point 7): cost rounded to 1e-9 USD in the access log and metrics, and a
// stream cut short (by the upstream or by the client) logs the usage seen so far, marked estimated.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, eventually, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let up: FakeOpenAI;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, { models: [{ name: 'priced', pricing: { input: 0.1, output: 0.2 } }] }),
    route('priced', { model: 'priced', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'priced' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

afterEach(() => {
  up.setBehavior(undefined);
});

async function accessLine(id: string | null): Promise<Record<string, unknown>> {
  await eventually(() => gw.accessLines().some((l) => l.requestId === id));
  return gw.accessLines().find((l) => l.requestId === id) as Record<string, unknown>;
}

async function streamChat(): Promise<{ id: string | null; text: string }> {
  const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'priced', stream: true });
  return { id: res.headers.get('x-request-id'), text: await res.text() };
}

describe('cost figures', () => {
  it('are rounded to 1e-9 USD in the access log and the cost metric (no float tail)', async () => {
    // 11 prompt tokens at $0.1/M + 3 completion tokens at $0.2/M: as floats, 0.0000017000000000000002.
    expect(11 * (0.1 / 1e6) + 3 * (0.2 / 1e6)).not.toBe(0.0000017);
    up.setBehavior(() => ({ content: ['a', 'b', 'c'] }));
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'priced' });
    expect(res.status).toBe(200);
    const line = await accessLine(res.headers.get('x-request-id'));
    expect(line).toMatchObject({ tokensIn: 11, tokensOut: 3, costUSD: 0.0000017, usageEstimated: false });
    expect(gw.logs.find((l) => l.includes(String(line.requestId)) && l.includes('"msg":"request"'))).toContain('"costUSD":0.0000017,');
    expect(await gw.registry.metrics()).toMatch(/switchyard_cost_usd_total\{route="default\/priced",provider="default\/up",model="priced"\} 0\.0000017\n/);
  });
});

describe('a stream cut short', () => {
  it('by the upstream after the first content byte logs tokens estimated from the text streamed so far', async () => {
    // Events: role, 'abcdefgh', 'ijklmnopqrst', then the socket is destroyed: no finish, no usage chunk, no [DONE].
    up.setBehavior(() => ({ content: ['abcdefgh', 'ijklmnopqrst', 'uvwxyz'], resetAfter: 3 }));
    const { id, text } = await streamChat();
    expect(text).toContain('ijklmnopqrst');
    expect(text).not.toContain('[DONE]');
    // 20 characters streamed → ceil(20 / 4) = 5 output tokens; the prompt 'hi' → 1 input token.
    expect(await accessLine(id)).toMatchObject({ status: 200, code: 'upstream_stream_interrupted', tokensIn: 1, tokensOut: 5, usageEstimated: true, costUSD: 0.0000011 });
  });

  it('by the upstream ending cleanly without its terminal event is estimated too', async () => {
    up.setBehavior(() => ({ content: ['abcd', 'efgh'], truncateAfter: 2 }));
    const { id } = await streamChat();
    expect(await accessLine(id)).toMatchObject({ code: 'upstream_stream_truncated', tokensIn: 1, tokensOut: 1, usageEstimated: true });
  });

  it('after the provider\'s usage chunk keeps the provider\'s figures (not estimated)', async () => {
    // role, two contents, finish, usage — then the stream ends without [DONE].
    up.setBehavior(() => ({ content: ['abcd', 'efgh'], truncateAfter: 5 }));
    const { id } = await streamChat();
    expect(await accessLine(id)).toMatchObject({ code: 'upstream_stream_truncated', tokensIn: 11, tokensOut: 2, usageEstimated: false });
  });

  it('by the client disconnecting mid-stream logs 499 with the tokens streamed before it left, estimated', async () => {
    up.setBehavior(() => ({ content: Array.from({ length: 20 }, () => 'abcdefgh'), chunkDelayMs: 50 }));
    const ac = new AbortController();
    const res = await fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, model: 'priced', stream: true }), signal: ac.signal,
    });
    const id = res.headers.get('x-request-id');
    const reader = res.body?.getReader();
    let seen = '';
    while (!seen.includes('abcdefgh')) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      seen += new TextDecoder().decode(chunk.value);
    }
    ac.abort();
    const line = await accessLine(id);
    expect(line).toMatchObject({ status: 499, code: 'client_closed', tokensIn: 1, usageEstimated: true });
    // At least the 8 characters the client saw (2 tokens), and fewer than the whole 160-character answer.
    expect(line.tokensOut).toBeGreaterThanOrEqual(2);
    expect(line.tokensOut).toBeLessThan(40);
  });

  it('a complete stream reports the provider\'s usage, not estimated', async () => {
    const { id, text } = await streamChat();
    expect(text).toContain('[DONE]');
    expect(await accessLine(id)).toMatchObject({ status: 200, code: '', tokensIn: 11, usageEstimated: false });
  });
});
