// Streaming: byte-split SSE reaches the SDK intact; mid-stream failures end with one terminal error event and no
// [DONE] (B5, B6, B9, B11); client disconnects abort the upstream (B16).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { Behavior, FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, eventually, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let up: FakeOpenAI;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, { key: 'sk-up-00000000000000001' }),
    route('m', { model: 'm', retry: { attempts: 1 }, targets: [{ provider: 'up', model: 'gpt-4o-mini' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

afterEach(() => up.setBehavior(undefined));

// Open mode: the SDK insists on an apiKey, so the Authorization header it would send is dropped (a presented key
// is still checked, ADR 0013).
const sdk = (): OpenAI => new OpenAI({ baseURL: gw.baseURL, apiKey: 'unused', defaultHeaders: { authorization: null }, maxRetries: 0 });

async function sdkText(): Promise<{ text: string; finish: string | null }> {
  const stream = await sdk().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  let finish: string | null = null;
  for await (const c of stream) {
    text += c.choices[0]?.delta.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

async function rawStream(behavior: Behavior): Promise<{ status: number; text: string }> {
  up.setBehavior(() => behavior);
  const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'm', stream: true });
  return { status: res.status, text: await res.text() };
}

function terminalError(text: string): { code: string; type: string } | null {
  const events = text.split('\n\n').filter((e) => e !== '');
  const last = events.at(-1) ?? '';
  if (!last.startsWith('data: {"error"')) return null;
  return (JSON.parse(last.slice(6)) as { error: { code: string; type: string } }).error;
}

describe('SSE passthrough', () => {
  const content = ['Hél', 'lo 🌍', ' wo', 'rld', '\n\ndata: [DONE]\n\n'];
  it.each([
    ['every byte', 1],
    ['7-byte pieces', 7],
    ['odd offsets', [3, 4, 50, 51, 52, 200, 333, 334, 335, 336, 600]],
  ] as const)('upstream SSE split at %s reaches the SDK intact', async (_name, split) => {
    up.setBehavior(() => ({ content, split: typeof split === 'number' ? split : [...split] }));
    const { text, finish } = await sdkText();
    expect(text).toBe(content.join(''));
    expect(finish).toBe('stop');
  });

  it('success ends with a finish_reason chunk then [DONE]', async () => {
    const { status, text } = await rawStream({});
    expect(status).toBe(200);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).toContain('"finish_reason":"stop"');
  });
});

describe('mid-stream failures', () => {
  it('B5 reset mid-stream → terminal upstream_stream_interrupted, no [DONE]', async () => {
    const { status, text } = await rawStream({ resetAfter: 2 });
    expect(status).toBe(200);
    expect(text).toContain('Hello');
    expect(text).not.toContain('[DONE]');
    expect(terminalError(text)).toMatchObject({ code: 'upstream_stream_interrupted', type: 'upstream_error' });
    await eventually(() => gw.accessLines().at(-1)?.code === 'upstream_stream_interrupted');
  });

  it('B11 clean close without [DONE] → terminal upstream_stream_truncated', async () => {
    const { text } = await rawStream({ truncateAfter: 3 });
    expect(text).not.toContain('[DONE]');
    expect(terminalError(text)?.code).toBe('upstream_stream_truncated');
  });

  it('B6 in-band error event → translated terminal error, never dropped', async () => {
    const { text } = await rawStream({ inject: { after: 1, text: 'data: {"error":{"message":"You exceeded your quota.","type":"insufficient_quota","code":"insufficient_quota"}}\n\n' } });
    expect(text).not.toContain('[DONE]');
    expect(terminalError(text)).toMatchObject({ code: 'insufficient_quota' }); // a budget stop (B12), not a rate limit
  });

  it('B9 garbage event mid-stream → terminal upstream_invalid_response', async () => {
    const { text } = await rawStream({ inject: { after: 1, text: 'data: <html>oops</html>\n\n' } });
    expect(text).not.toContain('[DONE]');
    expect(terminalError(text)?.code).toBe('upstream_invalid_response');
  });

  it('the SDK surfaces the terminal error as an exception', async () => {
    up.setBehavior(() => ({ resetAfter: 2 }));
    await expect(sdkText()).rejects.toThrow(/interrupted/);
  });
});

describe('B16 client disconnect aborts the upstream', () => {
  async function abortCase(behavior: Behavior, body: Record<string, unknown>, waitFirstChunk: boolean): Promise<void> {
    up.setBehavior(() => behavior);
    const before = up.requests.length;
    const ac = new AbortController();
    const abortSeen = up.onAbort();
    const pending = fetch(`${gw.baseURL}/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, ...body, model: 'm' }), signal: ac.signal,
    });
    await eventually(() => up.requests.length > before);
    if (waitFirstChunk) {
      const res = await pending;
      const first = await res.body?.getReader().read();
      expect(first?.done).toBe(false);
    }
    const abortedAt = Date.now();
    ac.abort();
    await pending.catch(() => undefined);
    await abortSeen;
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    await eventually(() => gw.accessLines().at(-1)?.status === 499);
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 499, code: 'client_closed', route: 'default/m' });
  }

  it('B16 stream, during the TTFT wait', async () => {
    await abortCase({ headersDelayMs: 5000 }, { stream: true }, false);
  });

  it('B16 stream, mid-stream', async () => {
    await abortCase({ chunkDelayMs: 400 }, { stream: true }, true);
  });

  it('B16 non-stream', async () => {
    await abortCase({ hang: true }, {}, false);
  });
});

describe('backpressure', () => {
  it('a client that does not read stalls the upstream instead of filling the gateway memory', async () => {
    const event = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'y'.repeat(64 * 1024) }, finish_reason: null }] })}\n\n`;
    let written = 0;
    let upstreamClosed = false;
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => (upstreamClosed = true));
      const pump = (): void => {
        while (written < 256 * 1024 * 1024 && !res.destroyed) {
          written += event.length;
          if (!res.write(event)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const bp = await startGateway([...provider('bp', `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`), route('bp', { model: 'bp', targets: [{ provider: 'bp' }] })], { auth: 'open' });
    try {
      const ac = new AbortController();
      const res = await fetch(`${bp.baseURL}/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, model: 'bp', stream: true }), signal: ac.signal,
      });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1000)); // the client reads nothing
      const stalledAt = written;
      await new Promise((r) => setTimeout(r, 500));
      expect(written).toBe(stalledAt); // the upstream is blocked, not drained into gateway memory
      expect(written).toBeLessThan(128 * 1024 * 1024);
      ac.abort();
      await eventually(() => upstreamClosed);
    } finally {
      await bp.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
