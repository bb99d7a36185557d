// The operator, wired: informers → (events that can change the table) → reconciler → compile → publish on the sync
// server (leader only, fenced versions) → status controller → status writer; the Lease elector switches leadership
// on and off everywhere at once; sync reports feed the health aggregator (ejections, Provider Healthy).
// The caller (cmd/operator.ts) builds the logger, the kube transport, the sync auth and the health aggregator.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { compile } from '../compiler/index.ts';
import type { SyncAuth } from '../sync/auth.ts';
import { createSyncServer } from '../sync/server.ts';
import type { SyncServer } from '../sync/server.ts';
import { createOperatorAdmin } from './admin.ts';
import type { OperatorState } from './admin.ts';
import type { BackoffPolicy } from './backoff.ts';
import { affectsTable, isStatusOnlyUpdate } from './events.ts';
import type { HealthAggregator } from './health.ts';
import { QuotaSpec } from '../api/quota.ts';
import { createQuotaUsageAggregator, respondWithAllowances } from './quota-usage.ts';
import type { QuotaStatusFields, QuotaUsageAggregator } from './quota-usage.ts';
import { referencedSecrets } from './gather.ts';
import { createInformerSet } from './informers.ts';
import type { InformerSet } from './informers.ts';
import type { KubeTransport } from './kube/transport.ts';
import { createLeaderElector } from './leader.ts';
import type { LeaderElector, LeaderElectorOptions } from './leader.ts';
import { termAbove } from './lease.ts';
import { createOperatorMetrics } from './metrics.ts';
import type { OperatorMetrics } from './metrics.ts';
import { createReconciler } from './reconciler.ts';
import type { CompileFn, Reconciler } from './reconciler.ts';
import { createStatusController } from './status-controller.ts';
import type { StatusController } from './status-controller.ts';
import { createStatusWriter } from './status-writer.ts';
import type { ProviderHealth } from './status.ts';

/** What the operator needs of the health aggregator. */
export type HealthSource = Pick<HealthAggregator, 'ingest' | 'evaluate'>;

export interface OperatorOptions {
  readonly transport: KubeTransport;
  readonly logger: Logger;
  readonly auth: SyncAuth;
  readonly health: HealthSource;
  /** Watch one namespace; all when undefined. */
  readonly namespace?: string | undefined;
  /** The Lease and its timing (see LeaderElectorOptions). */
  readonly lease: Pick<LeaderElectorOptions, 'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>;
  /** Sync port (proxies connect here); 0 picks one. Default 8081. */
  readonly syncPort?: number;
  /** Admin port; 0 picks one. Default 9091. */
  readonly adminPort?: number;
  /** Listen address of both ports. Default 0.0.0.0. */
  readonly host?: string;
  readonly adminHost?: string;
  /** Informer tuning (tests use short values). */
  readonly informers?: {
    readonly relistIntervalMs?: number;
    readonly silenceTimeoutMs?: number;
    readonly watchTimeoutSeconds?: number;
    readonly backoff?: BackoffPolicy;
  };
  readonly debounceMs?: number;
  readonly statusQps?: number;
  /** Sums the proxies' quota usage deltas (default: one on Date.now). */
  readonly quotaUsage?: QuotaUsageAggregator;
  /** Quota.status usage is recomputed (and written when changed) at most this often. Default 2 s (the report interval). */
  readonly quotaStatusIntervalMs?: number;
  /** How often health is re-evaluated without a report (cooldowns end). Default 5 s. */
  readonly healthTickMs?: number;
  /** Defaults to the real compiler. */
  readonly compile?: CompileFn;
  /** Export Node.js process metrics. Default true. */
  readonly processMetrics?: boolean;
}

export interface RunningOperator {
  readonly syncUrl: string;
  readonly adminUrl: string;
  readonly identity: string;
  readonly informers: InformerSet;
  readonly elector: LeaderElector;
  readonly reconciler: Reconciler;
  readonly status: StatusController;
  readonly sync: SyncServer;
  state(): OperatorState;
  /** Stops status writes, releases the lease, closes streams and ports. Idempotent. */
  close(): Promise<void>;
}

export class OperatorStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorStartupError';
  }
}

