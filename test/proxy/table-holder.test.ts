// TableHolder: build, atomic swap, refusal of bad or older tables, and per-request capture of the table.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import type { RuntimeTable } from '../../pkg/proxy/runtime-table.ts';
import { createProxyServer } from '../../pkg/proxy/server.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, apiKey, compileTable, postJson, provider, route, startGateway } from './harness.ts';

const pools = createUpstreamPools();
const logs: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } });
const newHolder = (): TableHolder => new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger });

const BASE = [
  ...provider('a', 'http://127.0.0.1:9/v1', { models: [{ name: 'x', pricing: { input: 2, output: 8, cachedInput: 1 } }, { name: 'y' }], timeouts: { connect: '1s', firstByte: '30s' } }),
  ...provider('b', 'http://127.0.0.1:10/v1'),
  route('r', { model: 'r', aliases: ['r2'], targets: [{ provider: 'a', model: 'x', weight: 1 }, { provider: 'b', model: 'z', weight: 3 }], timeouts: { firstByte: '5s' } }),
];

afterAll(async () => {
  await pools.destroy();
});

describe('TableHolder', () => {
  it('builds the runtime table: routes by model and alias, merged timeouts, prices per token, weights', () => {
    const h = newHolder();
    expect(h.current).toBeNull();
    const table = compileTable(BASE, 3);
    h.load(table);
    const rt = h.current as RuntimeTable;
    expect(h.table).toBe(table);
    expect(rt.version).toBe(3);
    expect(h.authMode).toBe('required');
    expect(h.keyCount).toBe(0);
    const r = rt.routes.get('r');
    expect(rt.routes.get('r2')).toBe(r);
    const level = r?.levels[0];
    expect(level?.targets.map((t) => t.providerId)).toEqual(['default/b', 'default/a']);
    expect(level?.cumulative).toEqual([3, 4]);
    const a = level?.targets[1];
    expect(a?.bound.timeouts).toMatchObject({ connectMs: 1000, firstByteMs: 5000 });
    expect(a?.price).toEqual({ input: 2e-6, output: 8e-6, cachedInput: 1e-6, cacheWrite: 2e-6, reasoning: 8e-6 });
    expect(level?.targets[0]?.price).toBeNull();
    expect(r?.staticPlan).toBeNull();
  });

  it('principals are keyed by hash with model sets', () => {
    const h = newHolder();
    h.load(compileTable([...BASE, apiKey('k', 'sk-holder-test-000001', { models: 'r' })]));
    const rt = h.current as RuntimeTable;
    expect(h.keyCount).toBe(1);
    const [p] = [...rt.principals.values()];
    expect(p?.principal.id).toBe('default/k');
    expect([...(p?.models ?? [])]).toEqual(['r']);
  });

  it('refuses an older version and keeps the current table', () => {
    const h = newHolder();
    h.load(compileTable(BASE, 5));
    const before = h.current;
    expect(() => h.load(compileTable(BASE, 4))).toThrow(/version 4/);
    expect(h.current).toBe(before);
    h.load(compileTable(BASE, 5)); // same version: an idempotent reload is accepted
    expect(h.current).not.toBe(before);
  });

  it('a table that cannot be built is refused, the last good one stays, listeners are not called', () => {
    const h = newHolder();
    h.load(compileTable(BASE, 1));
    const good = h.current;
    let swaps = 0;
    h.onSwap(() => swaps++);
    const broken: RoutingTable = { ...compileTable(BASE, 2), models: { ghost: 'default/nope' } };
    expect(() => h.load(broken)).toThrow(/unknown route/);
    const unsupported = compileTable(BASE, 2);
    const bad: RoutingTable = { ...unsupported, providers: { ...unsupported.providers, 'default/a': { ...(unsupported.providers['default/a'] as RoutingTable['providers'][string]), type: 'no-such-type' } } };
    expect(() => h.load(bad)).toThrow(/not supported/);
    expect(h.current).toBe(good);
    expect(swaps).toBe(0);
    expect(logs.some((l) => l.includes('routing table rejected'))).toBe(true);
  });

  it('onSwap gets next and previous; unsubscribe stops it', () => {
    const h = newHolder();
    const seen: [number, number | null][] = [];
    const off = h.onSwap((next, prev) => seen.push([next.version, prev?.version ?? null]));
    h.load(compileTable(BASE, 1));
    h.load(compileTable(BASE, 2));
    off();
    h.load(compileTable(BASE, 3));
    expect(seen).toEqual([[1, null], [2, 1]]);
  });
});

describe('per-request capture', () => {
  let up: FakeOpenAI;
  beforeAll(async () => {
    up = await startFakeOpenAI();
  });
  afterAll(async () => {
    await up.close();
  });

  it('a request in flight keeps the table it started with; the next one sees the new table', async () => {
    const objects = [...provider('up', up.url), route('m', { model: 'm', targets: [{ provider: 'up', model: 'slow-headers-300' }] })];
    const gw = await startGateway(objects, { auth: 'open' });
    try {
      const inFlight = postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'm' });
      await new Promise((r) => setTimeout(r, 100));
      gw.holder.load(compileTable([...provider('up', up.url), route('n', { model: 'n', targets: [{ provider: 'up' }] })], 2));
      const after = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'm' });
      expect(after.status).toBe(404);
      expect((await inFlight).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

describe('fail closed and open mode', () => {
  it('E13 no table loaded → 503 not_ready on every data route, never pass-through', async () => {
    const app = createProxyServer({ holder: newHolder(), logger, metrics: createMetrics(new Registry()) });
    try {
      for (const [method, url] of [['POST', '/v1/chat/completions'], ['POST', '/v1/embeddings'], ['GET', '/v1/models']] as const) {
        const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { payload: { model: 'm', messages: [{ role: 'user', content: 'x' }] } } : {}) });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({ error: { code: 'not_ready', type: 'overloaded_error' } });
        expect(res.headers['x-request-id']).toBeTruthy();
      }
    } finally {
      await app.close();
    }
  });

  it('open mode (explicit): no key needed, no principal logged; a table without keys does not decide it', async () => {
    const up = await startFakeOpenAI();
    const gw = await startGateway([...provider('up', up.url), route('m', { model: 'm', targets: [{ provider: 'up' }] })], { auth: 'open' });
    try {
      const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'm' });
      expect(res.status).toBe(200);
      expect(gw.accessLines().at(-1)).toMatchObject({ status: 200, keyId: null, team: null });
      const models = (await (await fetch(`${gw.baseURL}/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['m']);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
