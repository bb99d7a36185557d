// Standalone mode (`switchyard serve --config DIR`): config directory → compile → table holder → proxy on the data
// port, admin server on its own port, a watcher that recompiles on change, and a graceful close. The caller (cmd/)
// owns the logger, the environment and signal handling.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createAdminServer } from '../admin/server.ts';
import { watchConfigDir } from '../config/watch.ts';
import type { ConfigWatcher } from '../config/watch.ts';
import { createUpstreamPools } from '../providers/http/pools.ts';
import { createAdapter } from '../providers/registry.ts';
import type { ProxyOptions } from '../proxy/core.ts';
import { createProxyServer } from '../proxy/server.ts';
import { TableHolder } from '../proxy/table-holder.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { createReloader } from './reloader.ts';
import type { ReloadResult } from './reloader.ts';
import { formatBanner } from './summary.ts';
import type { ObjectStatus, RoutingTable } from '../table/types.ts';


export interface StandaloneOptions {
  readonly configDir: string;
  /** Data port; 0 picks a free port. Default 8080. */
  readonly dataPort?: number;
  /** Admin port (metrics, probes, debug); 0 picks a free port. Default 9090. */
  readonly adminPort?: number;
  /** Data listener address. Default 0.0.0.0 (containers need it; use 127.0.0.1 on a laptop). */
  readonly host?: string;
  /** Admin listener address. Default: the data host. */
  readonly adminHost?: string;
  readonly logger: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly otlpEndpoint?: string | undefined;
  readonly proxyOptions?: ProxyOptions;
  /** Shown in the banner and traces. */
  readonly version?: string;
  /** Receives the human startup banner (cmd/ writes it to stderr). Default: not shown. */
  readonly banner?: (text: string) => void;
  /** Watcher tuning (tests use short values). */
  readonly watch?: { readonly debounceMs?: number; readonly pollMs?: number } | false;
  /** How long close() waits for in-flight requests before cutting connections. Default 10 s. */
  readonly drainTimeoutMs?: number;
}

export interface StandaloneGateway {
  readonly dataUrl: string;
  readonly adminUrl: string;
  readonly holder: TableHolder;
  reload(): Promise<ReloadResult>;
  /** Stops accepting, drains in-flight requests up to the deadline, closes pools and exporters. Idempotent. */
  close(): Promise<void>;
}

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

function urlFor(app: FastifyInstance, host: string): { url: string; listen: string } {
  const addr = app.server.address() as AddressInfo;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const h = shown.includes(':') ? `[${shown}]` : shown;
  return { url: `http://${h}:${addr.port}`, listen: `${host.includes(':') ? `[${host}]` : host}:${addr.port}` };
}

async function drain(app: FastifyInstance, deadlineMs: number, log: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
  });
  // Keep-alive sockets become idle as their last response ends; close them as they do, or close() would wait for
  // the clients' keep-alive timeout.
  const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
  const result = await Promise.race([app.close().then(() => 'closed' as const), timedOut]);
  clearInterval(reaper);
  if (timer) clearTimeout(timer);
  if (result === 'timeout') {
    log.warn({ deadlineMs }, 'in-flight requests did not finish before the drain deadline; closing their connections');
    app.server.closeAllConnections();
  }
}

interface Listening {
  readonly data: { url: string; listen: string };
  readonly admin: { url: string; listen: string };
}

async function listenBoth(proxy: FastifyInstance, admin: FastifyInstance, opts: StandaloneOptions): Promise<Listening> {
  const host = opts.host ?? '0.0.0.0';
  const adminHost = opts.adminHost ?? host;
  try {
    await proxy.listen({ port: opts.dataPort ?? 8080, host });
    await admin.listen({ port: opts.adminPort ?? 9090, host: adminHost });
  } catch (err) {
    throw new StartupError(`cannot listen: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { data: urlFor(proxy, host), admin: urlFor(admin, adminHost) };
}

function announce(opts: StandaloneOptions, table: RoutingTable | null, statuses: readonly ObjectStatus[], at: Listening): void {
  opts.logger.info({ dataAddress: at.data.listen, adminAddress: at.admin.listen, configDir: opts.configDir }, 'switchyard standalone gateway listening');
  if (table === null) return;
  opts.banner?.(formatBanner({
    version: opts.version ?? '', configDir: opts.configDir, table, statuses,
    dataListen: at.data.listen, dataUrl: at.data.url, adminUrl: at.admin.url,
  }));
  if (Object.keys(table.keys).length === 0) {
    opts.logger.warn('no API keys are configured: the gateway is OPEN and anyone who can reach it can use your providers');
  }
}

export async function startStandalone(opts: StandaloneOptions): Promise<StandaloneGateway> {
  const log = opts.logger;
  const env = opts.env ?? process.env;
  const registry = new Registry();
  const metrics = createMetrics(registry, { processMetrics: true });
  const pools = createUpstreamPools();
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger: log });
  const reloader = createReloader({ configDir: opts.configDir, env, holder, metrics, logger: log });

  const first = await reloader.reload();
  if (first.outcome === 'failed') {
    await pools.destroy();
    throw new StartupError(`cannot start: ${first.reason}`);
  }
  const tracing = await startTracing({ endpoint: opts.otlpEndpoint, serviceName: 'switchyard', serviceVersion: opts.version, logger: log, env });
  let closing = false;
  const proxy = createProxyServer({ holder, logger: log, metrics, tracer: tracing.tracer, options: opts.proxyOptions });
  const admin = createAdminServer({ registry, holder, logger: log, ready: () => !closing && holder.table !== null });
  let at: Listening;
  try {
    at = await listenBoth(proxy, admin, opts);
  } catch (err) {
    await Promise.allSettled([proxy.close(), admin.close(), pools.destroy(), tracing.shutdown()]);
    throw err;
  }
  const watcher: ConfigWatcher | undefined = opts.watch === false ? undefined : watchConfigDir({
    dir: opts.configDir, initialHash: reloader.lastFilesHash, logger: log,
    onChange: async () => { await reloader.reload(); },
    ...opts.watch,
  });
  announce(opts, holder.table, reloader.lastStatuses, at);

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closing = true;
    watcher?.close();
    log.info('shutting down: draining in-flight requests');
    await drain(proxy, opts.drainTimeoutMs ?? 10_000, log);
    await admin.close();
    await pools.close().catch(() => pools.destroy());
    await tracing.shutdown();
    log.info('shutdown complete');
  };
  return {
    dataUrl: at.data.url,
    adminUrl: at.admin.url,
    holder,
    reload: () => reloader.reload(),
    close: () => (closed ??= close()),
  };
}
