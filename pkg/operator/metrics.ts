// The operator's Prometheus metrics, on an injected registry (nothing global, nothing at import time).
import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Registry } from 'prom-client';

export type ReconcileResult = 'published' | 'unchanged' | 'follower' | 'not_synced' | 'error';
export type StatusWriteResult = 'ok' | 'not_found' | 'conflict' | 'invalid' | 'error';

export interface OperatorMetrics {
  reconcile(result: ReconcileResult): void;
  compileSeconds(seconds: number): void;
  tableVersion(version: number): void;
  ackLagSeconds(seconds: number): void;
  statusWrite(result: StatusWriteResult): void;
  leader(isLeader: boolean): void;
  informerRestart(resource: string): void;
  /** Objects served from their last accepted version because the current one is rejected (ADR 0012). */
  lastGoodObjects(count: number): void;
}

export interface OperatorMetricsOptions {
  /** Connected proxies, read at scrape time. */
  readonly connectedProxies: () => number;
  /** Also export the default Node.js process metrics. */
  readonly processMetrics?: boolean;
}

export function createOperatorMetrics(registry: Registry, opts: OperatorMetricsOptions): OperatorMetrics {
  const registers = [registry];
  if (opts.processMetrics === true) collectDefaultMetrics({ register: registry });
  const reconciles = new Counter({
    name: 'switchyard_operator_reconciles_total',
    help: 'Reconciles (gather, compile, publish if changed) by result: published, unchanged, follower, not_synced, error.',
    labelNames: ['result'] as const, registers,
  });
  const compile = new Histogram({
    name: 'switchyard_operator_compile_duration_seconds', help: 'Time to compile the routing table from the caches.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers,
  });
  const version = new Gauge({ name: 'switchyard_operator_table_version', help: 'Version of the routing table last published by this operator.', registers });
  new Gauge({
    name: 'switchyard_operator_connected_proxies', help: 'Proxies with an open snapshot stream to this operator.', registers,
    collect() {
      this.set(opts.connectedProxies());
    },
  });
  const ackLag = new Histogram({
    name: 'switchyard_operator_ack_lag_seconds',
    help: 'Time from publishing a table version to the last acknowledgement of it by the proxies connected at the time.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
  });
  const statusWrites = new Counter({
    name: 'switchyard_operator_status_writes_total', help: 'Status subresource patches by result: ok, not_found, conflict, invalid, error.',
    labelNames: ['result'] as const, registers,
  });
  const leader = new Gauge({ name: 'switchyard_operator_leader', help: '1 while this operator holds the leader Lease, else 0.', registers });
  const restarts = new Counter({
    name: 'switchyard_operator_informer_restarts_total', help: 'Informer restarts (relist after an error, an unexpected end or a silent watch).',
    labelNames: ['resource'] as const, registers,
  });
  const lastGood = new Gauge({
    name: 'switchyard_operator_last_good_objects',
    help: 'Objects whose current generation the compiler rejected and whose last accepted generation keeps serving.',
    registers,
  });
  leader.set(0);
  lastGood.set(0);
  for (const r of ['published', 'unchanged', 'follower', 'not_synced', 'error'] as const) reconciles.labels(r);
  for (const r of ['ok', 'not_found', 'conflict', 'invalid', 'error'] as const) statusWrites.labels(r);

  return {
    reconcile: (result) => reconciles.labels(result).inc(),
    compileSeconds: (s) => compile.observe(s),
    tableVersion: (v) => version.set(v),
    ackLagSeconds: (s) => ackLag.observe(s),
    statusWrite: (result) => statusWrites.labels(result).inc(),
    leader: (isLeader) => leader.set(isLeader ? 1 : 0),
    informerRestart: (resource) => restarts.labels(resource).inc(),
    lastGoodObjects: (count) => lastGood.set(count),
  };
}
