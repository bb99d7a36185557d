// The model-server metrics scraper (pkg/proxy/pool-metrics) against a real HTTP server serving vLLM's /metrics text:
// figures parsed, refreshed in the background, stale after three intervals when the server stops answering,
// scrapers started, kept, restarted and stopped as the table changes; the parser on SGLang, TGI and Triton text.
import { afterEach, describe, expect, it } from 'vitest';
import { parsePoolMetrics } from '../../../pkg/proxy/pool-metrics/parse.ts';
import { PoolScrapers, STALE_INTERVALS } from '../../../pkg/proxy/pool-metrics/scraper.ts';
import type { TableProvider } from '../../../pkg/table/types.ts';
import { startFakeMetricsServer, vllmMetricsText } from '../../support/fake-model-server-metrics.ts';
import type { FakeMetricsServer } from '../../support/fake-model-server-metrics.ts';
import { eventually } from '../harness.ts';

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

function provider(id: string, url: string, intervalMs: number): TableProvider {
  return {
    id, namespace: 'default', name: id.split('/')[1] ?? id, type: 'openai-compatible', baseURL: 'http://127.0.0.1:1/v1', headers: {}, credential: null,
    streamUsage: true, nativeApis: [], translatedApis: [], models: {}, modelsListed: false, limits: {},
    timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 0 }, metrics: { url, intervalMs },
  };
}

async function server(init?: Parameters<typeof startFakeMetricsServer>[0]): Promise<FakeMetricsServer> {
  const s = await startFakeMetricsServer(init);
  open.push(s);
  return s;
}

describe('parsePoolMetrics', () => {
  it('vLLM: queue and running summed over series, KV cache as a fraction (new and pre-0.10 names)', () => {
    expect(parsePoolMetrics(vllmMetricsText(7, 3, 0.42))).toEqual({ queueDepth: 7, running: 3, kvCacheUsage: 0.42 });
    expect(parsePoolMetrics(vllmMetricsText(0, 1, 0.9, true))).toEqual({ queueDepth: 0, running: 1, kvCacheUsage: 0.9 });
    const twoEngines = `${vllmMetricsText(2, 1, 0.3)}vllm:num_requests_waiting{engine="1",model_name="m"} 5\nvllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.8\n`;
    expect(parsePoolMetrics(twoEngines)).toEqual({ queueDepth: 7, running: 1, kvCacheUsage: 0.8 });
  });

  it('SGLang, TGI and Triton TensorRT-LLM names; unrelated, malformed and NaN lines are skipped', () => {
    expect(parsePoolMetrics('sglang:num_queue_reqs{model_name="q"} 4\nsglang:num_running_reqs{model_name="q"} 2\nsglang:token_usage{model_name="q"} 0.55\n'))
      .toEqual({ queueDepth: 4, running: 2, kvCacheUsage: 0.55 });
    expect(parsePoolMetrics('# TYPE tgi_queue_size gauge\ntgi_queue_size 9\ntgi_batch_current_size 16\n')).toEqual({ queueDepth: 9, running: 16, kvCacheUsage: null });
    const triton = [
      'nv_trt_llm_request_metrics{model="ensemble",request_type="waiting",version="1"} 6',
      'nv_trt_llm_request_metrics{model="ensemble",request_type="scheduled",version="1"} 8',
      'nv_trt_llm_request_metrics{model="ensemble",request_type="active",version="1"} 14',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="ensemble",version="1"} 0.25',
      'nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="ensemble",version="1"} 4096',
    ].join('\n');
    expect(parsePoolMetrics(triton)).toEqual({ queueDepth: 6, running: 8, kvCacheUsage: 0.25 });
    expect(parsePoolMetrics('vllm:num_requests_waiting NaN\nvllm:num_requests_waiting{broken 3\nother_metric 5\n')).toEqual({ queueDepth: null, running: null, kvCacheUsage: null });
  });
});

describe('PoolScrapers against a real /metrics server', () => {
  it('scrapes in the background, without credentials; figures follow the server', async () => {
    const srv = await server({ waiting: 12, running: 4, kvCache: 0.7 });
    const scrapers = new PoolScrapers();
    open.push({ close: () => scrapers.stopAll() });
    scrapers.sync([provider('default/pool', srv.url, 50)]);
    await scrapers.ready();
    expect(scrapers.sample('default/pool', Date.now())).toMatchObject({ queueDepth: 12, running: 4, kvCacheUsage: 0.7 });
    expect(srv.lastHeaders.authorization).toBeUndefined();
    srv.waiting = 0;
    srv.kvCache = 0.1;
    await eventually(() => scrapers.sample('default/pool', Date.now())?.queueDepth === 0);
    expect(scrapers.sample('default/pool', Date.now())?.kvCacheUsage).toBe(0.1);
    expect(srv.scrapes).toBeGreaterThanOrEqual(2);
  });

  it('a sample older than three intervals is ignored once the server stops answering', async () => {
    const srv = await server({ waiting: 3 });
    const clock = 1_000_000;
    const scrapers = new PoolScrapers({ clock: () => clock, logger: { debug() {}, info() {}, warn() {} } });
    open.push({ close: () => scrapers.stopAll() });
    scrapers.sync([provider('default/pool', srv.url, 60_000)]); // one scrape now, the next far away
    await scrapers.ready();
    expect(scrapers.sample('default/pool', clock)?.queueDepth).toBe(3);
    expect(scrapers.sample('default/pool', clock + STALE_INTERVALS * 60_000)?.queueDepth).toBe(3);
    expect(scrapers.sample('default/pool', clock + STALE_INTERVALS * 60_000 + 1)).toBeNull();
    expect(scrapers.last('default/pool')?.queueDepth).toBe(3);
  });

  it('failed scrapes keep the old sample until it is stale; one WARN when scraping starts failing', async () => {
    const srv = await server({ waiting: 5 });
    const warns: string[] = [];
    const scrapers = new PoolScrapers({ logger: { debug() {}, info() {}, warn: (_o: unknown, msg?: string) => void warns.push(String(msg)) } as never });
    open.push({ close: () => scrapers.stopAll() });
    scrapers.sync([provider('default/pool', srv.url, 40)]);
    await scrapers.ready();
    const first = scrapers.last('default/pool');
    srv.status = 503;
    const before = srv.scrapes;
    await eventually(() => srv.scrapes >= before + 3);
    expect(scrapers.last('default/pool')).toBe(first);
    await eventually(() => scrapers.sample('default/pool', Date.now()) === null);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toContain('default/pool');
  });

  it('follows the table: kept when unchanged, restarted when the URL changes, stopped when the provider goes', async () => {
    const a = await server({ waiting: 1 });
    const b = await server({ waiting: 2 });
    const scrapers = new PoolScrapers();
    open.push({ close: () => scrapers.stopAll() });
    scrapers.sync([provider('default/p', a.url, 30)]);
    await scrapers.ready();
    scrapers.sync([provider('default/p', a.url, 30)]);
    expect(scrapers.size).toBe(1);
    scrapers.sync([provider('default/p', b.url, 30)]);
    await scrapers.ready();
    expect(scrapers.sample('default/p', Date.now())?.queueDepth).toBe(2);
    scrapers.sync([]);
    expect(scrapers.size).toBe(0);
    const seen = b.scrapes;
    await new Promise((r) => setTimeout(r, 120));
    expect(b.scrapes).toBe(seen);
    expect(scrapers.sample('default/p', Date.now())).toBeNull();
  });
});
