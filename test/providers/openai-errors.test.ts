import { describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { parseRetryAfter } from '../../pkg/providers/http/retry-after.ts';
import { createOpenAIAdapter } from '../../pkg/providers/openai/index.ts';
import { MAX_MESSAGE_CHARS } from '../../pkg/providers/openai/errors.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { useFakeUpstream, makeCtx, makeProvider, readAll, SECRET, send, respond } from './helpers.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));

const fake = useFakeUpstream();

describe('classifyError', () => {
  const provider = makeProvider({ baseURL: 'https://api.secret-host.example/v1' });
  const adapter = createOpenAIAdapter(provider, createUpstreamPools(), { now: () => NOW });
  const ctx = makeCtx(provider);
  const classify = (status: number, body: unknown, headers: Record<string, string> = {}) => adapter.classifyError(ctx.target, status, headers, enc(body));

  it.each([
    [400, 'client'], [404, 'client'], [413, 'client'], [422, 'client'], [401, 'auth'], [403, 'auth'], [408, 'timeout'],
    [429, 'rate_limited'], [500, 'server'], [502, 'server'], [503, 'server'], [504, 'server'], [529, 'server'], [302, 'invalid'],
  ])('status %i → %s', (status, kind) => {
    const f = classify(status, { error: { message: 'm', type: 't' } });
    expect(f.kind).toBe(kind);
    expect(f.status).toBe(status);
  });

  it('B12 carries the provider message, code and param of a 4xx', () => {
    const f = classify(400, { error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } });
    expect(f).toEqual({ kind: 'client', status: 400, message: "This model's maximum context length is 128000 tokens.", upstreamCode: 'context_length_exceeded', param: 'messages' });
  });

  it('falls back to the error type when there is no code, and reads {error:"…"} and vLLM-style bodies', () => {
    expect(classify(400, { error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } })).toMatchObject({ upstreamCode: 'invalid_request_error', param: null });
    expect(classify(500, { error: 'boom' }).message).toBe('boom');
    expect(classify(400, { object: 'error', message: 'vllm says no', type: 'BadRequestError', code: 400 })).toMatchObject({ message: 'vllm says no', upstreamCode: '400' });
  });

  it('an unparsable body gives no message (never the raw body)', () => {
    const f = classify(502, '<html>Bad Gateway at internal-lb-7.corp</html>');
    expect(f).toEqual({ kind: 'server', status: 502 });
  });

  it('B12/E12 strips the credential (whole, bare, partially masked) and the provider host from messages', () => {
    const f = classify(401, { error: { message: `Incorrect API key provided: ${SECRET}. Also Bearer ${SECRET} and sk-canar*****cdef at api.secret-host.example`, type: 'invalid_request_error', param: SECRET, code: 'invalid_api_key' } });
    expect(f.kind).toBe('auth');
    const text = JSON.stringify(f);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('0123456789abcdef');
    expect(text).not.toContain('sk-canar');
    expect(text).not.toContain('secret-host');
    expect(f.message).toContain('[redacted]');
  });

  it('caps the message at 1 KiB', () => {
    const f = classify(400, { error: { message: 'x'.repeat(10_000) } });
    expect(f.message?.length).toBe(MAX_MESSAGE_CHARS);
  });

  it('B3 429 Retry-After in seconds and as an HTTP-date', () => {
    expect(classify(429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, { 'retry-after': '30' })).toMatchObject({ kind: 'rate_limited', retryAfter: 30, upstreamCode: 'rate_limit_exceeded' });
    const date = new Date(NOW + 30_000).toUTCString();
    expect(classify(429, {}, { 'retry-after': date }).retryAfter).toBe(30);
    expect(classify(429, {}, { 'retry-after-ms': '1500' }).retryAfter).toBe(2);
    expect(classify(429, {}).retryAfter).toBeUndefined();
    expect(classify(503, {}, { 'retry-after': '7' }).retryAfter).toBe(7);
  });

  it('B12 insufficient_quota is a budget stop: a client failure (never retried or failed over) that keeps its 429 and code', () => {
    expect(classify(429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } })).toMatchObject({ kind: 'client', status: 429, upstreamCode: 'insufficient_quota' });
    expect(classify(429, { error: { message: 'slow down', type: 'rate_limit_exceeded', code: 'rate_limit_exceeded' } })).toMatchObject({ kind: 'rate_limited' });
  });
});

describe('parseRetryAfter', () => {
  it('handles seconds, decimals, dates in the past, garbage and arrays', () => {
    expect(parseRetryAfter({ 'retry-after': ' 12 ' }, NOW)).toBe(12);
    expect(parseRetryAfter({ 'retry-after': '1.2' }, NOW)).toBe(2);
    expect(parseRetryAfter({ 'retry-after': new Date(NOW - 60_000).toUTCString() }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-5' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '2026' }, NOW)).toBe(2026);
    expect(parseRetryAfter({ 'retry-after': ['5', '9'] }, NOW)).toBe(5);
  });
});

describe('error responses from a real upstream', () => {
  it.each([
    [401, 'auth'], [429, 'rate_limited'], [500, 'server'], [503, 'server'],
  ])('fake upstream status-%i → %s', async (status, kind) => {
    const provider = makeProvider({ baseURL: fake.up.url });
    const adapter = createOpenAIAdapter(provider, fake.pools);
    const ctx = makeCtx(provider, { model: `status-${status}` });
    const res = await send(adapter, ctx);
    expect(res.status).toBe(status);
    const f = adapter.classifyError(ctx.target, res.status, res.headers, await readAll(res));
    expect(f.kind).toBe(kind);
    expect(f.message).toBe(`Fake upstream error ${status}.`);
    if (status === 429) expect(f.retryAfter).toBe(1);
  });

  it('B9 a 2xx garbage body → UpstreamFailureError invalid; a body without choices too', async () => {
    const provider = makeProvider({ baseURL: fake.up.url });
    const adapter = createOpenAIAdapter(provider, fake.pools);
    const ctx = makeCtx(provider, { model: 'garbage' });
    const body = await readAll(await send(adapter, ctx));
    expect(() => respond(adapter, ctx, body)).toThrow(UpstreamFailureError);
    for (const bad of ['[]', 'null', '{"id":"x"}', '"str"']) {
      try {
        respond(adapter, ctx, enc(bad));
        expect.unreachable();
      } catch (err) {
        expect((err as UpstreamFailureError).failure.kind).toBe('invalid');
      }
    }
  });

  it('a 200 carrying an error object is reported as that error', () => {
    const provider = makeProvider();
    const adapter = createOpenAIAdapter(provider, fake.pools);
    try {
      respond(adapter, makeCtx(provider), enc({ error: { message: 'overloaded', type: 'server_error' } }));
      expect.unreachable();
    } catch (err) {
      expect((err as UpstreamFailureError).failure).toMatchObject({ kind: 'server', message: 'overloaded' });
    }
  });
});
