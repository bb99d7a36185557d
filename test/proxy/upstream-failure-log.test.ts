// Upstream failures reach the operator as WARN lines (issue 6, point 6), against real loopback upstreams: a port
// that refuses connections, a fake OpenAI server answering 401, 500, 400, garbage, a hang and broken streams.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, eventually, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';
import { closedPortURL } from '../support/upstreams.ts';

const KEY = 'sk-live-canary-7d1e0b5a93c24f68';
const FAST = { attempts: 1 };

let up: FakeOpenAI;
let gw: Gateway;
let clock = 1_700_000_000_000;

type Line = Record<string, unknown>;

function lines(): Line[] {
  return gw.logs.map((l) => JSON.parse(l) as Line);
}

function warnings(model?: string): Line[] {
  return lines().filter((l) => l.level === 'warn' && l.msg === 'upstream failure' && (model === undefined || l.upstreamModel === model));
}

async function chat(model: string, stream = false): Promise<{ res: Response; text: string }> {
  const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model, ...(stream ? { stream: true } : {}) });
  const text = await res.text();
  // The access line is written when the response closes: after it, every failure line of the request is out.
  const id = res.headers.get('x-request-id');
  await eventually(() => gw.accessLines().some((l) => l.requestId === id));
  return { res, text };
}

beforeAll(async () => {
  up = await startFakeOpenAI();
  const dead = await closedPortURL();
  gw = await startGateway([
    ...provider('up', up.url, { key: KEY }),
    ...provider('dead', dead),
    ...provider('slow', up.url, { timeouts: { firstByte: '150ms' } }),
    route('refused', { model: 'refused', retry: FAST, targets: [{ provider: 'dead', model: 'm-refused' }] }),
    route('auth', { model: 'auth', retry: FAST, targets: [{ provider: 'up', model: 'status-401' }] }),
    route('echo', { model: 'echo', retry: FAST, targets: [{ provider: 'up', model: 'echo-key' }] }),
    route('server', { model: 'server', retry: FAST, targets: [{ provider: 'up', model: 'status-500' }] }),
    route('flood', { model: 'flood', retry: FAST, targets: [{ provider: 'up', model: 'status-502' }] }),
    route('garbage', { model: 'garbage', retry: FAST, targets: [{ provider: 'up', model: 'garbage' }] }),
    route('client', { model: 'client', retry: FAST, targets: [{ provider: 'up', model: 'status-400' }] }),
    route('hang', { model: 'hang', retry: FAST, targets: [{ provider: 'slow', model: 'hang' }] }),
    route('reset', { model: 'reset', retry: FAST, targets: [{ provider: 'up', model: 'reset-after-2' }] }),
    route('truncate', { model: 'truncate', retry: FAST, targets: [{ provider: 'up', model: 'truncate-after-2' }] }),
  ], { auth: 'open', now: () => clock });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

afterEach(() => {
  up.setBehavior(undefined);
});

describe('upstream failures are logged at warn', () => {
  it('a refused connection: route, provider, upstream model, kind, error code, attempt and request id', async () => {
    const { res } = await chat('refused');
    expect(res.status).toBeGreaterThanOrEqual(500);
    const [w, ...more] = warnings('m-refused');
    expect(more).toEqual([]);
    expect(w).toMatchObject({
      route: 'default/refused', provider: 'default/dead', upstreamModel: 'm-refused', failure: 'connect', errorCode: 'ECONNREFUSED',
      attempt: 1, requestId: res.headers.get('x-request-id'), suppressed: 0,
    });
    expect(w).not.toHaveProperty('status');
  });

  it('an upstream 401 says the gateway\'s own credentials were rejected, and never logs the key', async () => {
    const { res } = await chat('auth');
    expect(res.status).toBe(502);
    expect(warnings('status-401')).toEqual([
      expect.objectContaining({ failure: 'auth', status: 401, provider: 'default/up', route: 'default/auth', detail: expect.stringContaining("gateway's own credentials") }),
    ]);
  });

  it('an upstream error message that echoes the key is stripped before it is logged', async () => {
    up.setBehavior(() => ({ status: 500, errorBody: { error: { message: `Server exploded while checking ${KEY} and Bearer ${KEY}`, code: 'boom' } } }));
    await chat('echo');
    const [w] = warnings('echo-key');
    expect(w).toMatchObject({ failure: 'server', status: 500, upstreamCode: 'boom' });
    expect(String(w?.detail)).toContain('[redacted]');
    expect(gw.logs.join('\n')).not.toContain(KEY.slice(8, 24));
  });

  it('an upstream 500 and a garbage 200 body', async () => {
    await chat('server');
    await chat('garbage');
    expect(warnings('status-500')).toEqual([expect.objectContaining({ failure: 'server', status: 500, detail: 'Fake upstream error 500.' })]);
    expect(warnings('garbage')).toEqual([expect.objectContaining({ failure: 'invalid', route: 'default/garbage' })]);
  });

  it('a first-byte timeout names the phase', async () => {
    const { res } = await chat('hang');
    expect(res.status).toBe(504);
    expect(warnings('hang')).toEqual([expect.objectContaining({ failure: 'timeout', timeout: 'first_byte', errorCode: 'UND_ERR_HEADERS_TIMEOUT', provider: 'default/slow' })]);
  });

  it('a stream broken or cut short after its first byte', async () => {
    const reset = await chat('reset', true);
    expect(reset.res.status).toBe(200);
    expect(reset.text).toContain('"error"');
    const truncated = await chat('truncate', true);
    expect(truncated.text).toContain('upstream_stream_truncated');
    expect(warnings('reset-after-2')).toEqual([expect.objectContaining({ failure: 'stream_interrupted', route: 'default/reset', attempt: 1 })]);
    expect(warnings('truncate-after-2')).toEqual([
      expect.objectContaining({ failure: 'stream_truncated', detail: 'The upstream stream ended before its terminal event.' }),
    ]);
  });

  it('a 4xx the upstream blames on the request is not a warning (debug only)', async () => {
    const { res } = await chat('client');
    expect(res.status).toBe(400);
    expect(warnings('status-400')).toEqual([]);
    expect(lines().filter((l) => l.upstreamModel === 'status-400' && l.msg === 'upstream rejected the request')).toEqual([
      expect.objectContaining({ level: 'debug', failure: 'client', status: 400 }),
    ]);
  });

  it('an outage does not flood the log: one line per target per 10 s, then one carrying the suppressed count', async () => {
    for (let i = 0; i < 6; i++) await chat('flood');
    expect(warnings('status-502')).toHaveLength(1);
    clock += 9_999;
    await chat('flood');
    expect(warnings('status-502')).toHaveLength(1);
    clock += 1;
    await chat('flood');
    const logged = warnings('status-502');
    expect(logged).toHaveLength(2);
    expect(logged[1]).toMatchObject({ failure: 'server', status: 502, suppressed: 6 });
    // Every request was still counted in the upstream metric.
    expect(await gw.registry.metrics()).toContain('switchyard_upstream_requests_total{provider="default/up",model="status-502",outcome="server",status="502"} 8');
  });
});