function urlOf(app: FastifyInstance, host: string): string {
  const addr = app.server.address() as AddressInfo;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${addr.port}`;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function sameHealth(a: ReadonlyMap<string, ProviderHealth>, b: ReadonlyMap<string, ProviderHealth>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || w.healthy !== v.healthy || w.reason !== v.reason || w.message !== v.message) return false;
  }
  return true;
}

interface Parts {
  readonly registry: Registry;
  readonly metrics: OperatorMetrics;
  readonly sync: SyncServer;
  readonly informers: InformerSet;
  readonly elector: LeaderElector;
  readonly reconciler: Reconciler;
  readonly status: StatusController;
  /** The health aggregator's last verdict (ejections for the compiler, Healthy for status). */
  readonly latestHealth: { current: ReturnType<HealthSource['evaluate']> };
  readonly ackLag: ReturnType<typeof createAckLag>;
  readonly quotaUsage: QuotaUsageAggregator;
  /** Quota id → status fields, refreshed once per quota status interval (no write storms). */
  readonly quotaSnapshot: { current: ReadonlyMap<string, QuotaStatusFields> };
}

function build(opts: OperatorOptions): Parts {
  const log = opts.logger;
  const registry = new Registry();
  const sync = createSyncServer({ auth: opts.auth, logger: log });
  const connected = (): number => sync.proxies().filter((p) => p.connected).length;
  const metrics = createOperatorMetrics(registry, { connectedProxies: connected, processMetrics: opts.processMetrics ?? true });
  const informers = createInformerSet({
    transport: opts.transport, namespace: opts.namespace, logger: log, ...opts.informers,
    onRestart: (resource) => metrics.informerRestart(resource),
  });
  const latestHealth = { current: opts.health.evaluate() };
  const ackLag = createAckLag(metrics, Date.now);
  const elector = createLeaderElector({
    transport: opts.transport, logger: log, ...opts.lease,
    onStartedLeading: () => {
      metrics.leader(true);
      sync.setLeader(true);
      status.leadershipChanged(true);
      reconciler.leadershipChanged(true);
    },
    onStoppedLeading: () => {
      metrics.leader(false);
      status.leadershipChanged(false);
      reconciler.leadershipChanged(false);
      sync.setLeader(false);
    },
  });
  const writer = createStatusWriter({
    transport: opts.transport, logger: log, metrics, lookup: informers.get, isLeader: elector.isLeader,
    ...(opts.statusQps === undefined ? {} : { qps: opts.statusQps, burst: Math.max(1, opts.statusQps * 2) }),
  });
  // A proxy silent for 3 report intervals no longer counts among the live ones sharing per-subject limits.
  const reportMs = opts.quotaStatusIntervalMs ?? 2_000;
  const quotaUsage = opts.quotaUsage ?? createQuotaUsageAggregator({ clock: Date.now, liveMs: 3 * reportMs, preGrantMs: 2.5 * reportMs });
  const quotaSnapshot: Parts['quotaSnapshot'] = { current: new Map() };
  const status = createStatusController({
    writer, lookup: informers.get, lookupById: informers.getById, proxies: () => sync.proxies(), health: () => latestHealth.current.providers,
    quotaStatus: (id) => quotaSnapshot.current.get(id),
    isLeader: elector.isLeader, logger: log,
  });
  const reconciler = createReconciler({
    caches: informers, compile: opts.compile ?? compile, publisher: sync, leadership: elector,
    ejected: () => latestHealth.current.ejected, metrics, logger: log,
    onReconciled: (r) => {
      if (r.publishedNow && r.published !== null) ackLag.published(r.published.version, r.published.at);
      status.reconciled(r);
    },
    ...(opts.debounceMs === undefined ? {} : { debounceMs: opts.debounceMs }),
  });
  return { registry, metrics, sync, informers, elector, reconciler, status, latestHealth, ackLag, quotaUsage, quotaSnapshot };
}

/** Informer events → reconcile (table inputs) or a status recheck (status-only updates: no reconcile, C11). */
function wireEvents(p: Parts): void {
  let refs: ReadonlySet<string> | null = null;
  const referenced = (): ReadonlySet<string> => (refs ??= referencedSecrets(p.informers.providers.list()));
  p.informers.onEvent((ev) => {
    if (ev.obj.kind === 'Provider') refs = null;
    if (affectsTable(ev, referenced)) p.reconciler.enqueue();
    else if (isStatusOnlyUpdate(ev)) p.status.trigger();
  });
}

/** Acks: Programmed, the ack-lag metric, and fence repair when a proxy already serves a higher version. */
function wireAcks(p: Parts, log: Logger): void {
  let repairing = false;
  p.sync.onAck(() => {
    p.status.trigger();
    const published = p.reconciler.latest()?.published ?? null;
    if (published === null) return;
    const proxies = p.sync.proxies().filter((x) => x.connected);
    p.ackLag.acked(proxies);
    const highest = Math.max(0, ...proxies.map((x) => x.version));
    if (highest > published.version && !repairing) {
      repairing = true;
      log.warn({ published: published.version, proxyVersion: highest }, 'a proxy serves a higher version than this leader publishes; starting a new term');
      void p.elector.advanceTerm(termAbove(highest)).then((ok) => {
        repairing = false;
        if (ok) p.reconciler.leadershipChanged(true);
      });
    }
  });
}

/** switchyard_operator_ack_lag_seconds: from a publish to the moment every connected proxy serves that version. */
function createAckLag(metrics: OperatorMetrics, now: () => number) {
  let waiting: { version: number; at: number } | null = null;
  return {
    published: (version: number, at: number): void => {
      waiting = { version, at };
    },
    acked: (connected: readonly { version: number }[]): void => {
      if (waiting === null || connected.length === 0) return;
      const v = waiting.version;
      if (connected.every((x) => x.version >= v)) {
        metrics.ackLagSeconds(Math.max(0, now() - waiting.at) / 1000);
        waiting = null;
      }
    },
  };
}

/**
 * Reports → health aggregator; a changed ejection set recompiles, changed provider health rewrites status. Health is
 * re-evaluated when the aggregator says its answer can change (a cooldown ends) and every tickMs in any case.
 */
function wireHealth(p: Parts, health: HealthSource, tickMs: number): () => void {
  let wake: NodeJS.Timeout | undefined;
  const check = (): void => {
    const next = health.evaluate();
    const prev = p.latestHealth.current;
    p.latestHealth.current = next;
    if (!sameSet(prev.ejected, next.ejected)) p.reconciler.enqueue();
    if (!sameHealth(prev.providers, next.providers)) p.status.trigger();
    clearTimeout(wake);
    if (next.nextChangeAtMs !== null) {
      wake = setTimeout(check, Math.min(tickMs, Math.max(50, next.nextChangeAtMs - Date.now())));
      wake.unref();
    }
  };
  p.sync.onReport((report) => {
    health.ingest(report);
    check();
  });
  const timer = setInterval(check, tickMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(wake);
  };
}

/**
 * Reports → quota usage sums; every intervalMs (the proxies' report interval) the Quota status fields are
 * recomputed from them and, when any differs, the status controller is triggered: at most one usage write per
 * Quota per interval, and none while nothing changed.
 */
function wireQuotaUsage(p: Parts, intervalMs: number): () => void {
  // Each report is answered with the proxy's allowances (ADR 0020).
  const off = respondWithAllowances(p.sync, p.quotaUsage);
  const tick = (): void => {
    p.quotaUsage.takeChanged();
    const next = new Map<string, QuotaStatusFields>();
    for (const obj of p.informers.quotas.list()) {
      const parsed = QuotaSpec.safeParse(obj['spec']);
      if (!parsed.success) continue;
      const id = `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
      next.set(id, p.quotaUsage.statusOf(id, parsed.data));
    }
    p.quotaUsage.retain(new Set(next.keys()));
    const prev = p.quotaSnapshot.current;
    p.quotaSnapshot.current = next;
    if (next.size !== prev.size || [...next].some(([id, f]) => JSON.stringify(f) !== JSON.stringify(prev.get(id)))) p.status.trigger();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => {
    off();
    clearInterval(timer);
  };
}

