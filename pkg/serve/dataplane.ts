// The data plane both `serve` and `proxy` run: metrics registry, upstream pools, table holder, tracing, the proxy on
// the data port, the admin server on its own port, and a graceful close. What feeds the holder (a config directory
// or the operator's stream) is the caller's business.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createAdminServer } from '../admin/server.ts';
import type { IdentityConfig } from '../identity/config.ts';
import { createIdentityMetrics } from '../identity/metrics.ts';
import { IdentityVerifier } from '../identity/verifier.ts';
import { CredentialSources } from '../providers/http/credential-sources.ts';
import { createUpstreamPools } from '../providers/http/pools.ts';
import type { UpstreamPools } from '../providers/http/pools.ts';
import { createAdapter } from '../providers/registry.ts';
import type { ProxyOptions } from '../proxy/core.ts';
import { createProxyServer, drainHandleOf } from '../proxy/server.ts';
import { liveLookup } from '../proxy/routing/live.ts';
import { ProxySignals } from '../proxy/routing/target-stats.ts';
import { TableHolder } from '../proxy/table-holder.ts';
import { TargetHealthMonitor } from '../proxy/outlier/monitor.ts';
import { createHealthMetrics } from '../telemetry/health-metrics.ts';
import type { QuotaLedger } from '../quota/ledger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { startIdleReclaim } from './idle-reclaim.ts';
import type { AuthMode, GatewayMetrics } from '../telemetry/types.ts';

/** --drain-timeout default: inside Kubernetes' default 30 s termination grace, with room for the rest of close(). */
export const DEFAULT_DRAIN_TIMEOUT_MS = 20_000;

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** What feeds and observes the data plane, built before anything listens. */
export interface DataPlaneParts {
  readonly registry: Registry;
  /** The metrics the proxy reports to (possibly wrapped, e.g. by the sync report collector). */
  readonly metrics: GatewayMetrics;
  readonly pools: UpstreamPools;
  readonly holder: TableHolder;
  /** Local outlier ejection and pool saturation (scrapers follow the table in use); closed with the data plane. */
  readonly health: TargetHealthMonitor;
}

/**
 * `authMode` is the process's decision whether requests without an API key are served (ADR 0013); the holder
 * reports it on every swap. `wrap` may tee the metrics (the proxy reports to what it returns). `quotaLedger`: a
 * synced proxy's ledger enforces the operator's allowances (ADR 0020); standalone enforces whole limits.
 */
export function createDataPlaneParts(
  logger: Logger, authMode: AuthMode, wrap?: (m: GatewayMetrics) => GatewayMetrics, tokenIssuers = 0, quotaLedger?: QuotaLedger,
): DataPlaneParts {
  const registry = new Registry();
  const base = createMetrics(registry, { processMetrics: true });
  const metrics = wrap === undefined ? base : wrap(base);
  // The pools carry the process's credential sources (AdapterDeps.sources); closing the pools stops them. Their
  // background fetch failures are logged at warn (design §7).
  const pools = createUpstreamPools({ sources: new CredentialSources({ log: logger }) });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode, metrics, tokenIssuers, ...(quotaLedger === undefined ? {} : { quotaLedger }) });
  base.watchQuotas(() => holder.quotaLedger.gauges.figures(Date.now()));
  const health = new TargetHealthMonitor({ metrics: createHealthMetrics(registry), logger });
  holder.onSwap((next) => health.useTable(next));
  return { registry, metrics, pools, holder, health };
}

export interface ListenOptions {
  /** Data port; 0 picks a free port. Default 8080. */
  readonly dataPort?: number;
  /** Admin port (metrics, probes, debug); 0 picks a free port. Default 9090. */
  readonly adminPort?: number;
  /** Data listener address. Default 0.0.0.0 (containers need it; use 127.0.0.1 on a laptop). */
  readonly host?: string;
  /** Admin listener address. Default: the data host. */
  readonly adminHost?: string;
  readonly logger: Logger;
  /** Whether requests without an API key are served (ADR 0013). Default 'required'. */
  readonly authMode?: AuthMode;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly otlpEndpoint?: string | undefined;
  readonly proxyOptions?: ProxyOptions;
  /** Shown in traces. */
  readonly version?: string;
  /**
   * OIDC issuers whose JWT bearer tokens are accepted beside API keys (ADR 0017). Startup waits for each issuer's
   * first key fetch (bounded by its timeouts); readiness never waits on keys — /readyz reports them.
   */
  readonly identity?: IdentityConfig | null;
  /**
   * How long close() lets in-flight requests and streams finish (--drain-timeout); those still running then end with
   * 503 shutting_down (a terminal error event on a stream). Default 20 s.
   */
  readonly drainTimeoutMs?: number;
}

