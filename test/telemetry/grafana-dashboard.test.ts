// deploy/grafana/switchyard.json queries only metrics and labels our processes export: the registries are built the
// way the processes build them (the data plane's createDataPlaneParts + identity metrics, the operator's metrics),
// every PromQL expression of the dashboard is parsed for metric names, selector labels and grouping labels, and
// the label values it filters on are checked against a real scrape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityMetrics } from '../../pkg/identity/metrics.ts';
import { createOperatorMetrics } from '../../pkg/operator/metrics.ts';
import { createDataPlaneParts } from '../../pkg/serve/dataplane.ts';
import type { DataPlaneParts } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DASHBOARD_PATH = 'deploy/grafana/switchyard.json';

/** Labels Prometheus adds when scraping (ServiceMonitor targets), and the histogram bucket label. */
const TARGET_LABELS = new Set(['namespace', 'pod', 'job', 'instance', 'service', 'container', 'endpoint']);

interface Panel { id: number; type: string; title: string; gridPos?: { h: number; w: number; x: number; y: number }; datasource?: { uid: string }; targets?: { expr: string; legendFormat?: string; refId: string }[] }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string; definition?: string }[] } }

interface Known { readonly labels: ReadonlySet<string>; readonly histogram: boolean }

const dashboard = JSON.parse(readFileSync(join(ROOT, DASHBOARD_PATH), 'utf8')) as Dashboard;
const known = new Map<string, Known>();
let parts: DataPlaneParts;
let operatorRegistry: Registry;

function register(registry: Registry): void {
  for (const m of registry.getMetricsAsArray()) {
    const metric = m as unknown as { name: string; labelNames?: readonly string[] };
    known.set(metric.name, { labels: new Set(metric.labelNames ?? []), histogram: m instanceof Histogram || (m as { type?: unknown }).type === 'histogram' });
  }
}

beforeAll(() => {
  const logger = createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
  parts = createDataPlaneParts(logger, 'required');
  createIdentityMetrics(parts.registry); // as the data plane does when OIDC issuers are configured
  operatorRegistry = new Registry();
  createOperatorMetrics(operatorRegistry, { connectedProxies: () => 0 });
  register(parts.registry);
  register(operatorRegistry);
});
afterAll(async () => { await parts.pools.close(); });

/** The metric a series name belongs to: itself, or a histogram's _bucket/_sum/_count. */
function metricOf(series: string): { name: string; info: Known; bucket: boolean } | null {
  const direct = known.get(series);
  if (direct !== undefined) return { name: series, info: direct, bucket: false };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  const base = m?.[1] === undefined ? undefined : known.get(m[1]);
  if (m === null || base === undefined || !base.histogram) return null;
  return { name: m[1] ?? '', info: base, bucket: m[2] === 'bucket' };
}

interface ExprCheck { readonly series: string[]; readonly problems: string[] }

/** Metric names, selector labels, grouping labels (by/on/without) and legend labels of one expression. */
function checkExpr(expr: string, legend = ''): ExprCheck {
  const problems: string[] = [];
  const series: string[] = [];
  const allowed = new Set(TARGET_LABELS);
  for (const m of expr.matchAll(/\b(switchyard_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)) {
    const name = m[1] ?? '';
    series.push(name);
    const found = metricOf(name);
    if (found === null) {
      problems.push(`unknown metric ${name}`);
      continue;
    }
    const own = new Set([...found.info.labels, ...TARGET_LABELS, ...(found.bucket ? ['le'] : [])]);
    for (const l of own) allowed.add(l);
    for (const s of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) {
      if (!own.has(s[1] ?? '')) problems.push(`${name} has no label ${s[1] ?? ''}`);
    }
  }
  for (const g of expr.matchAll(/\b(?:by|on|without|group_left|group_right)\s*\(([^)]*)\)/g)) {
    for (const l of (g[1] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      if (!allowed.has(l)) problems.push(`grouping label ${l} is on none of ${series.join(', ')}`);
    }
  }
  for (const l of legend.matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)) {
    if (!allowed.has(l[1] ?? '')) problems.push(`legend label ${l[1] ?? ''} is on none of ${series.join(', ')}`);
  }
  return { series, problems };
}

function targets(): { panel: string; expr: string; legend: string }[] {
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, legend: t.legendFormat ?? '' })));
}

