// Honest streams (design §3): the response head is held until the first content event. Before it, a refused
// connection, a 429, a 5xx, an in-band error event or an empty stream fails over like a non-stream request and the
// client sees one clean stream from the fallback; after it, one terminal error event and no success terminator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { anthropicProvider, closedPortURL } from '../support/upstreams.ts';

let a: FakeOpenAI;
let b: FakeOpenAI;
let ant: FakeAnthropic;
let gw: Gateway;

const FAST = { attempts: 1 };
const INBAND = 'data: {"error":{"message":"overloaded","type":"server_error","code":"overloaded"}}\n\n';

/** A route whose primary is `primaryProvider`/`model` and whose fallback is b's healthy model. */
function failoverRoute(name: string, primaryProvider: string, model: string): unknown {
  return route(name, { model: name, retry: FAST, targets: [{ provider: primaryProvider, model }], fallback: [{ provider: 'b', model: 'ok' }] });
}

beforeAll(async () => {
  a = await startFakeOpenAI();
  b = await startFakeOpenAI();
  ant = await startFakeAnthropic();
  const dead = await closedPortURL();
  gw = await startGateway([
    ...provider('a', a.url, { key: 'sk-a-0000000000000001' }),
    ...provider('b', b.url, { key: 'sk-b-0000000000000002' }),
    ...provider('dead', dead),
    ...anthropicProvider('ant', ant.url, ant.apiKey),
    failoverRoute('refused', 'dead', 'm'),
    failoverRoute('s429', 'a', 'status-429'),
    failoverRoute('s500', 'a', 'status-500'),
    failoverRoute('inband', 'a', 'inband'),
    failoverRoute('empty', 'a', 'truncate-after-1'),
    failoverRoute('ant-overloaded', 'ant', 'claude-sonnet-4-5'),
    route('after-content', { model: 'after-content', retry: FAST, targets: [{ provider: 'a', model: 'late-error' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('big-head', { model: 'big-head', retry: FAST, targets: [{ provider: 'a', model: 'big-head' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('no-content', { model: 'no-content', retry: FAST, targets: [{ provider: 'a', model: 'silent' }], fallback: [{ provider: 'b', model: 'ok' }] }),
  ], { auth: 'open', options: { maxAttempts: 4 } });
});

afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
  await ant.close();
});

afterEach(() => {
  a.setBehavior(undefined);
  ant.setFault(undefined);
  a.requests.length = 0;
  b.requests.length = 0;
});

function dataEvents(text: string): string[] {
  return text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
}

async function streamOf(model: string): Promise<{ res: Response; text: string }> {
  const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model, stream: true });
  return { res, text: await res.text() };
}

/** The client saw exactly the fallback's stream: one role chunk, the content, [DONE], and no error event. */
function expectCleanFallbackStream(res: Response, text: string): void {
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-provider')).toBe('b');
  const events = dataEvents(text);
  expect(events.at(-1)).toBe('[DONE]');
  expect(events.filter((e) => e.includes('"role":"assistant"'))).toHaveLength(1);
  expect(text).not.toContain('"error"');
  const content = events.slice(0, -1).map((e) => (JSON.parse(e) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
  expect(content).toBe('Hello world!');
}

describe('honest streams: failures before the first content event fail over', () => {
  it('connection refused → the fallback serves one clean stream', async () => {
    const { res, text } = await streamOf('refused');
    expectCleanFallbackStream(res, text);
    expect(res.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('429 → the fallback serves one clean stream', async () => {
    const { res, text } = await streamOf('s429');
    expectCleanFallbackStream(res, text);
    expect(a.requests).toHaveLength(1);
  });

  it('500 → the fallback serves one clean stream', async () => {
    const { res, text } = await streamOf('s500');
    expectCleanFallbackStream(res, text);
  });

  it('in-band error event after the role chunk, before content → the fallback serves one clean stream', async () => {
    a.setBehavior((req) => ((req.body as { model?: string }).model === 'inband' ? { inject: { after: 0, text: INBAND } } : undefined));
    const { res, text } = await streamOf('inband');
    expectCleanFallbackStream(res, text);
    expect(a.requests).toHaveLength(1);
  });

  it('empty stream (role chunk, then the end without [DONE]) → the fallback serves one clean stream', async () => {
    const { res, text } = await streamOf('empty');
    expectCleanFallbackStream(res, text);
    expect(a.requests).toHaveLength(1);
  });

  it('Anthropic upstream: overloaded_error in-band after message_start → the fallback serves one clean stream', async () => {
    ant.setFault({ overloadedBeforeContent: true });
    const { res, text } = await streamOf('ant-overloaded');
    expectCleanFallbackStream(res, text);
    expect(ant.requests).toHaveLength(1);
  });
});

describe('honest streams: after the first content event', () => {
  it('an in-band error is one terminal error event, no [DONE], no failover', async () => {
    a.setBehavior((req) => ((req.body as { model?: string }).model === 'late-error' ? { inject: { after: 1, text: INBAND } } : undefined));
    const { res, text } = await streamOf('after-content');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('a');
    const events = dataEvents(text);
    expect(events).not.toContain('[DONE]');
    expect(events.filter((e) => e.includes('"error"'))).toHaveLength(1);
    expect(events.at(-1)).toContain('"error"');
    expect(text).toContain('"content":"Hello"');
    expect(b.requests).toHaveLength(0);
  });

  it('a stream that completes legitimately without content is a success (head released at the end)', async () => {
    a.setBehavior((req) => ((req.body as { model?: string }).model === 'silent' ? { content: [] } : undefined));
    const { res, text } = await streamOf('no-content');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('a');
    expect(dataEvents(text).at(-1)).toBe('[DONE]');
    expect(b.requests).toHaveLength(0);
  });

  it('over 64 KiB of pre-content events releases the head: a later in-band error is a terminal event, not a failover', async () => {
    // ~136 KB of content-free events before the error: the head passes 64 KiB at least one socket read (≤ 64 KiB)
    // before the error arrives, however the kernel coalesces the writes (with ~68 KB, one read could hold both).
    const empties = Array.from({ length: 800 }, () => '');
    a.setBehavior((req) => ((req.body as { model?: string }).model === 'big-head' ? { content: empties, inject: { after: 800, text: INBAND } } : undefined));
    const { res, text } = await streamOf('big-head');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('a');
    expect(text.length).toBeGreaterThan(64 * 1024);
    expect(dataEvents(text).at(-1)).toContain('"error"');
    expect(text).not.toContain('[DONE]');
    expect(b.requests).toHaveLength(0);
  });
});
