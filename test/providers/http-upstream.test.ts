// undici error mapping, deadlines, cancellation and pool reuse against real loopback servers.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import { mapUpstreamError } from '../../pkg/providers/http/errors.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createOpenAIAdapter } from '../../pkg/providers/openai/index.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { useFakeUpstream, makeCtx, makeProvider, readAll, SECRET, TIMEOUTS, send } from './helpers.ts';

const fake = useFakeUpstream();

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function expectSafe(err: unknown): void {
  const text = `${String(err)} ${JSON.stringify((err as UpstreamFailureError).failure)}`;
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain(SECRET);
}

describe('undici error mapping', () => {
  it('B1 connection refused → connect', async () => {
    const p = makeProvider({ baseURL: `http://127.0.0.1:${await closedPort()}/v1` });
    const err = await rejection(send(createOpenAIAdapter(p, fake.pools), makeCtx(p)));
    expect(err).toBeInstanceOf(UpstreamFailureError);
    expect((err as UpstreamFailureError).failure.kind).toBe('connect');
    expectSafe(err);
  });

  it('B1 DNS failure → connect', async () => {
    const p = makeProvider({ baseURL: 'http://switchyard-test.invalid/v1' });
    const err = await rejection(send(createOpenAIAdapter(p, fake.pools), makeCtx(p)));
    expect((err as UpstreamFailureError).failure.kind).toBe('connect');
  });

  it('B7 an upstream that never answers → timeout after firstByteMs', async () => {
    const p = makeProvider({ baseURL: fake.up.url });
    const started = performance.now();
    const err = await rejection(send(createOpenAIAdapter(p, fake.pools), makeCtx(p, { model: 'hang', timeouts: { firstByteMs: 150 } })));
    expect((err as UpstreamFailureError).failure.kind).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(2000);
    expectSafe(err);
  });

  it('B8 a stall between chunks → timeout after idleMs while reading the body', async () => {
    fake.up.setBehavior(() => ({ chunkDelayMs: 1000 }));
    const p = makeProvider({ baseURL: fake.up.url });
    const adapter = createOpenAIAdapter(p, fake.pools);
    const res = await send(adapter, makeCtx(p, { stream: true, timeouts: { idleMs: 150 } }));
    const err = await rejection(readAll(res));
    expect((err as UpstreamFailureError).failure.kind).toBe('timeout');
  });

  it('B13 a TLS handshake with a plain-HTTP server → tls', async () => {
    const p = makeProvider({ baseURL: `https://127.0.0.1:${new URL(fake.up.origin).port}/v1` });
    const err = await rejection(send(createOpenAIAdapter(p, fake.pools), makeCtx(p)));
    expect((err as UpstreamFailureError).failure.kind).toBe('tls');
    expectSafe(err);
  });

  it('maps error codes it cannot provoke on loopback', () => {
    const kind = (code: string, phase: 'head' | 'body' = 'head'): string => (mapUpstreamError(Object.assign(new Error('x'), { code }), undefined, phase) as UpstreamFailureError).failure.kind;
    expect(kind('UND_ERR_CONNECT_TIMEOUT')).toBe('timeout');
    expect(kind('UND_ERR_HEADERS_TIMEOUT')).toBe('timeout');
    expect(kind('UND_ERR_BODY_TIMEOUT', 'body')).toBe('timeout');
    expect(kind('ENOTFOUND')).toBe('connect');
    expect(kind('EAI_AGAIN')).toBe('connect');
    expect(kind('CERT_HAS_EXPIRED')).toBe('tls');
    expect(kind('ERR_TLS_CERT_ALTNAME_INVALID')).toBe('tls');
    expect(kind('DEPTH_ZERO_SELF_SIGNED_CERT')).toBe('tls');
    expect(kind('HPE_INVALID_CONSTANT')).toBe('invalid');
    expect(kind('UND_ERR_SOCKET', 'body')).toBe('server');
  });
});

describe('cancellation (B16)', () => {
  it('aborting while waiting for the head rejects with the signal reason and the upstream sees the abort', async () => {
    const p = makeProvider({ baseURL: fake.up.url });
    const ac = new AbortController();
    const pending = send(createOpenAIAdapter(p, fake.pools), makeCtx(p, { model: 'hang', signal: ac.signal }));
    const reason = new Error('client went away');
    setTimeout(() => ac.abort(reason), 50);
    expect(await rejection(pending)).toBe(reason);
    await fake.up.onAbort();
  });

  it('aborting mid-stream stops the body and the upstream sees the abort', async () => {
    fake.up.setBehavior(() => ({ chunkDelayMs: 100, content: Array.from({ length: 50 }, () => 'x') }));
    const p = makeProvider({ baseURL: fake.up.url });
    const ac = new AbortController();
    const res = await send(createOpenAIAdapter(p, fake.pools), makeCtx(p, { stream: true, signal: ac.signal }));
    const reason = new Error('client went away');
    const err = await rejection((async () => {
      for await (const _c of res.body) ac.abort(reason);
    })());
    expect(err).toBe(reason);
    await fake.up.onAbort();
  });

  it('an already-aborted signal never connects', async () => {
    const p = makeProvider({ baseURL: fake.up.url });
    const before = fake.up.requests.length;
    const err = await rejection(send(createOpenAIAdapter(p, fake.pools), makeCtx(p, { signal: AbortSignal.abort(new Error('gone')) })));
    expect((err as Error).message).toBe('gone');
    expect(fake.up.requests.length).toBe(before);
  });
});

describe('upstream pools', () => {
  it('one pool per origin and connect timeout, reused for new provider objects (table swaps)', () => {
    const local = createUpstreamPools();
    const a = local.dispatcherFor(makeProvider({ baseURL: 'http://127.0.0.1:1/v1' }));
    const b = local.dispatcherFor(makeProvider({ baseURL: 'http://127.0.0.1:1/other', id: 'x/y' }));
    const c = local.dispatcherFor(makeProvider({ baseURL: 'http://127.0.0.1:1/v1', timeouts: { ...TIMEOUTS, connectMs: 5 } }));
    const d = local.dispatcherFor(makeProvider({ baseURL: 'http://127.0.0.1:2/v1' }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).not.toBe(d);
    expect(local.size).toBe(3);
    return local.close();
  });

  it('B15 sequential requests reuse one keep-alive connection; idle sockets close after keepAliveTimeout', async () => {
    const server = await startFakeOpenAI();
    const local = createUpstreamPools({ keepAliveTimeoutMs: 200 });
    try {
      const p = makeProvider({ baseURL: server.url });
      const adapter = createOpenAIAdapter(p, local);
      for (let i = 0; i < 3; i++) {
        await readAll(await send(adapter, makeCtx(p)));
        // undici frees the socket just after the body ends; without a pause the next request may open another.
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(server.connections).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
      await readAll(await send(adapter, makeCtx(p)));
      expect(server.connections).toBe(2);
    } finally {
      await local.close();
      await server.close();
    }
  });

  it('closed fake.pools refuse new work', async () => {
    const local = createUpstreamPools();
    await local.close();
    expect(() => local.dispatcherFor(makeProvider())).toThrow();
  });
});
