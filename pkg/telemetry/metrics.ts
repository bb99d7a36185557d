// GatewayMetrics implemented with prom-client on an injected Registry (no global registry, nothing at import time).
// Label values are clamped to bounded sets (labels.ts) and children are cached per combination for the hot path.
import { Counter, Gauge, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AuthMode, GatewayMetrics, RequestObservation, TokenObservation, UpstreamObservation } from './types.ts';
import {
  BoundedValues, ChildCache, codeValues, endpointLabel, nonNegative, outcomeLabel, statusLabel,
} from './labels.ts';
import { FastCounter, FastHistogram } from './fast-metrics.ts';
import { NanoTotals } from './nano-totals.ts';
import { createPrincipalMetrics } from './principal-metrics.ts';
import { createQuotaGauges } from './quota-metrics.ts';

export interface MetricsOptions {
  /** Also export the default Node.js process metrics (CPU, memory, event loop, GC) on the registry. */
  readonly processMetrics?: boolean;
  /** Distinct values per table-derived label (route, provider, model) before '_other'. Default 1000. */
  readonly maxLabelValues?: number;
  /** Cached label combinations per metric; for the principal metrics, the series cap. Default 10000. */
  readonly maxCombinations?: number;
  /** Distinct `team` values of the principal metrics before '_other'. Default 200. */
  readonly maxTeams?: number;
  /** Distinct `key` (principal id) values of the principal metrics before '_other'. Default 500. */
  readonly maxKeys?: number;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const TTFT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

interface Dimensions {
  readonly route: BoundedValues;
  readonly provider: BoundedValues;
  readonly model: BoundedValues;
  readonly code: BoundedValues;
}

/** Requests in progress: a plain number on the request path, read into the gauge when it is collected. */
interface InflightCount {
  n: number;
}

function instruments(registry: Registry, costTotals: NanoTotals, inflight: InflightCount) {
  const registers = [registry];
  return {
    requests: new FastCounter(registry, {
      name: 'switchyard_requests_total', help: 'Client requests by endpoint, route, serving provider, client model, HTTP status and error code.',
      labelNames: ['endpoint', 'route', 'provider', 'model', 'status', 'code'],
    }),
    requestDuration: new FastHistogram(registry, {
      name: 'switchyard_request_duration_seconds', help: 'Client request duration, from arrival to the last byte sent.',
      labelNames: ['endpoint', 'route', 'stream'], buckets: DURATION_BUCKETS,
    }),
    upstreamRequests: new FastCounter(registry, {
      name: 'switchyard_upstream_requests_total', help: 'Upstream attempts by provider, upstream model, outcome (ok or failure kind) and status.',
      labelNames: ['provider', 'model', 'outcome', 'status'],
    }),
    upstreamDuration: new FastHistogram(registry, {
      name: 'switchyard_upstream_duration_seconds', help: 'Upstream attempt duration.',
      labelNames: ['provider'], buckets: DURATION_BUCKETS,
    }),
    ttft: new FastHistogram(registry, {
      name: 'switchyard_time_to_first_token_seconds', help: 'Time from request arrival to the first streamed token sent to the client.',
      labelNames: ['route', 'provider'], buckets: TTFT_BUCKETS,
    }),
    streamFailures: new FastCounter(registry, {
      name: 'switchyard_upstream_stream_failures_total', help: 'Upstream streams that failed after the response head reached the client, by kind: truncated (closed without its end marker), interrupted (reset or idle timeout) or error (an in-band error event).',
      labelNames: ['provider', 'model', 'kind'],
    }),
    tokens: new FastCounter(registry, {
      name: 'switchyard_tokens_total', help: 'Tokens processed, by direction (input = prompt, output = completion).',
      labelNames: ['route', 'provider', 'model', 'direction'],
    }),
    cost: new Counter({
      name: 'switchyard_cost_usd_total', help: 'Estimated spend in USD from the routing table\'s prices.',
      labelNames: ['route', 'provider', 'model'] as const, registers,
      collect(this: Counter<'route' | 'provider' | 'model'>): void {
        this.reset();
        for (const e of costTotals.entries()) if (e.nano > 0) this.labels(...e.labels).inc(e.nano / 1e9);
      },
    }),
    inflight: new Gauge({
      name: 'switchyard_inflight_requests', help: 'Client requests in progress.', registers,
      collect(this: Gauge): void {
        this.set(inflight.n);
      },
    }),
    tableVersion: new Gauge({ name: 'switchyard_table_version', help: 'Version of the routing table in use.', registers }),
    tableInfo: new Gauge({
      name: 'switchyard_table_info', help: 'Always 1; the hash label identifies the routing table in use.', labelNames: ['hash'] as const, registers,
    }),
    tableRoutes: new Gauge({ name: 'switchyard_table_routes', help: 'Routes in the routing table in use.', registers }),
    authMode: new Gauge({
      name: 'switchyard_auth_mode', help: 'Always 1; the mode label is the data port\'s authentication mode (required or open).', labelNames: ['mode'] as const, registers,
    }),
    apiKeys: new Gauge({ name: 'switchyard_api_keys', help: 'API keys in the routing table in use.', registers }),
    authLockedOut: new Gauge({
      name: 'switchyard_auth_locked_out', help: '1 when authentication is required but the routing table holds no API key, so every request gets 401.', registers,
    }),
    lastGoodObjects: new Gauge({
      name: 'switchyard_config_last_good_objects', help: 'Objects served from their last accepted generation because their current generation is invalid.', registers,
    }),
    tableLoadFailures: new Counter({ name: 'switchyard_table_load_failures_total', help: 'Routing tables (or config reloads) that failed to load; the previous table stays in use.', registers }),
  };
}

export function createMetrics(registry: Registry, opts: MetricsOptions = {}): GatewayMetrics {
  const costTotals = new NanoTotals();
  const inflightCount: InflightCount = { n: 0 };
  const m = instruments(registry, costTotals, inflightCount);
  if (opts.processMetrics === true) collectDefaultMetrics({ register: registry });
  const maxValues = opts.maxLabelValues ?? 1000;
  const maxCombos = opts.maxCombinations ?? 10_000;
  const d: Dimensions = {
    route: new BoundedValues(maxValues, ['_none']),
    provider: new BoundedValues(maxValues, ['_none']),
    model: new BoundedValues(maxValues, ['_unknown']),
    code: codeValues(64),
  };

  const requests = new ChildCache(maxCombos, (v) => m.requests.series(v));
  const requestDuration = new ChildCache(maxCombos, (v) => m.requestDuration.series(v));
  const upstreamRequests = new ChildCache(maxCombos, (v) => m.upstreamRequests.series(v));
  const upstreamDuration = new ChildCache(maxCombos, (v) => m.upstreamDuration.series(v));
  const ttft = new ChildCache(maxCombos, (v) => m.ttft.series(v));
  const streamFailures = new ChildCache(maxCombos, (v) => m.streamFailures.series(v));
  const tokens = new ChildCache(maxCombos, (v) => m.tokens.series(v));
  // Spend is summed in whole nano-dollars and written to the counter when it is collected, so the exported total
  // is exact to 1e-9 USD instead of a float sum drifting to 0.30000000000000004.
  const cost = new ChildCache(maxCombos, (v) => costTotals.entry(v));
  const principal = createPrincipalMetrics(registry, {
    maxTeams: opts.maxTeams ?? 200, maxKeys: opts.maxKeys ?? 500, maxSeries: maxCombos,
  }, d.route, d.model);
  const watchQuotas = createQuotaGauges(registry, maxValues);
  const clampRPM = (r: readonly string[]): string[] => [d.route.clamp(r[0] ?? ''), d.provider.clamp(r[1] ?? ''), d.model.clamp(r[2] ?? '')];

  return {
    observeRequest(o: RequestObservation): void {
      const status = statusLabel(o.status);
      requests.get([o.endpoint, o.route, o.provider, o.model, status, o.code], (r) => [
        endpointLabel(r[0] ?? ''), d.route.clamp(r[1] ?? ''), d.provider.clamp(r[2] ?? ''), d.model.clamp(r[3] ?? ''), r[4] ?? '0', d.code.clamp(r[5] ?? ''),
      ]).inc();
      const stream = o.stream ? 'true' : 'false';
      requestDuration.get([o.endpoint, o.route, stream], (r) => [endpointLabel(r[0] ?? ''), d.route.clamp(r[1] ?? ''), r[2] ?? 'false'])
        .observe(nonNegative(o.durationMs) / 1000);
    },
    observeUpstream(o: UpstreamObservation): void {
      const status = statusLabel(o.status);
      upstreamRequests.get([o.provider, o.model, o.outcome, status], (r) => [
        d.provider.clamp(r[0] ?? ''), d.model.clamp(r[1] ?? ''), outcomeLabel(r[2] ?? ''), r[3] ?? '0',
      ]).inc();
      upstreamDuration.get([o.provider], (r) => [d.provider.clamp(r[0] ?? '')]).observe(nonNegative(o.durationMs) / 1000);
    },
    observeTimeToFirstToken(route: string, provider: string, ms: number): void {
      ttft.get([route, provider], (r) => [d.route.clamp(r[0] ?? ''), d.provider.clamp(r[1] ?? '')]).observe(nonNegative(ms) / 1000);
    },
    observeStreamFailure(provider: string, model: string, kind: 'truncated' | 'interrupted' | 'error'): void {
      streamFailures.get([provider, model, kind], (r) => [d.provider.clamp(r[0] ?? ''), d.model.clamp(r[1] ?? ''), r[2] ?? '']).inc();
    },
    observeTokens(o: TokenObservation): void {
      const input = nonNegative(o.inputTokens);
      const output = nonNegative(o.outputTokens);
      const usd = nonNegative(o.costUSD);
      if (input > 0) tokens.get([o.route, o.provider, o.model, 'input'], (r) => [...clampRPM(r), 'input']).inc(input);
      if (output > 0) tokens.get([o.route, o.provider, o.model, 'output'], (r) => [...clampRPM(r), 'output']).inc(output);
      if (usd > 0) cost.get([o.route, o.provider, o.model], clampRPM).nano += Math.round(usd * 1e9);
      principal({ team: o.team ?? '_none', key: o.key ?? '_none', route: o.route, model: o.model, input, output, usd });
    },
    inflight(delta: 1 | -1): void {
      inflightCount.n += delta;
    },
    setTableInfo(version: number, hash: string, routes: number): void {
      m.tableVersion.set(nonNegative(version));
      m.tableInfo.reset();
      m.tableInfo.labels(/^[0-9a-f]{1,64}$/.test(hash) ? hash : '_invalid').set(1);
      m.tableRoutes.set(nonNegative(routes));
    },
    tableLoadFailed(): void {
      m.tableLoadFailures.inc();
    },
    setAuthState(mode: AuthMode, keys: number, lockedOut = mode === 'required' && keys === 0): void {
      m.authMode.reset();
      m.authMode.labels(mode).set(1);
      m.apiKeys.set(nonNegative(keys));
      m.authLockedOut.set(lockedOut ? 1 : 0);
    },
    setLastGoodObjects(count: number): void {
      m.lastGoodObjects.set(nonNegative(count));
    },
    watchQuotas,
  };
}
