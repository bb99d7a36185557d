// Proxy mode (`switchyard proxy --sync URL`): the same data plane as `serve`, fed by the operator's snapshot stream
// instead of a config directory. The ports listen at once; /readyz answers 503 until the first valid table arrives
// (from the bootstrap file or the operator — C3); the last table keeps serving while the operator is gone.
import type { TableHolder } from '../proxy/table-holder.ts';
import { createDataPlaneParts, serveDataPlane } from '../serve/dataplane.ts';
import type { Endpoint, ListenOptions } from '../serve/dataplane.ts';
import type { RoutingTable } from '../table/types.ts';
import { startSyncClient } from './client.ts';
import type { SyncClient, SyncClientOptions } from './client.ts';
import { createReportCollector } from './report-collector.ts';
import type { ReportCollector } from './report-collector.ts';
import type { TokenSource } from './transport.ts';
import { ClusterAllowance } from '../quota/cluster-allowance.ts';
import type { QuotaFailMode } from '../quota/cluster-allowance.ts';
import { QuotaLedger } from '../quota/ledger.ts';

export interface SyncedProxyOptions extends ListenOptions {
  readonly syncUrls: readonly string[];
  readonly token: TokenSource;
  readonly proxyId: string;
  readonly bootstrapFile?: string;
  readonly snapshotOut?: string;
  /** Receives the human startup banner (cmd/ writes it to stderr). */
  readonly banner?: (text: string) => void;
  /**
   * What the proxy does with cluster-wide quotas while the operator cannot be reached (ADR 0020): `closed` (default)
   * keeps enforcing its last allowances; `open` enforces whole limits by itself.
   */
  readonly quotaFailMode?: QuotaFailMode;
  /** Client tuning (tests use short values). */
  readonly sync?: Pick<SyncClientOptions, 'reportIntervalMs' | 'backoff' | 'idleTimeoutMs' | 'random' | 'dispatcher' | 'deltas'>;
}

export interface SyncedProxy {
  readonly dataUrl: string;
  readonly adminUrl: string;
  readonly holder: TableHolder;
  readonly sync: SyncClient;
  /** Stops syncing while the data plane drains and closes. Idempotent. */
  close(): Promise<void>;
}

/** A URL as shown to humans: no user info, query or fragment. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

interface BannerInput {
  readonly version: string;
  readonly opts: SyncedProxyOptions;
  readonly data: Endpoint;
  readonly admin: Endpoint;
  readonly table: RoutingTable | null;
}

export function formatProxyBanner(b: BannerInput): string {
  const table = b.table === null
    ? 'waiting for the operator (/readyz answers 503 until the first table arrives)'
    : `v${b.table.version} ${b.table.hash.slice(0, 12)} from ${b.opts.bootstrapFile ?? 'the bootstrap snapshot'} (the operator's newer tables replace it)`;
  return [
    `Switchyard ${b.version} — proxy fed by the operator`,
    `  sync     ${b.opts.syncUrls.map(displayUrl).join(', ')}  (proxy id ${b.opts.proxyId})`,
    `  data     ${b.data.url}/v1  (listening on ${b.data.listen})`,
    `  metrics  ${b.admin.url}/metrics  (also /healthz /readyz /debug/table /debug/explain?model=NAME)`,
    `  table    ${table}`,
    `  quotas   enforced in memory on this proxy's share of each limit; operator unreachable → ${b.opts.quotaFailMode === 'open' ? 'fail-open (whole limits per proxy)' : 'fail-closed (last allowances kept)'}`,
    b.opts.authMode === 'open'
      ? '  auth     OPEN — requests without an API key are served (started with --auth open)'
      : '  auth     required — every request needs an API key; a table without keys answers 401 to everyone',
    ...(b.opts.snapshotOut === undefined ? [] : [`  snapshot ${b.opts.snapshotOut}  (every accepted table is saved here)`]),
    '',
  ].join('\n');
}

export async function startSyncedProxy(opts: SyncedProxyOptions): Promise<SyncedProxy> {
  const log = opts.logger;
  let collector: ReportCollector | undefined;
  const interval = opts.sync?.reportIntervalMs ?? 2_000;
  const allowance = new ClusterAllowance({ failMode: opts.quotaFailMode ?? 'closed', staleAfterMs: 3 * interval, logger: log.child({ component: 'quota' }) });
  const parts = createDataPlaneParts(log, opts.authMode ?? 'required', (metrics) => (collector = createReportCollector(metrics)), opts.identity?.issuers.length ?? 0,
    new QuotaLedger(allowance));
  const running = await serveDataPlane(parts, opts);
  let sync: SyncClient;
  try {
    sync = await startSyncClient({
      urls: opts.syncUrls, token: opts.token, proxyId: opts.proxyId, holder: parts.holder, logger: log,
      reportSource: collector ?? { drain: () => [] }, metrics: parts.metrics,
      ...(opts.bootstrapFile === undefined ? {} : { bootstrapFile: opts.bootstrapFile }),
      ...(opts.snapshotOut === undefined ? {} : { snapshotOut: opts.snapshotOut }),
      ...opts.sync,
    });
  } catch (err) {
    await running.close();
    throw err;
  }
  log.info({ dataAddress: running.data.listen, adminAddress: running.admin.listen, sync: opts.syncUrls.map(displayUrl), proxyId: opts.proxyId, auth: parts.holder.authMode },
    'switchyard proxy listening');
  opts.banner?.(formatProxyBanner({ version: opts.version ?? '', opts, data: running.data, admin: running.admin, table: parts.holder.table }));
  void sync.firstTable.then(() => {
    const t = parts.holder.table;
    if (t !== null) log.info({ version: t.version, hash: t.hash.slice(0, 12), routes: t.routes.length }, 'ready: serving the routing table');
  });
  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // Readiness drops at once (the data plane's close flips it); requests in flight finish first, then the last
    // report carries their usage and gives this proxy's quota allowances back (ADR 0020).
    await running.close();
    await sync.close();
  };
  return {
    dataUrl: running.data.url, adminUrl: running.admin.url, holder: parts.holder, sync,
    close: () => (closed ??= close()),
  };
}
