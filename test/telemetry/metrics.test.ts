import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';

const ok = { endpoint: 'chat', route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', status: 200, code: '', stream: false, durationMs: 42 } as const;

function setup(opts = {}) {
  const registry = new Registry();
  return { registry, metrics: createMetrics(registry, opts) };
}

async function values(registry: Registry, name: string) {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  if (!m) throw new Error(`no metric ${name}`);
  return m.values;
}

describe('createMetrics', () => {
  it('registers every metric on the injected registry (not the global one)', async () => {
    const { registry } = setup();
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual([
      'switchyard_api_keys', 'switchyard_auth_locked_out', 'switchyard_auth_mode', 'switchyard_config_last_good_objects',
      'switchyard_cost_usd_total', 'switchyard_inflight_requests', 'switchyard_principal_cost_usd_total',
      'switchyard_principal_tokens_total', 'switchyard_quota_limit', 'switchyard_quota_remaining',
      'switchyard_request_duration_seconds', 'switchyard_requests_total', 'switchyard_table_info', 'switchyard_table_load_failures_total',
      'switchyard_table_routes', 'switchyard_table_version', 'switchyard_time_to_first_token_seconds',
      'switchyard_tokens_total', 'switchyard_upstream_duration_seconds', 'switchyard_upstream_requests_total',
      'switchyard_upstream_stream_failures_total',
    ]);
    setup(); // a second instance on another registry does not collide
  });

  it('counts requests with their labels and records durations in seconds', async () => {
    const { registry, metrics } = setup();
    metrics.observeRequest(ok);
    metrics.observeRequest(ok);
    metrics.observeRequest({ ...ok, status: 429, code: 'rate_limited', stream: true, durationMs: 1500 });
    const reqs = await values(registry, 'switchyard_requests_total');
    expect(reqs).toContainEqual({ value: 2, labels: { endpoint: 'chat', route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', status: '200', code: '' } });
    expect(reqs).toContainEqual({ value: 1, labels: { endpoint: 'chat', route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', status: '429', code: 'rate_limited' } });
    const text = await registry.metrics();
    expect(text).toContain('switchyard_request_duration_seconds_sum{endpoint="chat",route="default/mini",stream="true"} 1.5');
    expect(text).toContain('switchyard_request_duration_seconds_count{endpoint="chat",route="default/mini",stream="false"} 2');
  });

  it('records upstream outcomes, TTFT, tokens by direction and cost', async () => {
    const { registry, metrics } = setup();
    metrics.observeUpstream({ provider: 'default/fake', model: 'gpt-4o-mini', outcome: 'ok', status: 200, durationMs: 30 });
    metrics.observeUpstream({ provider: 'default/fake', model: 'gpt-4o-mini', outcome: 'rate_limited', status: 429, durationMs: 5 });
    metrics.observeTimeToFirstToken('default/mini', 'default/fake', 250);
    metrics.observeTokens({ route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 20, costUSD: 0.0000135 });
    const text = await registry.metrics();
    expect(text).toContain('switchyard_upstream_requests_total{provider="default/fake",model="gpt-4o-mini",outcome="rate_limited",status="429"} 1');
    expect(text).toContain('switchyard_time_to_first_token_seconds_sum{route="default/mini",provider="default/fake"} 0.25');
    expect(text).toContain('switchyard_tokens_total{route="default/mini",provider="default/fake",model="gpt-4o-mini",direction="input"} 10');
    expect(text).toContain('switchyard_tokens_total{route="default/mini",provider="default/fake",model="gpt-4o-mini",direction="output"} 20');
    expect(text).toContain('switchyard_cost_usd_total{route="default/mini",provider="default/fake",model="gpt-4o-mini"} 0.0000135');
  });

  it('sums cost in nano-dollars: the exported total is exact to 1e-9 USD, without a float tail', async () => {
    const { registry, metrics } = setup();
    const t = { route: 'r', provider: 'p', model: 'm', inputTokens: 1, outputTokens: 1 };
    // As floats, 0.1 + 0.2 is 0.30000000000000004; and ten of 1.23e-7 sum to 0.0000012300000000000002.
    metrics.observeTokens({ ...t, costUSD: 0.1 });
    metrics.observeTokens({ ...t, costUSD: 0.2 });
    for (let i = 0; i < 10; i++) metrics.observeTokens({ ...t, model: 'small', costUSD: 1.23e-7 });
    metrics.observeTokens({ ...t, model: 'tiny', costUSD: 0.0000000001 }); // under 1e-9: rounds to nothing
    const text = await registry.metrics();
    expect(text).toContain('switchyard_cost_usd_total{route="r",provider="p",model="m"} 0.3\n');
    expect(text).toContain('switchyard_cost_usd_total{route="r",provider="p",model="small"} 0.00000123\n');
    expect(text).not.toContain('switchyard_cost_usd_total{route="r",provider="p",model="tiny"}');
    // A second scrape reports the same totals (collect rewrites them, it does not add again).
    metrics.observeTokens({ ...t, costUSD: 0.1 });
    expect(await registry.metrics()).toContain('switchyard_cost_usd_total{route="r",provider="p",model="m"} 0.4\n');
  });

  it('never throws on negative or NaN amounts (hot path) and ignores them', async () => {
    const { registry, metrics } = setup();
    expect(() => metrics.observeTokens({ route: 'r', provider: 'p', model: 'm', inputTokens: -5, outputTokens: Number.NaN, costUSD: -1 })).not.toThrow();
    expect(() => metrics.observeRequest({ ...ok, durationMs: Number.NaN })).not.toThrow();
    expect(await values(registry, 'switchyard_tokens_total')).toEqual([]);
  });

  it('tracks in-flight requests and the table in use', async () => {
    const { registry, metrics } = setup();
    metrics.inflight(1);
    metrics.inflight(1);
    metrics.inflight(-1);
    metrics.setTableInfo(1, 'a'.repeat(64), 3);
    metrics.setTableInfo(2, 'b'.repeat(64), 4);
    metrics.tableLoadFailed();
    const text = await registry.metrics();
    expect(text).toContain('switchyard_inflight_requests 1');
    expect(text).toContain('switchyard_table_version 2');
    expect(text).toContain('switchyard_table_routes 4');
    expect(text).toContain(`switchyard_table_info{hash="${'b'.repeat(64)}"} 1`);
    expect(text).not.toContain(`hash="${'a'.repeat(64)}"`);
    expect(text).toContain('switchyard_table_load_failures_total 1');
  });

  it('bounds label values: excess routes/models collapse to _other, unknown statuses/codes/outcomes are clamped', async () => {
    const { registry, metrics } = setup({ maxLabelValues: 3 });
    for (let i = 0; i < 50; i++) metrics.observeRequest({ ...ok, route: `r${i}`, model: `m${i}` });
    metrics.observeRequest({ ...ok, status: 7000, code: 'x'.repeat(300) });
    metrics.observeUpstream({ provider: 'default/fake', model: 'gpt-4o-mini', outcome: 'weird\nvalue', status: -1, durationMs: 1 });
    const reqs = await values(registry, 'switchyard_requests_total');
    const routes = new Set(reqs.map((v) => v.labels.route));
    expect(routes.size).toBeLessThanOrEqual(4);
    expect(routes.has('_other')).toBe(true);
    const other = reqs.filter((v) => v.labels.route === '_other').reduce((s, v) => s + v.value, 0);
    expect(other).toBeGreaterThanOrEqual(47);
    expect(reqs.some((v) => v.labels.status === '0' && v.labels.code === '_other')).toBe(true);
    const ups = await values(registry, 'switchyard_upstream_requests_total');
    expect(ups).toContainEqual({ value: 1, labels: { provider: 'default/fake', model: '_other', outcome: '_other', status: '0' } });
  });

  it('optionally exports process metrics on the same registry', async () => {
    const { registry } = setup({ processMetrics: true });
    expect(await registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});