export interface Endpoint {
  /** URL a local client can use (0.0.0.0 shown as 127.0.0.1). */
  readonly url: string;
  /** host:port actually listened on. */
  readonly listen: string;
}

export interface RunningDataPlane {
  readonly data: Endpoint;
  readonly admin: Endpoint;
  /** Stops accepting, drains in-flight requests up to the deadline, closes the admin port, pools and exporters. */
  close(): Promise<void>;
}

function endpointOf(app: FastifyInstance, host: string): Endpoint {
  const addr = app.server.address() as AddressInfo;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const h = shown.includes(':') ? `[${shown}]` : shown;
  return { url: `http://${h}:${addr.port}`, listen: `${host.includes(':') ? `[${host}]` : host}:${addr.port}` };
}

/** How long requests ended at the drain deadline get to write their error or terminal event before sockets close. */
const END_FLUSH_MS = 1000;

function until(cond: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = Date.now() + ms;
    const tick = (): void => {
      if (cond() || Date.now() >= stop) resolve();
      else setTimeout(tick, 10).unref();
    };
    tick();
  });
}

/**
 * Stops accepting, lets in-flight requests and streams finish for up to `deadlineMs`, then ends those still running
 * with 503 shutting_down — an error response, or the dialect's terminal error event on a stream (D8: never a silent
 * close) — and closes what is left.
 */
async function drain(app: FastifyInstance, deadlineMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  // Keep-alive sockets become idle as their last response ends; close them as they do, or close() would wait for
  // the clients' keep-alive timeout.
  const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
  const closed = app.close().then(() => 'closed' as const);
  const result = await Promise.race([closed, timedOut]);
  if (timer) clearTimeout(timer);
  if (result === 'timeout') {
    const handle = drainHandleOf(app);
    const ended = handle?.endActive() ?? 0;
    log.warn({ deadlineMs, ended }, 'requests still running at the drain deadline: ended with shutting_down');
    if (handle !== undefined) await until(() => handle.active === 0, END_FLUSH_MS);
    app.server.closeIdleConnections();
    app.server.closeAllConnections();
  }
  clearInterval(reaper);
}

async function listenBoth(proxy: FastifyInstance, admin: FastifyInstance, opts: ListenOptions): Promise<{ data: Endpoint; admin: Endpoint }> {
  const host = opts.host ?? '0.0.0.0';
  const adminHost = opts.adminHost ?? host;
  try {
    await proxy.listen({ port: opts.dataPort ?? 8080, host });
    await admin.listen({ port: opts.adminPort ?? 9090, host: adminHost });
  } catch (err) {
    throw new StartupError(`cannot listen: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { data: endpointOf(proxy, host), admin: endpointOf(admin, adminHost) };
}

/**
 * Starts tracing, the proxy and the admin server over `parts`. /readyz answers 200 only while a table is loaded
 * and the data plane is not closing. On a listen failure everything is released and StartupError is thrown.
 */
export async function serveDataPlane(parts: DataPlaneParts, opts: ListenOptions): Promise<RunningDataPlane> {
  const log = opts.logger;
  const env = opts.env ?? process.env;
  const tracing = await startTracing({ endpoint: opts.otlpEndpoint, serviceName: 'switchyard', serviceVersion: opts.version, logger: log, env });
  let closing = false;
  const { holder, pools } = parts;
  const identity = opts.identity ? new IdentityVerifier(opts.identity, { logger: log, now: Date.now, metrics: createIdentityMetrics(parts.registry) }) : null;
  await identity?.start();
  const signals = new ProxySignals(parts.health);
  const proxy = createProxyServer({ holder, logger: log, metrics: parts.metrics, tracer: tracing.tracer, options: opts.proxyOptions, identity, health: parts.health, signals });
  const admin = createAdminServer({
    registry: parts.registry, holder, logger: log, ready: () => !closing && holder.table !== null,
    routingSignals: () => (holder.current === null ? null : liveLookup(holder.current, signals)),
    ...(identity === null ? {} : { readyDetails: () => ({ identity: identity.status() }) }),
  });
  let at: { data: Endpoint; admin: Endpoint };
  try {
    at = await listenBoth(proxy, admin, opts);
  } catch (err) {
    identity?.close();
    parts.health.close();
    await Promise.allSettled([proxy.close(), admin.close(), pools.destroy(), tracing.shutdown()]);
    throw err;
  }
  // Memory grown under load is given back once the process is idle (ADR 0025).
  const reclaim = startIdleReclaim({ log });
  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    reclaim.stop();
    log.info('shutting down: draining in-flight requests');
    await drain(proxy, opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS, log);
    identity?.close();
    parts.health.close();
    await admin.close();
    await pools.close().catch(() => pools.destroy());
    await tracing.shutdown();
    log.info('shutdown complete');
  };
  return { data: at.data, admin: at.admin, close: () => (closed ??= close()) };
}
