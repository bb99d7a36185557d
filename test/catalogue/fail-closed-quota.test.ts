// E13 (fail closed: no table loaded, no keys in the table, a wrong key) and E16 (a spent quota cannot be bypassed
// through retries or failover), on every client API the core serves, through the gateway on loopback.
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { createProxyServer } from '../../pkg/proxy/server.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { NS, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';
import { faultModel, startFaultUpstream } from '../support/fault-upstream.ts';
import type { FaultUpstream } from '../support/fault-upstream.ts';
import { ALL_LANES, ask, codeOf, errorOf, modelOf, requestOf } from './support/lanes.ts';
import { KEY, p, useCatalogueWorld } from './support/world.ts';

const quota = (name: string, model: string): unknown => ({
  apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name, namespace: NS },
  spec: { subject: { kind: 'key', name: 'catalogue-key' }, models: [model], limits: [{ window: '1h', requests: 1 }] },
});

const w = useCatalogueWorld(() => ({
  cases: {
    'e16': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: p(l, 'main'), model: faultModel({ status: 503 }) }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
  },
  extra: ALL_LANES.map((l) => quota(`e16-${l.id}`, modelOf('e16', l))),
}));

describe.each(ALL_LANES)('E16 quota cannot be bypassed through failover or retries: $name', (l) => {
  it('the budget is spent by a request that failed over; the next one is refused 429 before any upstream attempt', async () => {
    const stream = l.api !== 'embeddings';
    const first = await ask(w.gw, l.api, modelOf('e16', l), { stream });
    expect(first.status).toBe(200);
    expect(w.backup.requests).toHaveLength(1);
    const upBefore = w.up.requests.length;
    const second = await ask(w.gw, l.api, modelOf('e16', l), { stream });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(errorOf(l.api, second).type).toBe('rate_limit_error');
    expect(await codeOf(w.gw, second)).toBe('quota_exceeded');
    expect(w.up.requests.length).toBe(upBefore);
    expect(w.backup.requests).toHaveLength(1);
  });
});

describe('E13 fail closed', () => {
  let up: FaultUpstream;
  let noTable: { origin: string; close: () => Promise<void> };
  let noKeys: Gateway;
  const objects = (url: string): unknown[] => [
    secret('up-cred', { apiKey: 'sk-up-e13-000000000000' }),
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'up', namespace: NS }, spec: { type: 'openai-compatible', baseURL: url, auth: { secretRef: { name: 'up-cred', key: 'apiKey' } } } },
    route('m', { model: 'm', targets: [{ provider: 'up', model: 'ok' }] }),
  ];

  beforeAll(async () => {
    up = await startFaultUpstream();
    const logger = createLogger({ level: 'silent', destination: { write: () => undefined } });
    const metrics = createMetrics(new Registry());
    const pools = createUpstreamPools();
    const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: 'required', metrics });
    const app = createProxyServer({ holder, logger, metrics });
    await app.listen({ host: '127.0.0.1', port: 0 });
    noTable = {
      origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: async () => {
        await app.close();
        await pools.destroy();
      },
    };
    // Auth required and a table without any API key: every request is refused, never served open.
    noKeys = await startGateway(objects(up.url));
  });

  afterAll(async () => {
    await noTable.close();
    await noKeys.close();
    await up.close();
  });

  const send = async (origin: string, l: (typeof ALL_LANES)[number], key?: string): Promise<Response> => {
    const r = requestOf(l.api, 'm', { ...(key !== undefined ? { key } : {}), stream: l.api !== 'embeddings' });
    return fetch(`${origin}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body) });
  };

  it.each(ALL_LANES)('no routing table loaded → 503 not_ready (overloaded_error), never pass-through: $name', async (l) => {
    const res = await send(noTable.origin, l, KEY);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const text = await res.text();
    expect(text).toContain('overloaded_error');
    if (l.api !== 'messages') expect(text).toContain('not_ready');
  });

  it.each(ALL_LANES)('auth required and no key in the table → 401 for a key and for none; the upstream is never called: $name', async (l) => {
    for (const key of [KEY, undefined]) {
      const res = await send(noKeys.origin, l, key);
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    expect(up.requests).toHaveLength(0);
  });

  it.each(ALL_LANES)('a wrong key on a gateway with keys → 401, upstream never called: $name', async (l) => {
    const before = w.up.requests.length + w.backup.requests.length;
    const a = await ask(w.gw, l.api, modelOf('e16', l), { key: 'sk-swy-wrong-0000000000000000' });
    expect(a.status).toBe(401);
    expect(w.up.requests.length + w.backup.requests.length).toBe(before);
  });
});
