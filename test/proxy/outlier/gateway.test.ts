// Outlier ejection and pool spillover through the real gateway (compiled manifests, real adapters and pools, fake
// upstreams and a fake vLLM /metrics endpoint on loopback), with the TargetHealthMonitor the data plane wires:
//  - a target failing every time is ejected locally after consecutiveFailures and then gets at most one probe per
//    ejection period (the "18 of the last 20 requests still tried a failing target" becomes 0 of 20);
//  - the probe's failure doubles the ejection, its success restores the target;
//  - a saturated self-hosted pool (queue depth from its metrics, or maxConcurrent) spills to the SaaS target and
//    takes traffic back once it recovers; spills and ejections show in the metrics, global ejections too.
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../../pkg/providers/registry.ts';
import { TargetHealthMonitor } from '../../../pkg/proxy/outlier/monitor.ts';
import { createProxyServer } from '../../../pkg/proxy/server.ts';
import type { RuntimeTarget } from '../../../pkg/proxy/runtime-table.ts';
import { TableHolder } from '../../../pkg/proxy/table-holder.ts';
import { createHealthMetrics } from '../../../pkg/telemetry/health-metrics.ts';
import { createLogger } from '../../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../../pkg/telemetry/metrics.ts';
import { startFakeOpenAI } from '../../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../../support/fake-openai-server.ts';
import { startFakeMetricsServer } from '../../support/fake-model-server-metrics.ts';
import type { FakeMetricsServer } from '../../support/fake-model-server-metrics.ts';
import { CHAT, NS, eventually, postJson, route } from '../harness.ts';

const API = 'switchyard.dev/v1alpha1';

function provider(name: string, baseURL: string, extra: Record<string, unknown> = {}): unknown {
  return { apiVersion: API, kind: 'Provider', metadata: { name, namespace: NS }, spec: { type: 'openai-compatible', baseURL, ...extra } };
}

interface World {
  readonly url: string;
  readonly holder: TableHolder;
  readonly registry: Registry;
  readonly monitor: TargetHealthMonitor;
  readonly logs: string[];
  close(): Promise<void>;
}

