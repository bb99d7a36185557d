// The attempt budget through the real gateway on loopback (ADR 0023): Retry-After (seconds, HTTP-date) and reset
// headers honoured before a retry, no retry once a byte reached the client, uncertain failures flagged and not
// repeated on the same target, 400 not retried, context-length going only to `when: [context-length]` fallbacks,
// pool-acquire timeouts, and the idle timeout reset by every chunk.
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CredentialSources } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { createProxyServer } from '../../pkg/proxy/server.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI, RecordedRequest } from '../support/fake-openai-server.ts';
import { closedPortURL } from '../support/upstreams.ts';
import { CHAT, compileTable, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let a: FakeOpenAI;
let b: FakeOpenAI;
let c: FakeOpenAI;
let dead: string;
let gw: Gateway;

const ONE = { attempts: 1 };
const THREE = { attempts: 3, backoff: { base: '1ms', max: '2ms' } };
const CONTEXT_ERROR = {
  error: { message: 'This model\'s maximum context length is 8192 tokens.', type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' },
};

beforeAll(async () => {
  a = await startFakeOpenAI();
  b = await startFakeOpenAI();
  c = await startFakeOpenAI();
  dead = await closedPortURL();
  gw = await startGateway([
    ...provider('a', a.url),
    ...provider('b', b.url),
    ...provider('c', c.url),
    ...provider('dead', dead),
    ...provider('slow-a', a.url, { timeouts: { firstByte: '300ms' } }),
    ...provider('idle-a', a.url, { timeouts: { idle: '300ms' } }),
    route('ra', { model: 'ra', retry: THREE, targets: [{ provider: 'a', model: 'm' }] }),
    route('ra-date', { model: 'ra-date', retry: THREE, targets: [{ provider: 'a', model: 'm-date' }] }),
    route('ra-reset', { model: 'ra-reset', retry: THREE, targets: [{ provider: 'a', model: 'm-reset' }] }),
    route('first-byte', { model: 'first-byte', retry: THREE, targets: [{ provider: 'a', model: 'm' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('uncertain', { model: 'uncertain', retry: THREE, targets: [{ provider: 'slow-a', model: 'hang' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('cut-body', { model: 'cut-body', retry: THREE, targets: [{ provider: 'a', model: 'cut' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('refused', { model: 'refused', retry: THREE, targets: [{ provider: 'dead', model: 'm' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('bad', { model: 'bad', retry: THREE, targets: [{ provider: 'a', model: 'status-400' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('ctx', {
      model: 'ctx', retry: THREE,
      targets: [{ provider: 'a', model: 'small' }],
      fallback: [{ provider: 'c', model: 'other' }, { provider: 'b', model: 'big', when: ['context-length'] }],
    }),
    route('ctx-none', { model: 'ctx-none', retry: THREE, targets: [{ provider: 'a', model: 'small' }], fallback: [{ provider: 'b', model: 'ok' }] }),
    route('err-skips-ctx', { model: 'err-skips-ctx', retry: ONE, targets: [{ provider: 'a', model: 'status-503' }], fallback: [{ provider: 'b', model: 'big', when: ['context-length'] }] }),
    route('idle', { model: 'idle', retry: ONE, targets: [{ provider: 'idle-a', model: 'slow-chunks-150' }] }),
  ], { auth: 'open', options: { maxRetryAfterWaitMs: 5000 } });
});

afterAll(async () => {
  await gw.close();
  await Promise.all([a.close(), b.close(), c.close()]);
});

afterEach(() => {
  for (const f of [a, b, c]) {
    f.setBehavior(undefined);
    f.requests.length = 0;
  }
});

const chat = (model: string, extra: Record<string, unknown> = {}): Promise<Response> => postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model, ...extra });

/** Answers the first request with `first`, the rest normally; records when each arrived. */
function firstThen(first: (r: RecordedRequest) => Record<string, unknown>): number[] {
  const at: number[] = [];
  a.setBehavior((r) => {
    at.push(performance.now());
    return at.length === 1 ? first(r) : undefined;
  });
  return at;
}

function lastAccess(): Record<string, unknown> {
  return gw.accessLines().at(-1) ?? {};
}

describe('Retry-After and reset hints before a retry (B3)', () => {
  it('waits the seconds form before retrying the same target', async () => {
    const at = firstThen(() => ({ status: 429, headers: { 'retry-after': '1' } }));
    const res = await chat('ra');
    expect(res.status).toBe(200);
    expect(at).toHaveLength(2);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(950);
  });

  it('waits the HTTP-date form', async () => {
    const at = firstThen(() => ({ status: 429, headers: { 'retry-after': new Date(Date.now() + 2500).toUTCString() } }));
    const res = await chat('ra-date');
    expect(res.status).toBe(200);
    expect(at).toHaveLength(2);
    // Whole seconds: the date lands 1.5–2.5 s ahead.
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(1450);
  });

  it('waits x-ratelimit-reset-requests when a 429 has no Retry-After', async () => {
    const at = firstThen(() => ({ status: 429, headers: { 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-requests': '0' } }));
    const res = await chat('ra-reset');
    expect(res.status).toBe(200);
    expect(at).toHaveLength(2);
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(950);
  });
});

describe('no retry after the first byte', () => {
  it('a stream reset after content ends with a terminal error; the upstream saw one request, the fallback none', async () => {
    a.setBehavior(() => ({ resetAfter: 2, content: ['one', ' two', ' three', ' four'] }));
    const res = await chat('first-byte', { stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('one');
    expect(text).toContain('upstream_stream_interrupted');
    expect(text).not.toContain('[DONE]');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
    expect(lastAccess()).toMatchObject({ attempts: 1, uncertainAttempts: 0 });
  });
});

describe('pre-dispatch vs uncertain failures', () => {
  it('a first-byte timeout is uncertain: not retried on the same target, flagged, failed over', async () => {
    const res = await chat('uncertain');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('b');
    expect(a.requests).toHaveLength(1);
    expect(lastAccess()).toMatchObject({ status: 200, attempts: 2, uncertainAttempts: 1, provider: 'default/b' });
  });

  it('a body cut after the head is uncertain even though 5xx-style failures are retried on this route', async () => {
    a.setBehavior(() => ({ resetAfter: 1 }));
    const res = await chat('cut-body');
    expect(res.status).toBe(200);
    expect(a.requests).toHaveLength(1);
    expect(lastAccess()).toMatchObject({ attempts: 2, uncertainAttempts: 1 });
  });

  it('a refused connection is pre-dispatch: retried per the route, never flagged', async () => {
    const res = await chat('refused');
    expect(res.status).toBe(200);
    expect(lastAccess()).toMatchObject({ attempts: 4, uncertainAttempts: 0, provider: 'default/b' });
  });
});

describe('400 and context length (B12)', () => {
  it('a 400 is neither retried nor failed over', async () => {
    const res = await chat('bad');
    expect(res.status).toBe(400);
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  it('context length goes to the fallback with when: [context-length], skipping error-only fallbacks', async () => {
    a.setBehavior(() => ({ status: 400, errorBody: CONTEXT_ERROR }));
    const res = await chat('ctx');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-model')).toBe('big');
    expect(a.requests).toHaveLength(1);
    expect(c.requests).toHaveLength(0);
    expect(b.requests).toHaveLength(1);
  });

  it('without such a fallback the client gets the 400 and nothing else is tried', async () => {
    a.setBehavior(() => ({ status: 400, errorBody: CONTEXT_ERROR }));
    const res = await chat('ctx-none');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(b.requests).toHaveLength(0);
  });

  it('an ordinary failure does not use a context-length-only fallback', async () => {
    const res = await chat('err-skips-ctx');
    expect(res.status).toBe(502);
    expect(b.requests).toHaveLength(0);
  });
});

describe('idle timeout (B8)', () => {
  it('is reset by every chunk: a stream slower in total than the idle timeout completes', async () => {
    // slow-chunks-150: one write every 150 ms (content, finish, [DONE]) against a 300 ms idle timeout.
    const t0 = performance.now();
    const res = await chat('idle', { stream: true });
    const text = await res.text();
    expect(performance.now() - t0).toBeGreaterThan(450);
    expect(text).toContain('Hello');
    expect(text).toContain('[DONE]');
    expect(text).not.toContain('"error"');
  });
});

describe('pool acquire timeout (B15)', () => {
  it('a full pool fails over after poolAcquire instead of queuing, and the slot comes back when the holder ends', async () => {
    const up = await startFakeOpenAI();
    const logs: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => void logs.push(s) } });
    const metrics = createMetrics(new Registry());
    const pools = createUpstreamPools({ keepAliveTimeoutMs: 1000, connectionsPerOrigin: 1, sources: new CredentialSources() });
    const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: 'open', metrics });
    holder.load(compileTable([
      ...provider('one', up.url, { timeouts: { poolAcquire: '200ms' } }),
      ...provider('b', b.url),
      route('hold', { model: 'hold', retry: ONE, targets: [{ provider: 'one', model: 'hang' }] }),
      route('pa', { model: 'pa', retry: THREE, targets: [{ provider: 'one', model: 'ok' }], fallback: [{ provider: 'b', model: 'ok' }] }),
      route('pa-only', { model: 'pa-only', retry: THREE, targets: [{ provider: 'one', model: 'ok' }] }),
    ]));
    const app = createProxyServer({ holder, logger, metrics });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/chat/completions`;
    try {
      const holding = new AbortController();
      const held = fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...CHAT, model: 'hold' }), signal: holding.signal }).catch(() => null);
      await waitFor(() => up.requests.length === 1);

      let t0 = performance.now();
      const over = await postJson(base, { ...CHAT, model: 'pa' });
      expect(over.status).toBe(200);
      expect(over.headers.get('x-switchyard-provider')).toBe('b');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(180);

      t0 = performance.now();
      const only = await postJson(base, { ...CHAT, model: 'pa-only' });
      expect(only.status).toBe(504);
      expect(((await only.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(up.requests).toHaveLength(1);

      holding.abort();
      await held;
      await waitFor(() => up.aborted === 1);
      const again = await postJson(base, { ...CHAT, model: 'pa-only' });
      expect(again.status).toBe(200);
      expect(up.requests).toHaveLength(2);
    } finally {
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await pools.destroy();
      await up.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
