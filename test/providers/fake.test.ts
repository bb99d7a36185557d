import { describe, expect, it } from 'vitest';
import { createFakeAdapter, FAKE_DEFAULTS } from '../../pkg/providers/fake/index.ts';
import { estimateTokens } from '../../pkg/providers/fake/content.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import type { TableFake } from '../../pkg/table/types.ts';
import { createSseParser } from '../../pkg/stream/sse.ts';
import { makeCtx, makeProvider, readAll, send, respond, translator, classify } from './helpers.ts';
import type { CtxOptions } from './helpers.ts';
import { CredentialSources } from '../../pkg/providers/http/credential-sources.ts';

const noNetwork = { dispatcherFor: () => { throw new Error('the fake provider must not use the network'); }, sources: new CredentialSources() };
const fakeProvider = (fake: Partial<TableFake> = {}) => makeProvider({ type: 'fake', baseURL: '', credential: null, fake: { ...FAKE_DEFAULTS, ...fake } });
const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'demo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content }], ...extra });

function events(text: string): string[] {
  const out: string[] = [];
  const p = createSseParser((e) => out.push(e.data));
  p.push(Buffer.from(text));
  p.end();
  return out;
}

async function run(fake: Partial<TableFake>, o: CtxOptions) {
  const provider = fakeProvider(fake);
  const adapter = createAdapter(provider, noNetwork);
  const ctx = makeCtx(provider, o);
  const res = await send(adapter, ctx);
  return { res, adapter, ctx, raw: await readAll(res) };
}

