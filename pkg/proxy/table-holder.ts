// Holds the routing table in use. load() builds the runtime form and swaps it in whole; a table that fails to build,
// or carries a lower version than the one in use (C4), is refused and the last good table stays. Requests capture
// `current` once at their start, so a swap never changes a request midway.
// The holder also owns the process's auth mode (ADR 0013): fixed at construction, reported on every swap
// (gauge), and a WARN on every load of a table that locks everyone out (required mode, zero keys).
// Background credential sources (adapterDeps.sources) survive swaps: a load keeps those its adapters ask for again
// and stops the rest; a refused load stops only what it started.
// A load reuses the RuntimeRoute of every route whose TableRoute, providers and quotas are the very objects of the table
// in use (ADR 0024); the reused adapters' credential sources are marked wanted by the build, so they live on. A table
// that differs from the one in use by routes, models or keys only (an applied delta) is patched from it: its cost
// follows the change, not the table (runtime-build.ts). Target health is kept by reference count from the routes each
// build added and dropped: the entries of unchanged targets survive, those no route references any more are dropped.
import type { Logger } from 'pino';
import type { AdapterDeps, AdapterFactory } from '../providers/types.ts';
import type { RoutingTable } from '../table/types.ts';
import type { AuthMode, GatewayMetrics } from '../telemetry/types.ts';
import { buildRuntimeTable, routeChanges } from './runtime-build.ts';
import type { RuntimeTable } from './runtime-table.ts';
import { TargetHealthStore } from './target-health.ts';
import { QuotaLedger } from '../quota/ledger.ts';

export interface TableHolderOptions {
  readonly adapterFactory: AdapterFactory;
  readonly adapterDeps: AdapterDeps;
  readonly logger: Logger;
  /** Whether requests without an API key may be served. Default 'required' (never inferred from the table). */
  readonly authMode?: AuthMode;
  /**
   * OIDC issuers configured for bearer tokens (pkg/identity): with one or more, a table without API keys is not a
   * lock-out, because tokens still authenticate. Default 0.
   */
  readonly tokenIssuers?: number;
  /** Receives the auth state (mode, key count) after every swap. */
  readonly metrics?: Pick<GatewayMetrics, 'setAuthState'>;
  /** Wall clock (epoch ms). Default Date.now. */
  readonly now?: () => number;
  /** Quota counters (default: a fresh in-process ledger). A cluster allowance plugs in here (ADR 0018). */
  readonly quotaLedger?: QuotaLedger;
}

export const LOCKED_OUT_WARNING =
  'auth mode is required but the routing table holds no API keys: every data request gets 401 until an API-key Secret (label switchyard.dev/api-key: "true") is added';

export type SwapListener = (next: RuntimeTable, previous: RuntimeTable | null) => void;

export class TableHolder {
  readonly #adapterFactory: AdapterFactory;
  readonly #adapterDeps: AdapterDeps;
  readonly #logger: Logger;
  readonly #authMode: AuthMode;
  readonly #tokenIssuers: number;
  readonly #metrics: Pick<GatewayMetrics, 'setAuthState'> | undefined;
  readonly #now: () => number;
  readonly #health = new TargetHealthStore();
  /** Quota usage: kept across swaps for every quota the new table still has (ADR 0018). */
  readonly #quotaLedger: QuotaLedger;
  readonly #listeners = new Set<SwapListener>();
  #current: RuntimeTable | null = null;

  constructor(opts: TableHolderOptions) {
    this.#adapterFactory = opts.adapterFactory;
    this.#adapterDeps = opts.adapterDeps;
    this.#logger = opts.logger;
    this.#authMode = opts.authMode ?? 'required';
    this.#tokenIssuers = opts.tokenIssuers ?? 0;
    this.#metrics = opts.metrics;
    this.#now = opts.now ?? Date.now;
    this.#quotaLedger = opts.quotaLedger ?? new QuotaLedger();
  }

  /** The quota ledger shared by every table this holder loads. */
  get quotaLedger(): QuotaLedger {
    return this.#quotaLedger;
  }

  /** The process's auth mode (fixed for the life of the holder). */
  /** OIDC issuers whose bearer tokens authenticate besides the table's API keys. */
  get tokenIssuers(): number {
    return this.#tokenIssuers;
  }

  get authMode(): AuthMode {
    return this.#authMode;
  }

  /** Number of API keys in the table in use (0 before the first load). */
  get keyCount(): number {
    return this.#current?.principals.size ?? 0;
  }

  /** The runtime table in use, or null before the first successful load. */
  get current(): RuntimeTable | null {
    return this.#current;
  }

  /** The RoutingTable data in use, or null. */
  get table(): RoutingTable | null {
    return this.#current?.table ?? null;
  }

  /** Builds and swaps in `table`. Throws (keeping the table in use) when it cannot be built or is older. */
  load(table: RoutingTable): void {
    const previous = this.#current;
    if (previous !== null && table.version < previous.version) {
      throw new Error(`refusing routing table version ${table.version}: version ${previous.version} is in use`);
    }
    let next: RuntimeTable;
    const sources = this.#adapterDeps.sources;
    sources.beginBuild();
    try {
      next = buildRuntimeTable(table, {
        adapterFactory: this.#adapterFactory,
        adapterDeps: this.#adapterDeps,
        health: this.#health,
        nowMs: this.#now(),
        quotaLedger: this.#quotaLedger,
        // Unchanged routes keep their runtime form (an applied delta keeps unchanged objects identical: ADR 0024).
        previous,
      });
    } catch (err) {
      sources.abortBuild();
      this.#health.settle([], []); // entries the failed build created
      this.#logger.error({ version: table.version, reason: err instanceof Error ? err.message : 'unknown' }, 'routing table rejected; keeping the previous one');
      throw err;
    }
    this.#current = next;
    // Credential sources the new table's adapters asked for live on; every other one is stopped.
    sources.commitBuild();
    const { added, dropped } = routeChanges(next);
    this.#health.settle(added, dropped);
    this.#quotaLedger.retain(new Set(table.quotas.map((q) => q.id)));
    const keys = next.principals.size;
    this.#logger.info({ version: next.version, hash: next.hash, routes: table.routes.length, keys, auth: this.#authMode }, 'routing table loaded');
    const lockedOut = this.#authMode === 'required' && keys === 0 && this.#tokenIssuers === 0;
    this.#metrics?.setAuthState(this.#authMode, keys, lockedOut);
    if (lockedOut) this.#logger.warn({ version: next.version, auth: this.#authMode, keys }, LOCKED_OUT_WARNING);
    for (const cb of this.#listeners) {
      try {
        cb(next, previous);
      } catch (err) {
        this.#logger.error({ reason: err instanceof Error ? err.message : 'unknown' }, 'table swap listener failed');
      }
    }
  }

  /** Calls `cb` after every successful swap. Returns an unsubscribe function. */
  onSwap(cb: SwapListener): () => void {
    this.#listeners.add(cb);
    return () => {
      this.#listeners.delete(cb);
    };
  }
}