export async function startOperator(opts: OperatorOptions): Promise<RunningOperator> {
  const log = opts.logger;
  const p = build(opts);
  wireEvents(p);
  wireAcks(p, log);
  const stopHealthOnly = wireHealth(p, opts.health, opts.healthTickMs ?? 5_000);
  const stopQuota = wireQuotaUsage(p, opts.quotaStatusIntervalMs ?? 2_000);
  const stopHealth = (): void => {
    stopHealthOnly();
    stopQuota();
  };
  let closing = false;

  const state = (): OperatorState => ({
    identity: opts.lease.identity, leader: p.elector.isLeader(), term: p.elector.term(), synced: p.informers.synced(),
    objects: Object.fromEntries(p.informers.all.map((i) => [i.resource.plural, i.list().length])),
    published: p.reconciler.latest()?.published ?? null,
    proxies: p.sync.proxies().map(({ id, connected, version, hash, lastAckOk, lastError }) => ({ id, connected, version, hash, lastAckOk, ...(lastError === undefined ? {} : { lastError }) })),
  });
  const syncApp = Fastify({ logger: false, return503OnClosing: false });
  p.sync.register(syncApp);
  const admin = createOperatorAdmin({
    registry: p.registry, logger: log, state,
    table: () => p.reconciler.latest()?.table ?? null,
    ready: () => !closing && p.informers.synced() && p.reconciler.latest() !== null,
  });
  const host = opts.host ?? '0.0.0.0';
  const adminHost = opts.adminHost ?? host;
  try {
    await syncApp.listen({ port: opts.syncPort ?? 8081, host });
    await admin.listen({ port: opts.adminPort ?? 9091, host: adminHost });
  } catch (err) {
    stopHealth();
    p.sync.close();
    await Promise.allSettled([syncApp.close(), admin.close()]);
    throw new OperatorStartupError(`cannot listen: ${err instanceof Error ? err.message : String(err)}`);
  }

  p.informers.start();
  void p.informers.whenSynced().then(() => {
    if (closing) return;
    const objects = state().objects;
    log.info({ objects }, 'informers synced');
    p.reconciler.enqueue(true);
    p.elector.start();
  });

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    stopHealth();
    await p.status.stop();
    await p.reconciler.stop();
    await p.elector.stop({ release: true });
    await p.informers.stop();
    p.sync.close();
    await Promise.allSettled([syncApp.close(), admin.close()]);
    await opts.transport.close();
    log.info('operator stopped');
  };
  return {
    syncUrl: urlOf(syncApp, host),
    adminUrl: urlOf(admin, adminHost),
    identity: opts.lease.identity,
    informers: p.informers, elector: p.elector, reconciler: p.reconciler, status: p.status, sync: p.sync,
    state,
    close: () => (closed ??= close()),
  };
}