describe('fake provider', () => {
  it('is deterministic: the same request gives the same bytes (JSON and SSE)', async () => {
    for (const stream of [false, true]) {
      const body = chatBody('the quick brown fox', stream ? { stream: true } : {});
      const a = await run({}, { body, stream });
      const b = await run({}, { body, stream });
      expect(a.raw.equals(b.raw)).toBe(true);
    }
  });

  it('answers with words of the last user message, outputTokens of them, and the documented usage estimate', async () => {
    const body = chatBody('alpha beta gamma');
    const { raw, adapter, ctx, res } = await run({ outputTokens: 5 }, { body });
    expect(res.status).toBe(200);
    const json = JSON.parse(raw.toString()) as { choices: { message: { content: string }; finish_reason: string }[] };
    expect(json.choices[0]?.message.content).toBe('alpha beta gamma alpha beta');
    expect(json.choices[0]?.finish_reason).toBe('stop');
    const usage = respond(adapter, ctx, raw).usage;
    const promptTokens = Math.ceil(('Be brief.' + '\n' + 'alpha beta gamma').length / 4);
    expect(usage).toEqual({ inputTokens: promptTokens, outputTokens: 5, totalTokens: promptTokens + 5, cachedInputTokens: 0, reasoningTokens: 0 });
    expect(estimateTokens('')).toBe(1);
  });

  it('honours max_tokens with finish_reason length', async () => {
    const { raw } = await run({ outputTokens: 10 }, { body: chatBody('one two', { max_tokens: 3 }) });
    const json = JSON.parse(raw.toString()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(json.choices[0]?.message.content).toBe('one two one');
    expect(json.choices[0]?.finish_reason).toBe('length');
    expect(json.usage.completion_tokens).toBe(3);
  });

  it('streams chunkTokens tokens per chunk, then finish_reason, usage (when asked) and [DONE]; same usage as non-stream', async () => {
    const body = chatBody('a b c d e', { stream: true });
    const { raw, adapter, ctx } = await run({ outputTokens: 7, chunkTokens: 3 }, { body, stream: true });
    const data = events(raw.toString());
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
    const contents = chunks.slice(1).flatMap((c) => (c.choices[0]?.delta.content !== undefined ? [c.choices[0].delta.content] : []));
    expect(contents).toEqual(['a b c', ' d e a', ' b']);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    const t = translator(adapter, ctx);
    t.push(raw);
    const end = t.end();
    expect(end.outcome).toBe('complete');
    const nonStream = await run({ outputTokens: 7, chunkTokens: 3 }, { body: chatBody('a b c d e') });
    expect(end.usage).toEqual(respond(nonStream.adapter, nonStream.ctx, nonStream.raw).usage);
  });

  it('waits latencyMs before the head and interChunkDelayMs between chunks', async () => {
    const provider = fakeProvider({ latencyMs: 120, interChunkDelayMs: 30, outputTokens: 3 });
    const adapter = createFakeAdapter(provider);
    const t0 = performance.now();
    const res = await send(adapter, makeCtx(provider, { stream: true }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    const t1 = performance.now();
    await readAll(res);
    // role + 3 content + finish + usage + [DONE] = 7 events, 6 gaps of 30 ms.
    expect(performance.now() - t1).toBeGreaterThanOrEqual(6 * 30 - 15);
  });

  it('B16 honours the abort signal during latency and mid-stream', async () => {
    const provider = fakeProvider({ latencyMs: 5000, interChunkDelayMs: 5000 });
    const adapter = createFakeAdapter(provider);
    const ac = new AbortController();
    const reason = new Error('client gone');
    const pending = send(adapter, makeCtx(provider, { signal: ac.signal }));
    setTimeout(() => ac.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);

    const quick = fakeProvider({ interChunkDelayMs: 5000 });
    const ac2 = new AbortController();
    const res = await send(createFakeAdapter(quick), makeCtx(quick, { stream: true, signal: ac2.signal }));
    const it2 = res.body[Symbol.asyncIterator]();
    await it2.next();
    const t0 = performance.now();
    setTimeout(() => ac2.abort(reason), 20);
    await expect(it2.next()).rejects.toBe(reason);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('failureRate fails every round(1/r)-th request with a 503 the OpenAI classifier understands', async () => {
    const provider = fakeProvider({ failureRate: 0.5 });
    const adapter = createFakeAdapter(provider);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ctx = makeCtx(provider);
      const res = await send(adapter, ctx);
      statuses.push(res.status);
      const body = await readAll(res);
      if (res.status !== 200) expect(classify(adapter, ctx, res.status, res.headers, body)).toMatchObject({ kind: 'server', upstreamCode: 'fake_failure' });
    }
    expect(statuses).toEqual([200, 503, 200, 503]);
  });

  it('embeddings: embeddingDimensions unit-length floats, deterministic per input, base64 on request', async () => {
    const body = { model: 'e', input: ['hello', 'world', 'hello'] };
    const { raw, adapter, ctx } = await run({ embeddingDimensions: 16 }, { op: 'embeddings', body });
    const json = JSON.parse(raw.toString()) as { data: { embedding: number[]; index: number }[] };
    expect(json.data).toHaveLength(3);
    const [a, b, c] = json.data.map((d) => d.embedding);
    expect(a).toHaveLength(16);
    expect(a).toEqual(c);
    expect(a).not.toEqual(b);
    expect(Math.abs(Math.hypot(...(a ?? [])) - 1)).toBeLessThan(1e-5);
    expect(respond(adapter, ctx, raw).usage).toEqual({ inputTokens: 6, outputTokens: 0, totalTokens: 6 });

    const b64 = await run({ embeddingDimensions: 16 }, { op: 'embeddings', body: { ...body, encoding_format: 'base64' } });
    const first = (JSON.parse(b64.raw.toString()) as { data: { embedding: string }[] }).data[0]?.embedding ?? '';
    const bytes = Buffer.from(first, 'base64');
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    floats.forEach((f, i) => expect(f).toBeCloseTo(a?.[i] ?? NaN, 5));
  });

  it('the stream hides the usage chunk unless the client asked for it (shared OpenAI translator)', async () => {
    const body = chatBody('x', { stream: true });
    for (const clientWantsUsage of [false, true]) {
      const { raw, adapter, ctx } = await run({ outputTokens: 2 }, { body, stream: true, clientWantsUsage });
      const t = translator(adapter, ctx);
      const out = t.push(raw) + t.end().tail;
      expect(events(out).some((d) => d.includes('"choices":[]'))).toBe(clientWantsUsage);
    }
  });
});