async function startWorld(objects: readonly unknown[], o: { now?: () => number; ejectedTargets?: ReadonlySet<string> } = {}): Promise<World> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } });
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const pools = createUpstreamPools({ keepAliveTimeoutMs: 1000 });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: 'open', metrics });
  const monitor = new TargetHealthMonitor({ metrics: createHealthMetrics(registry), logger, ...(o.now ? { now: o.now } : {}) });
  holder.onSwap((next) => monitor.useTable(next));
  const { table, statuses } = compile(objects, { version: 1, ...(o.ejectedTargets ? { ejectedTargets: o.ejectedTargets } : {}) });
  const bad = statuses.filter((s) => s.conditions.some((c) => c.type === 'Accepted' && c.status !== 'True'));
  if (bad.length > 0) throw new Error(`not accepted: ${JSON.stringify(bad)}`);
  holder.load(table);
  const app = createProxyServer({ holder, logger, metrics, health: monitor, random: () => 0, ...(o.now ? { now: o.now } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`;
  return {
    url, holder, registry, monitor, logs,
    async close() {
      monitor.close();
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await pools.destroy();
    },
  };
}

/** The runtime target of `providerId` in the route serving `model`, in the table in use. */
function target(w: World, model: string, providerId: string): RuntimeTarget {
  const r = w.holder.current?.routes.get(model);
  const t = [...(r?.levels ?? []).flatMap((l) => l.targets), ...(r?.fallback ?? [])].find((x) => x.providerId === providerId);
  if (t === undefined) throw new Error(`no target of ${providerId} in ${model}`);
  return t;
}

async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return v?.value;
}

describe('local outlier ejection through the gateway', () => {
  let bad: FakeOpenAI;
  let good: FakeOpenAI;
  let w: World;
  let clock = 1_700_000_000_000;

  beforeAll(async () => {
    bad = await startFakeOpenAI();
    good = await startFakeOpenAI();
    w = await startWorld([
      // The bad server answers 503 to model "m" (a fault chosen per request below); "good" always answers.
      provider('bad', bad.url, { outlierDetection: { consecutiveFailures: 5, baseEjection: '30s', maxEjection: '5m' } }),
      provider('good', good.url),
      // Equal weights and random() = 0: without ejection, every request tries the bad target first.
      route('r', { model: 'r', retry: { attempts: 1 }, targets: [{ provider: 'bad', model: 'm' }, { provider: 'good', model: 'm' }] }),
    ], { now: () => clock });
    bad.setBehavior(() => ({ status: 503 }));
  });

  afterAll(async () => {
    await w?.close();
    await bad?.close();
    await good?.close();
  });

  const chat = (): Promise<Response> => postJson(`${w.url}/chat/completions`, { ...CHAT, model: 'r' });

  it('a target failing every time is ejected after 5 failures; of the last 20 requests none tries it', async () => {
    const attempts: string[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await chat();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-provider')).toBe('good');
      attempts.push(res.headers.get('x-switchyard-attempts') ?? '');
      clock += 100;
    }
    expect(bad.requests).toHaveLength(5);
    expect(attempts.slice(0, 5)).toEqual(['2', '2', '2', '2', '2']);
    expect(attempts.slice(-20).filter((a) => a !== '1')).toHaveLength(0);
    expect(await metricValue(w.registry, 'switchyard_target_ejected', { provider: 'default/bad', model: 'm', source: 'local' })).toBe(1);
    expect(await metricValue(w.registry, 'switchyard_target_ejected', { provider: 'default/good', model: 'm', source: 'local' })).toBe(0);
    expect(await metricValue(w.registry, 'switchyard_target_ejections_total', { provider: 'default/bad', model: 'm' })).toBe(1);
    expect(w.logs.some((l) => l.includes('target ejected on this proxy'))).toBe(true);
  });

  it('at most one probe per ejection period; a failed probe doubles the ejection', async () => {
    const seen = bad.requests.length;
    clock += 30_000; // the 30 s ejection has passed: half-open
    for (let i = 0; i < 10; i++) {
      expect((await chat()).status).toBe(200);
      clock += 100;
    }
    expect(bad.requests.length - seen).toBe(1); // one probe, failed
    const view = w.monitor.explainTarget(target(w, 'r', 'default/bad'));
    expect(view.local.phase).toBe('ejected');
    expect(view.local.ejections).toBe(2);
    expect((view.local.until ?? 0) - clock).toBeGreaterThan(59_000 - 1000);
    clock += 30_000; // half of the doubled ejection: still ejected
    for (let i = 0; i < 5; i++) expect((await chat()).status).toBe(200);
    expect(bad.requests.length - seen).toBe(1);
    expect(await metricValue(w.registry, 'switchyard_target_ejections_total', { provider: 'default/bad', model: 'm' })).toBe(2);
  });

  it('a successful probe restores the target: it serves again', async () => {
    bad.setBehavior(undefined);
    clock += 31_000;
    const res = await chat();
    expect(res.headers.get('x-switchyard-provider')).toBe('bad');
    expect(w.monitor.explainTarget(target(w, 'r', 'default/bad')).local.phase).toBe('healthy');
    expect(w.monitor.anyEjected()).toBe(false);
    expect(await metricValue(w.registry, 'switchyard_target_ejected', { provider: 'default/bad', model: 'm', source: 'local' })).toBe(0);
    const again = await chat();
    expect(again.headers.get('x-switchyard-provider')).toBe('bad');
  });
});

describe('route cap and global ejection', () => {
  it('a route whose only other target is ejected keeps its last one (never all ejected); global ejections show in the gauge', async () => {
    const up = await startFakeOpenAI();
    const clock = 1_700_000_000_000;
    const w = await startWorld([
      provider('a', up.url), provider('b', up.url), provider('dead', up.url),
      route('pair', { model: 'pair', retry: { attempts: 1 }, targets: [{ provider: 'a', model: 'x' }, { provider: 'b', model: 'x' }] }),
      route('other', { model: 'other', targets: [{ provider: 'dead', model: 'gone' }, { provider: 'a', model: 'y' }] }),
    ], { now: () => clock, ejectedTargets: new Set(['default/dead|gone']) });
    try {
      up.setBehavior(() => ({ status: 500 }));
      for (let i = 0; i < 12; i++) await postJson(`${w.url}/chat/completions`, { ...CHAT, model: 'pair' });
      const ejected = w.monitor.figures().filter((f) => f.source === 'local' && f.ejected === 1).map((f) => f.provider);
      expect(ejected).toHaveLength(1); // 50% of two: one; the other keeps serving (and failing)
      expect(w.logs.some((l) => l.includes('maxEjectedPercent'))).toBe(true);
      expect(w.monitor.globalEjections()).toEqual([{ provider: 'default/dead', model: 'gone' }]);
      expect(await metricValue(w.registry, 'switchyard_target_ejected', { provider: 'default/dead', model: 'gone', source: 'global' })).toBe(1);
    } finally {
      await w.close();
      await up.close();
    }
  });
});

describe('self-hosted pool spillover through the gateway', () => {
  let pool: FakeOpenAI;
  let saas: FakeOpenAI;
  let metricsSrv: FakeMetricsServer;
  let w: World;

  beforeAll(async () => {
    pool = await startFakeOpenAI();
    saas = await startFakeOpenAI();
    metricsSrv = await startFakeMetricsServer({ waiting: 0, kvCache: 0.2 });
    w = await startWorld([
      provider('vllm-pool', pool.url, { saturation: { maxQueueDepth: 8, maxKVCacheUsage: 0.9 }, metrics: { url: metricsSrv.url, interval: '100ms' } }),
      provider('saas', saas.url),
      route('llama', {
        model: 'llama', strategy: 'priority',
        targets: [{ provider: 'vllm-pool', model: 'llama', priority: 0, spillover: true }, { provider: 'saas', model: 'gpt', priority: 1 }],
      }),
    ]);
    await w.monitor.scrapersReady();
  });

  afterAll(async () => {
    await w?.close();
    await pool?.close();
    await saas?.close();
    await metricsSrv?.close();
  });

  const chat = (): Promise<Response> => postJson(`${w.url}/chat/completions`, { ...CHAT, model: 'llama' });

  it('serves from the pool while it has room', async () => {
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-provider')).toBe('vllm-pool');
    expect(saas.requests).toHaveLength(0);
  });

  it('spills to the SaaS target while the queue is over maxQueueDepth, counted; takes traffic back when it drains', async () => {
    metricsSrv.waiting = 20;
    await eventually(() => (w.monitor.explainTarget(poolTarget(w)).saturation.pool?.queueDepth ?? 0) === 20);
    const before = pool.requests.length;
    for (let i = 0; i < 5; i++) {
      const res = await chat();
      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-provider')).toBe('saas');
    }
    expect(pool.requests.length).toBe(before);
    expect(saas.requests).toHaveLength(5);
    expect(await metricValue(w.registry, 'switchyard_spillover_total', { route: 'default/llama', from_provider: 'default/vllm-pool', to_provider: 'default/saas' })).toBe(5);
    const why = w.monitor.explainTarget(poolTarget(w)).saturation.why;
    expect(why.join()).toContain('20 requests queued');
    const access = w.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(access.at(-1)?.spilled).toBe(true);

    metricsSrv.waiting = 0;
    await eventually(() => !w.monitor.saturated(poolTarget(w)));
    const res = await chat();
    expect(res.headers.get('x-switchyard-provider')).toBe('vllm-pool');
  });

  it('KV cache over maxKVCacheUsage spills too; a stale sample (scraping failing) is ignored', async () => {
    metricsSrv.kvCache = 0.95;
    await eventually(() => w.monitor.saturated(poolTarget(w)));
    expect((await chat()).headers.get('x-switchyard-provider')).toBe('saas');
    metricsSrv.status = 503; // the last sample says full, but it goes stale after 3 × 100 ms
    await eventually(() => !w.monitor.saturated(poolTarget(w)), 3000);
    expect((await chat()).headers.get('x-switchyard-provider')).toBe('vllm-pool');
    metricsSrv.status = 200;
    metricsSrv.kvCache = 0.2;
  });
});

function poolTarget(w: World): RuntimeTarget {
  return target(w, 'llama', 'default/vllm-pool');
}

describe('spillover on limits.maxConcurrent', () => {
  it('a second concurrent request spills while the pool holds maxConcurrent in flight; the pool serves again once it is free', async () => {
    const pool = await startFakeOpenAI();
    const saas = await startFakeOpenAI();
    const w = await startWorld([
      provider('vllm-pool', pool.url, { limits: { maxConcurrent: 1 } }),
      provider('saas', saas.url),
      route('c', {
        model: 'c', strategy: 'priority',
        targets: [{ provider: 'vllm-pool', model: 'llama', priority: 0, spillover: true }, { provider: 'saas', model: 'gpt', priority: 1 }],
      }),
    ]);
    try {
      const chat = (): Promise<Response> => postJson(`${w.url}/chat/completions`, { ...CHAT, model: 'c' });
      expect((await chat()).headers.get('x-switchyard-provider')).toBe('vllm-pool'); // binds the in-flight source
      pool.setBehavior(() => ({ headersDelayMs: 400 }));
      const slow = chat();
      await eventually(() => pool.requests.length === 2);
      expect(w.monitor.explainTarget(target(w, 'c', 'default/vllm-pool')).saturation.why.join()).toContain('limits.maxConcurrent 1');
      const second = await chat();
      expect(second.headers.get('x-switchyard-provider')).toBe('saas');
      expect((await slow).headers.get('x-switchyard-provider')).toBe('vllm-pool');
      pool.setBehavior(undefined);
      expect((await chat()).headers.get('x-switchyard-provider')).toBe('vllm-pool');
      expect(await metricValue(w.registry, 'switchyard_spillover_total', { route: 'default/c', from_provider: 'default/vllm-pool', to_provider: 'default/saas' })).toBe(1);
    } finally {
      await w.close();
      await pool.close();
      await saas.close();
    }
  });
});
