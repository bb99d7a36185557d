// Standalone mode (`switchyard serve --config DIR`): config directory → compile → table holder → proxy on the data
// port, admin server on its own port, a watcher that recompiles on change, and a graceful close. The caller (cmd/)
// owns the logger, the environment and signal handling.
import { watchConfigDir } from '../config/watch.ts';
import type { ConfigWatcher } from '../config/watch.ts';
import type { TableHolder } from '../proxy/table-holder.ts';
import type { ObjectStatus, RoutingTable } from '../table/types.ts';
import { StartupError, createDataPlaneParts, serveDataPlane } from './dataplane.ts';
import type { Endpoint, ListenOptions } from './dataplane.ts';
import { createReloader } from './reloader.ts';
import type { ReloadResult } from './reloader.ts';
import { OPEN_WARNING, formatBanner } from './summary.ts';
import type { AuthMode } from '../telemetry/types.ts';

export { StartupError } from './dataplane.ts';

export interface StandaloneOptions extends ListenOptions {
  readonly configDir: string;
  /** Receives the human startup banner (cmd/ writes it to stderr). Default: not shown. */
  readonly banner?: (text: string) => void;
  /** Watcher tuning (tests use short values). */
  readonly watch?: { readonly debounceMs?: number; readonly pollMs?: number } | false;
}

export interface StandaloneGateway {
  readonly dataUrl: string;
  readonly adminUrl: string;
  readonly holder: TableHolder;
  reload(): Promise<ReloadResult>;
  /** Stops accepting, drains in-flight requests up to the deadline, closes pools and exporters. Idempotent. */
  close(): Promise<void>;
}

interface Listening {
  readonly data: Endpoint;
  readonly admin: Endpoint;
}

function announce(opts: StandaloneOptions, authMode: AuthMode, table: RoutingTable | null, statuses: readonly ObjectStatus[], at: Listening): void {
  opts.logger.info({ dataAddress: at.data.listen, adminAddress: at.admin.listen, configDir: opts.configDir, auth: authMode }, 'switchyard standalone gateway listening');
  if (table === null) return;
  opts.banner?.(formatBanner({
    version: opts.version ?? '', configDir: opts.configDir, table, statuses, authMode, tokenIssuers: opts.identity?.issuers.length ?? 0,
    dataListen: at.data.listen, dataUrl: at.data.url, adminUrl: at.admin.url,
  }));
  // Required mode with zero keys is warned about by the table holder on every such load.
  if (authMode === 'open') opts.logger.warn({ auth: authMode }, `auth mode is open (--auth open): ${OPEN_WARNING}`);
}

export async function startStandalone(opts: StandaloneOptions): Promise<StandaloneGateway> {
  const log = opts.logger;
  const env = opts.env ?? process.env;
  const authMode = opts.authMode ?? 'required';
  const parts = createDataPlaneParts(log, authMode, undefined, opts.identity?.issuers.length ?? 0);
  const { holder, metrics, pools } = parts;
  const reloader = createReloader({ configDir: opts.configDir, env, holder, metrics, logger: log });

  const first = await reloader.reload();
  if (first.outcome === 'failed') {
    await pools.destroy();
    throw new StartupError(`cannot start: ${first.reason}`);
  }
  const running = await serveDataPlane(parts, { ...opts, env });
  const watcher: ConfigWatcher | undefined = opts.watch === false ? undefined : watchConfigDir({
    dir: opts.configDir, initialHash: reloader.lastFilesHash, logger: log,
    onChange: async () => { await reloader.reload(); },
    ...opts.watch,
  });
  announce(opts, authMode, holder.table, reloader.lastStatuses, running);

  let closed: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    watcher?.close();
    await running.close();
  };
  return {
    dataUrl: running.data.url,
    adminUrl: running.admin.url,
    holder,
    reload: () => reloader.reload(),
    close: () => (closed ??= close()),
  };
}