describe(DASHBOARD_PATH, () => {
  it('the registries the processes build are the ones compared against (they export our metrics)', () => {
    expect(known.get('switchyard_requests_total')?.labels).toEqual(new Set(['endpoint', 'route', 'provider', 'model', 'status', 'code']));
    expect(known.get('switchyard_operator_ack_lag_seconds')?.histogram).toBe(true);
    expect(known.get('switchyard_jwt_verifications_total')).toBeDefined();
    expect(known.has('process_cpu_seconds_total')).toBe(true); // the data plane's process metrics are on
  });

  it('every metric and label the dashboard queries exists in our registries', () => {
    const all = targets();
    expect(all.length).toBeGreaterThan(30);
    const problems = all.flatMap((t) => checkExpr(t.expr, t.legend).problems.map((p) => `${t.panel}: ${p}`));
    expect(problems).toEqual([]);
    for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
      const m = /^label_values\((switchyard_[a-z_]+)(\{[^}]*\})?,\s*([a-z_]+)\)$/.exec(v.definition ?? '');
      expect(m, v.name).not.toBeNull();
      expect(metricOf(m?.[1] ?? ''), v.name).not.toBeNull();
      expect(new Set([...known.get(m?.[1] ?? '')?.labels ?? [], ...TARGET_LABELS]).has(m?.[3] ?? ''), v.name).toBe(true);
    }
  });

  it('the check catches what it claims to (a misspelt metric, a wrong label, a non-histogram _bucket)', () => {
    expect(checkExpr('sum(rate(switchyard_request_total[5m]))').problems).toEqual(['unknown metric switchyard_request_total']);
    expect(checkExpr('sum by (team) (rate(switchyard_requests_total{tenant="x"}[5m]))').problems)
      .toEqual(['switchyard_requests_total has no label tenant', 'grouping label team is on none of switchyard_requests_total']);
    expect(checkExpr('switchyard_tokens_total_bucket').problems).toEqual(['unknown metric switchyard_tokens_total_bucket']);
    expect(checkExpr('x', '{{provider}}').problems).toEqual(['legend label provider is on none of ']);
    expect(checkExpr('histogram_quantile(0.9, sum by (le) (rate(switchyard_upstream_duration_seconds_bucket[5m])))').problems).toEqual([]);
  });

  it('covers the golden signals, cost, quotas and the operator', () => {
    const used = new Set(targets().flatMap((t) => checkExpr(t.expr).series.map((s) => metricOf(s)?.name ?? s)));
    for (const m of [
      'switchyard_requests_total', 'switchyard_request_duration_seconds', 'switchyard_upstream_requests_total', 'switchyard_upstream_duration_seconds',
      'switchyard_time_to_first_token_seconds', 'switchyard_tokens_total', 'switchyard_cost_usd_total', 'switchyard_principal_cost_usd_total',
      'switchyard_quota_remaining', 'switchyard_quota_limit', 'switchyard_inflight_requests', 'switchyard_table_version',
      'switchyard_table_load_failures_total', 'switchyard_operator_leader', 'switchyard_operator_reconciles_total', 'switchyard_operator_ack_lag_seconds',
    ]) expect(used, m).toContain(m);
  });

  it('the label values it filters on are the ones a scrape carries', async () => {
    const m = parts.metrics;
    m.observeRequest({ endpoint: 'chat', route: 'ai/chat', provider: 'ai/openai', model: 'gpt-4.1', status: 200, code: '', stream: false, durationMs: 12 });
    m.observeRequest({ endpoint: 'chat', route: 'ai/chat', provider: '', model: 'gpt-4.1', status: 503, code: 'no_healthy_upstream', stream: true, durationMs: 3 });
    m.observeUpstream({ provider: 'ai/openai', model: 'gpt-4.1', outcome: 'ok', status: 200, durationMs: 10 });
    const text = await parts.registry.metrics();
    expect(text).toContain('stream="false"');
    expect(text).toMatch(/switchyard_requests_total\{[^}]*status="503",code="no_healthy_upstream"\} 1/);
    expect(text).toMatch(/switchyard_requests_total\{[^}]*status="200",code=""\} 1/);
    expect(text).toMatch(/switchyard_upstream_requests_total\{[^}]*outcome="ok"/);
    const exprs = targets().map((t) => t.expr).join('\n');
    expect(exprs).toContain('stream="false"');
    expect(exprs).toContain('outcome!="ok"');
    expect(exprs).toContain('code!=""');
  });

  it('is a well-formed Grafana dashboard: unique panel ids, every target on the datasource variable, variables defined', () => {
    expect(dashboard.uid).toBe('switchyard-overview');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const vars = new Set(dashboard.templating.list.map((v) => v.name));
    expect(vars).toEqual(new Set(['datasource', 'namespace', 'route']));
    for (const p of dashboard.panels) {
      expect(p.gridPos, p.title).toBeDefined();
      expect((p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0), p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      const refs = (p.targets ?? []).map((t) => t.refId);
      expect(new Set(refs).size, p.title).toBe(refs.length);
      for (const t of p.targets ?? []) {
        for (const v of t.expr.matchAll(/\$([a-z_]+)/g)) expect(vars.has(v[1] ?? '') || (v[1] ?? '').startsWith('__'), `${p.title}: $${v[1] ?? ''}`).toBe(true);
      }
    }
  });
});
