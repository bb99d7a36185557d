import { describe, expect, it } from 'vitest';
import { Stream } from 'openai/streaming';
import { sseEvents } from '../support/fake-openai-server.ts';
import { createOpenAIAdapter } from '../../pkg/providers/openai/index.ts';
import { createOpenAIStreamTranslator } from '../../pkg/providers/openai/stream.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { createSseParser } from '../../pkg/stream/sse.ts';
import { useFakeUpstream, makeCtx, makeProvider, SECRET, streamThrough, translateChunks, send, translator, streamCtx } from './helpers.ts';

const fake = useFakeUpstream();

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const provider = (): ReturnType<typeof makeProvider> => makeProvider({ baseURL: fake.up.url });

function dataOf(text: string): string[] {
  const out: string[] = [];
  const p = createSseParser((e) => out.push(e.data));
  p.push(enc(text));
  p.end();
  return out;
}

async function failureOf(p: Promise<unknown>): Promise<UpstreamFailureError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamFailureError);
    return err as UpstreamFailureError;
  }
  throw new Error('expected a failure');
}

describe('OpenAI stream translator on a real upstream', () => {
  it('passes the stream through byte for byte when the client asked for usage', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const { out, raw, end } = await streamThrough(adapter, makeCtx(p, { stream: true, clientWantsUsage: true }));
    expect(out).toBe(raw.toString('utf8'));
    expect(end.outcome).toBe('complete');
    expect(end.tail.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('drops the usage-only chunk the client did not ask for, keeps usage for accounting', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const { out, raw, end } = await streamThrough(adapter, makeCtx(p, { stream: true }));
    const upstream = dataOf(raw.toString('utf8'));
    const client = dataOf(out);
    expect(client).toEqual(upstream.filter((d) => !d.includes('"choices":[]')));
    expect(client.length).toBe(upstream.length - 1);
    expect(end.usage?.inputTokens).toBe(11);
  });

  it('B9 split at every byte offset gives identical client output', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const ctx = makeCtx(p, { stream: true });
    const { out: reference, raw } = await streamThrough(adapter, ctx);
    for (let i = 0; i <= raw.length; i++) {
      expect(translateChunks(adapter, ctx, [raw.subarray(0, i), raw.subarray(i)]).out).toBe(reference);
    }
    expect(translateChunks(adapter, ctx, Array.from(raw, (_b, i) => raw.subarray(i, i + 1))).out).toBe(reference);
  });

  it('B9 an upstream writing 7-byte pieces over the network gives identical output', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const { out: reference } = await streamThrough(adapter, makeCtx(p, { stream: true }));
    fake.up.setBehavior(() => ({ split: 7, chunkDelayMs: 1 }));
    const { out, end } = await streamThrough(adapter, makeCtx(p, { stream: true }));
    expect(out).toBe(reference);
    expect(end.outcome).toBe('complete');
  });

  it('started is false until the first event is emitted', () => {
    const p = provider();
    const t = createOpenAIStreamTranslator(streamCtx(makeCtx(p, { stream: true })));
    expect(t.started).toBe(false);
    expect(t.push(enc('data: {"choices":[{"delta":{"content":"a"}}]'))).toBe('');
    expect(t.started).toBe(false);
    expect(t.push(enc('}\n\n'))).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    expect(t.started).toBe(true);
  });

  it('B11 clean close without [DONE] → truncated, no [DONE] in the output', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const { out, end } = await streamThrough(adapter, makeCtx(p, { stream: true, model: 'truncate-after-3' }));
    expect(end.outcome).toBe('truncated');
    expect(end.error).toBeUndefined();
    expect(out).not.toContain('[DONE]');
    expect(dataOf(out)).toHaveLength(3);
  });

  it('B5 reset mid-stream → body iteration throws UpstreamFailureError, no [DONE] emitted', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const ctx = makeCtx(p, { stream: true, model: 'reset-after-2' });
    let out = '';
    const t = translator(adapter, ctx);
    const failure = await failureOf((async () => {
      const res = await send(adapter, ctx);
      for await (const c of res.body) out += t.push(c);
    })());
    expect(failure.failure.kind).toBe('server');
    expect(t.started).toBe(true);
    expect(out).not.toContain('[DONE]');
    expect(t.end().outcome).toBe('truncated');
  });

  it('B6 an in-band error event → end().error (sanitised), no [DONE] even if the upstream sends one', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const err = { error: { message: `Rate limit reached for key ${SECRET}`, type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } };
    fake.up.setBehavior(() => ({ inject: { after: 1, text: `data: ${JSON.stringify(err)}\n\n` } }));
    const { out, end } = await streamThrough(adapter, makeCtx(p, { stream: true }));
    expect(end.outcome).toBe('truncated');
    expect(end.error).toMatchObject({ kind: 'rate_limited', upstreamCode: 'rate_limit_exceeded' });
    expect(JSON.stringify(end.error)).not.toContain(SECRET);
    expect(out).not.toContain('[DONE]');
    expect(out).not.toContain('"error"');
    expect(dataOf(out)).toHaveLength(2);
  });

  it('B6 `event: error`, a vLLM-style error object and an error next to choices are all in-band errors', () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const ctx = makeCtx(p, { stream: true });
    const cases = [
      'event: error\ndata: {"message":"overloaded","type":"overloaded_error"}\n\n',
      'data: {"object":"error","message":"engine dead","type":"InternalServerError","code":500}\n\n',
      'data: {"id":"x","choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],"error":{"message":"provider died","code":502}}\n\n',
    ];
    for (const text of cases) {
      const { end } = translateChunks(adapter, ctx, [enc(`data: {"choices":[{"delta":{"content":"a"}}]}\n\n${text}data: [DONE]\n\n`)]);
      expect(end.error?.kind).toBe('server');
      expect(end.outcome).toBe('truncated');
      expect(end.tail).not.toContain('[DONE]');
    }
  });

  it('content mentioning "error" is not an error', () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const text = 'data: {"choices":[{"delta":{"content":"error"}}],"x":{"error":null}}\n\ndata: [DONE]\n\n';
    const { out, end } = translateChunks(adapter, makeCtx(p, { stream: true }), [enc(text)]);
    expect(end.outcome).toBe('complete');
    expect(out).toBe(text);
  });

  it('B10 an event over the cap fails the stream; earlier events of the same chunk are still returned', () => {
    const p = provider();
    const t = createOpenAIStreamTranslator(streamCtx(makeCtx(p, { stream: true })), { maxEventBytes: 1024 });
    const ok = 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n';
    expect(t.push(enc(`${ok}data: {"choices":"${'x'.repeat(2000)}`))).toBe(ok);
    expect(() => t.push(enc('"}\n\n'))).toThrow(UpstreamFailureError);
    const end = t.end();
    expect(end.error?.kind).toBe('invalid');
    expect(end.tail).toBe('');
  });

  it('B10 a 1 MiB+ event from a real upstream → UpstreamFailureError invalid', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    fake.up.setBehavior(() => ({ rawBody: `data: {"choices":[{"delta":{"content":"${'y'.repeat(1_100_000)}"}}]}\n\n`, rawContentType: 'text/event-stream', split: 65536 }));
    const ctx = makeCtx(p, { stream: true });
    const t = translator(adapter, ctx);
    const failure = await failureOf((async () => {
      const res = await send(adapter, ctx);
      for await (const c of res.body) t.push(c);
    })());
    expect(failure.failure.kind).toBe('invalid');
    expect(t.started).toBe(false);
  });

  it('B9 garbage data → invalid; garbage field lines and comments are ignored', () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const ctx = makeCtx(p, { stream: true });
    expect(() => translator(adapter, ctx).push(enc('data: <html>oops</html>\n\n'))).toThrow(UpstreamFailureError);
    const text = 'garbage line\n: comment\ndata: {"choices":[{"delta":{"content":"a"}}]}\n\nnot a field\n\ndata: [DONE]\n\n';
    const { out, end } = translateChunks(adapter, ctx, [enc(text)]);
    expect(out).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\n\ndata: [DONE]\n\n');
    expect(end.outcome).toBe('complete');
  });

  it('B9 a JSON body instead of an SSE stream → invalid', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    fake.up.setBehavior(() => ({ rawBody: '{"id":"x","choices":[{"message":{"content":"hi"}}]}', rawContentType: 'application/json' }));
    const { out, end } = await streamThrough(adapter, makeCtx(p, { stream: true }));
    expect(out).toBe('');
    expect(end.error?.kind).toBe('invalid');
  });

  it('[DONE] without a closing blank line still completes; events after [DONE] are ignored', () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const ctx = makeCtx(p, { stream: true });
    expect(translateChunks(adapter, ctx, [enc('data: {"choices":[]}\n\ndata: [DONE]\n')]).end.outcome).toBe('complete');
    const { out } = translateChunks(adapter, ctx, [enc('data: [DONE]\n\ndata: {"choices":[{"delta":{"content":"late"}}]}\n\n')]);
    expect(out).toBe('data: [DONE]\n\n');
  });

  it('A10 hostile content reaches an independent client parser (openai SDK) as exactly the upstream events', async () => {
    const p = provider();
    const adapter = createOpenAIAdapter(p, fake.pools);
    const content = ['\n\ndata: [DONE]\n\n', 'a\rb\r\nc', 'line\u2028sep\u2029', 'nul\0byte', 'event: x\nid: 9\n\n', '😀'];
    fake.up.setBehavior(() => ({ content, split: 5 }));
    const { out, raw } = await streamThrough(adapter, makeCtx(p, { stream: true, clientWantsUsage: true }));
    expect(dataOf(out)).toEqual(dataOf(raw.toString('utf8')));
    const received: string[] = [];
    let finish: string | null = null;
    const stream = Stream.fromSSEResponse<{ choices: { delta: { content?: string }; finish_reason: string | null }[] }>(new Response(out), new AbortController());
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta.content !== undefined && c.delta.content !== '') received.push(c.delta.content);
      finish = c?.finish_reason ?? finish;
    }
    expect(received).toEqual(content);
    expect(finish).toBe('stop');
    expect(dataOf(out)).toHaveLength(sseEvents('m', { content }, true).length);
  });
});
