// Config directory → compile → TableHolder, for standalone mode. A file that does not parse keeps the last good
// table entirely (a half-saved directory must not drop routes). Between reloads the reloader keeps the compiler's
// lastGood (an object whose edit is rejected keeps serving its last accepted version, ADR 0012) and the time each
// object was first seen (the age that settles model-name conflicts, ADR 0003). A reload that leaves objects rejected
// or stale, or drops objects the previous table served, logs one warn line with the list. An unchanged table hash
// is not reloaded. Reloads are serialised.
import type { Logger } from 'pino';
import { compile, objectKey } from '../compiler/index.ts';
import type { LastGood, StaleObject } from '../compiler/index.ts';
import { loadConfigDir } from '../config/load.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { TableHolder } from '../proxy/table-holder.ts';
import type { GatewayMetrics } from '../telemetry/types.ts';
import type { ObjectStatus, RoutingTable } from '../table/types.ts';
import { notAccepted, reloadSummary } from './summary.ts';

export type ReloadResult =
  | { readonly outcome: 'loaded' | 'unchanged'; readonly table: RoutingTable; readonly statuses: readonly ObjectStatus[]; readonly stale: readonly StaleObject[] }
  | { readonly outcome: 'failed'; readonly reason: string };

export interface ReloaderOptions {
  readonly configDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly holder: TableHolder;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Epoch ms, for first-seen times. Default Date.now. */
  readonly now?: () => number;
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

/** "Kind/namespace/name" of every named object (the compiler's key for first-seen times and lastGood). */
export function objectKeys(objects: readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const o of objects) {
    if (!isRecord(o) || typeof o.kind !== 'string' || !isRecord(o.metadata) || typeof o.metadata.name !== 'string') continue;
    const ns = typeof o.metadata.namespace === 'string' && o.metadata.namespace !== '' ? o.metadata.namespace : 'default';
    keys.add(objectKey({ kind: o.kind, namespace: ns, name: o.metadata.name }));
  }
  return keys;
}

/** First-seen times carried to this reload: objects seen before keep theirs, new ones get `now`, gone ones are dropped. */
export function updateFirstSeen(before: ReadonlyMap<string, number>, keys: ReadonlySet<string>, now: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const key of keys) out.set(key, before.get(key) ?? now);
  return out;
}

/** What the previous table served that the new one does not: routes, providers and quotas by id, model names. */
export function droppedObjects(before: RoutingTable | null, after: RoutingTable): string[] {
  if (before === null) return [];
  const routes = new Set(after.routes.map((r) => r.id));
  const quotas = new Set(after.quotas.map((q) => q.id));
  return [
    ...before.routes.filter((r) => !routes.has(r.id)).map((r) => `ModelRoute ${r.id}`),
    ...Object.keys(before.providers).filter((id) => !Object.hasOwn(after.providers, id)).map((id) => `Provider ${id}`),
    ...before.quotas.filter((q) => !quotas.has(q.id)).map((q) => `Quota ${q.id}`),
    ...Object.keys(before.models).filter((m) => !Object.hasOwn(after.models, m)).map((m) => `model ${m}`),
  ];
}

/** One warn line when a reload leaves objects rejected or stale, or drops what the previous table served. */
function warnProblems(log: Logger, statuses: readonly ObjectStatus[], stale: readonly StaleObject[], dropped: readonly string[]): void {
  const rejected = notAccepted(statuses);
  if (rejected.length === 0 && stale.length === 0 && dropped.length === 0) return;
  const parts = [
    rejected.length > 0 ? `${rejected.length} object(s) not accepted or unresolved` : '',
    stale.length > 0 ? `${stale.length} serving their last accepted version` : '',
    dropped.length > 0 ? `${dropped.length} dropped from the previous table` : '',
  ].filter((p) => p !== '');
  const staleList = stale.map((s) => ({ object: `${s.kind} ${s.namespace}/${s.name}`, reason: s.reason, message: s.message }));
  log.warn({ notAccepted: rejected, stale: staleList, dropped }, `config reload: ${parts.join(', ')}`);
}

export function createReloader(opts: ReloaderOptions): Reloader {
  const log = opts.logger.child({ component: 'config' });
  let version = opts.holder.table?.version ?? 0;
  let chain: Promise<unknown> = Promise.resolve();
  let lastFilesHash = '';
  let lastStatuses: readonly ObjectStatus[] = [];
  let lastGood: LastGood | undefined;
  let firstSeen = new Map<string, number>();
  const now = opts.now ?? Date.now;

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
    firstSeen = updateFirstSeen(firstSeen, objectKeys(loaded.objects), now());
    const result = compile(loaded.objects, { version: version + 1, firstSeen, ...(lastGood === undefined ? {} : { previous: lastGood }) });
    const { table, statuses, stale } = result;
    lastStatuses = statuses;
    const current = opts.holder.table;
    if (current && current.hash === table.hash) {
      lastGood = result.lastGood;
      opts.metrics.setLastGoodObjects(stale.length);
      warnProblems(log, statuses, stale, []);
      log.info({ version: current.version, hash: current.hash.slice(0, 12) }, 'config changed but the routing table did not; nothing to reload');
      return { outcome: 'unchanged', table: current, statuses, stale };
    }
    try {
      opts.holder.load(table);
    } catch (err) {
      return fail(err instanceof Error ? err.message : 'the routing table could not be loaded');
    }
    lastGood = result.lastGood;
    version = table.version;
    const rt = opts.holder.table ?? table;
    opts.metrics.setTableInfo(rt.version, rt.hash, rt.routes.length);
    opts.metrics.setLastGoodObjects(stale.length);
    warnProblems(log, statuses, stale, droppedObjects(current, rt));
    log.info(reloadSummary(rt, statuses, loaded.files.length), 'routing table in use');
    return { outcome: 'loaded', table: rt, statuses, stale };
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
