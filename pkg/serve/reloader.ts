// Config directory → compile → TableHolder, for standalone mode. A file that does not parse keeps the last good
// table entirely (a half-saved directory must not drop routes); objects the compiler rejects are simply left out
// of the table (compiler semantics) and logged with their reasons; an unchanged table hash is not reloaded.
// Reloads are serialised.
import type { Logger } from 'pino';
import { API_KEY_LABEL } from '../api/secret.ts';
import { compile } from '../compiler/index.ts';
import { loadConfigDir } from '../config/load.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { TableHolder } from '../proxy/table-holder.ts';
import type { GatewayMetrics } from '../telemetry/types.ts';
import type { ObjectStatus, RoutingTable } from '../table/types.ts';
import { reloadSummary } from './summary.ts';

export type ReloadResult =
  | { readonly outcome: 'loaded'; readonly table: RoutingTable; readonly statuses: readonly ObjectStatus[] }
  | { readonly outcome: 'unchanged'; readonly table: RoutingTable }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface ReloaderOptions {
  readonly configDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly holder: TableHolder;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

export interface Reloader {
  /** Reads, compiles and (if the table changed) swaps in the directory's configuration. Never throws. */
  reload(): Promise<ReloadResult>;
  /** Content hash of the files last read (for the watcher). */
  readonly lastFilesHash: string;
  /** Statuses of the last compile (for the banner). */
  readonly lastStatuses: readonly ObjectStatus[];
}

function logProblems(log: Logger, loaded: LoadedConfig): void {
  for (const w of loaded.warnings) log.warn({ file: w.file, warning: w.message }, 'config warning');
  for (const e of loaded.errors) log.warn({ file: e.file, error: e.message }, 'config file not loaded');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Secrets labelled as API keys in the input, valid or not. */
export function countApiKeySecrets(objects: readonly unknown[]): number {
  let n = 0;
  for (const o of objects) {
    if (!isRecord(o) || o.apiVersion !== 'v1' || o.kind !== 'Secret' || !isRecord(o.metadata)) continue;
    const labels = o.metadata.labels;
    if (isRecord(labels) && labels[API_KEY_LABEL] === 'true') n++;
  }
  return n;
}

export function createReloader(opts: ReloaderOptions): Reloader {
  const log = opts.logger.child({ component: 'config' });
  let version = opts.holder.table?.version ?? 0;
  let chain: Promise<unknown> = Promise.resolve();
  let lastFilesHash = '';
  let lastStatuses: readonly ObjectStatus[] = [];

  const fail = (reason: string, fields: Record<string, unknown> = {}): ReloadResult => {
    opts.metrics.tableLoadFailed();
    log.warn({ ...fields, reason }, opts.holder.table ? 'config reload failed; keeping the last good routing table' : 'config load failed; no routing table loaded');
    return { outcome: 'failed', reason };
  };

  const run = async (): Promise<ReloadResult> => {
    let loaded: LoadedConfig;
    try {
      loaded = await loadConfigDir(opts.configDir, opts.env);
    } catch (err) {
      return fail(err instanceof Error ? err.message : 'cannot read the config directory');
    }
    lastFilesHash = loaded.hash;
    logProblems(log, loaded);
    if (loaded.errors.length > 0) {
      const files = loaded.errors.map((e) => e.file);
      return fail(`${files.length} file(s) could not be parsed: ${files.join(', ')}`, { errors: loaded.errors });
    }
    const { table, statuses } = compile(loaded.objects, { version: version + 1 });
    lastStatuses = statuses;
    const declaredKeys = countApiKeySecrets(loaded.objects);
    if (declaredKeys > 0 && Object.keys(table.keys).length === 0) {
      // Fail closed: a config that asks for API keys must never be served open because every key is broken.
      return fail(`${declaredKeys} API-key Secret(s) are configured but none is valid; refusing to serve the gateway open (run: switchyard validate ${opts.configDir})`);
    }
    const current = opts.holder.table;
    if (current && current.hash === table.hash) {
      log.info({ version: current.version, hash: current.hash.slice(0, 12) }, 'config changed but the routing table did not; nothing to reload');
      return { outcome: 'unchanged', table: current };
    }
    try {
      opts.holder.load(table);
    } catch (err) {
      return fail(err instanceof Error ? err.message : 'the routing table could not be loaded');
    }
    version = table.version;
    const rt = opts.holder.table ?? table;
    opts.metrics.setTableInfo(rt.version, rt.hash, rt.routes.length);
    log.info(reloadSummary(rt, statuses, loaded.files.length), 'routing table in use');
    return { outcome: 'loaded', table: rt, statuses };
  };

  return {
    reload(): Promise<ReloadResult> {
      const next = chain.then(run, run);
      chain = next;
      return next;
    },
    get lastFilesHash() {
      return lastFilesHash;
    },
    get lastStatuses() {
      return lastStatuses;
    },
  };
}
