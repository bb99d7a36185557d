// The reconcile loop: one work key, debounced (queue.ts). Each run gathers the caches into a Snapshot, compiles it
// (with the globally ejected targets), and — only when leading and only when the hash changed, or a new term began —
// publishes it under the next fenced version. Nothing is compiled for publishing before every informer has synced
// (C2), so the first table after a restart is complete and, when nothing changed, has the same hash.
// The compiler's lastGood is carried from one reconcile to the next (leader and follower alike), so an object whose
// new generation is rejected keeps serving its last accepted one (ADR 0012); a change in the set of rejected or
// stale objects is logged once at warn. So is the compiler's memo: unchanged objects reuse their compiled form, and the
// published table shares them with the previous one (cheap content hash and deltas, ADR 0024).
import type { Logger } from 'pino';
import type { CompileMemo, LastGood, StaleObject } from '../compiler/index.ts';
import type { ObjectStatus, RoutingTable } from '../table/types.ts';
import { gatherSnapshot } from './gather.ts';
import type { CacheContents } from './informers.ts';
import type { OperatorMetrics } from './metrics.ts';
import { createWorkQueue } from './queue.ts';
import type { PublishedTable } from './status.ts';

export interface CompileInput {
  readonly version: number;
  readonly ejectedTargets: ReadonlySet<string>;
  /** The previous compile's lastGood (absent on the first compile of this process). */
  readonly previous?: LastGood;
  /** The previous compile's memo: unchanged objects reuse their compiled form (incremental compile, ADR 0024). */
  readonly memo?: CompileMemo;
}

export type CompileFn = (objects: readonly unknown[], opts: CompileInput) => {
  readonly table: RoutingTable;
  readonly statuses: readonly ObjectStatus[];
  /** Canonical JSON of the table content (what the hash covers), when the compiler provides it. */
  readonly contentJSON?: string;
  /** Input to the next compile's `previous`, when the compiler provides it. */
  readonly lastGood?: LastGood;
  /** Input to the next compile's `memo`, when the compiler provides it. */
  readonly memo?: CompileMemo;
  /** Objects whose last accepted version serves in place of a rejected current one. */
  readonly stale?: readonly StaleObject[];
};

export interface Publisher {
  /** `contentJSON`, when given, is the table's canonical content JSON (saves serialising the table again). */
  publish(table: RoutingTable, contentJSON?: string): void;
}

export interface Leadership {
  isLeader(): boolean;
  /** The next fenced version, or null when not leading. */
  nextVersion(): number | null;
}

export interface Reconciled {
  /** The compiled table (version = the published version when leading, else 0). */
  readonly table: RoutingTable;
  readonly statuses: readonly ObjectStatus[];
  /** What this operator last published in its current term (null when following). */
  readonly published: (PublishedTable & { readonly at: number }) | null;
  /** True when this run published a new version. */
  readonly publishedNow: boolean;
}

export interface ReconcilerOptions {
  readonly caches: { synced(): boolean; contents(): CacheContents };
  readonly compile: CompileFn;
  readonly publisher: Publisher;
  readonly leadership: Leadership;
  /** Target keys ("providerId|model") to leave out of routes. */
  readonly ejected: () => ReadonlySet<string>;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
  /** Called after every completed reconcile. */
  readonly onReconciled?: (r: Reconciled) => void;
  /** Default 150 ms. */
  readonly debounceMs?: number;
  /**
   * A change after a quiet period (no change or reconcile for debounceMs) is compiled after this much instead of the
   * debounce; further changes meanwhile are debounced as usual (ADR 0024). Default 20 ms.
   */
  readonly leadingMs?: number;
  /** Default 1 s. */
  readonly maxDelayMs?: number;
  /** Epoch ms. Default Date.now. */
  readonly now?: () => number;
}

export interface Reconciler {
  /** Something changed: reconcile soon (debounced), or at once. */
  enqueue(immediate?: boolean): void;
  /** Leadership gained (publish at once, even an unchanged hash: a new term) or lost (forget what was published). */
  leadershipChanged(leader: boolean): void;
  latest(): Reconciled | null;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface NotAcceptedEntry {
  readonly object: string;
  readonly reason: string;
  readonly message: string;
}

/** Objects whose Accepted or ResolvedRefs condition is not True, with that condition's reason. */
function notAcceptedList(statuses: readonly ObjectStatus[]): NotAcceptedEntry[] {
  const out: NotAcceptedEntry[] = [];
  for (const s of statuses) {
    const bad = s.conditions.find((c) => c.status !== 'True' && (c.type === 'Accepted' || c.type === 'ResolvedRefs'));
    if (bad !== undefined) out.push({ object: `${s.kind} ${s.namespace}/${s.name}`, reason: bad.reason, message: bad.message });
  }
  return out;
}

export function createReconciler(opts: ReconcilerOptions): Reconciler {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'reconciler' });
  let published: Reconciled['published'] = null;
  let mustPublish = false;
  let latest: Reconciled | null = null;
  let retry: NodeJS.Timeout | undefined;
  let lastGood: LastGood | undefined;
  let memo: CompileMemo | undefined;
  let problems = '';

  /** Logs at warn when the set of rejected or stale objects changes (not on every reconcile). */
  function reportProblems(statuses: readonly ObjectStatus[], stale: readonly StaleObject[]): void {
    const rejected = notAcceptedList(statuses);
    const staleList = stale.map((s) => ({ object: `${s.kind} ${s.namespace}/${s.name}`, reason: s.reason, message: s.message }));
    const key = JSON.stringify([rejected.map((r) => [r.object, r.reason]), staleList.map((s) => [s.object, s.reason])]);
    if (key === problems) return;
    problems = key;
    if (rejected.length === 0 && staleList.length === 0) {
      log.info('every object is accepted again');
      return;
    }
    log.warn(
      { notAccepted: rejected, stale: staleList },
      `compile left ${rejected.length} object(s) not accepted or unresolved, ${staleList.length} serving their last accepted generation`,
    );
  }

  function publishIfNeeded(table: RoutingTable, compileMs: number): RoutingTable | null {
    if (published !== null && !mustPublish && published.hash === table.hash) return null;
    const version = opts.leadership.nextVersion();
    if (version === null) return null;
    const out: RoutingTable = { ...table, version };
    opts.publisher.publish(out);
    published = { version, hash: table.hash, at: now() };
    mustPublish = false;
    opts.metrics.tableVersion(version);
    log.info(
      { version, hash: table.hash.slice(0, 12), routes: table.routes.length, providers: Object.keys(table.providers).length, compileMs: Math.round(compileMs) },
      `published version ${version} (${table.hash.slice(0, 12)})`,
    );
    return out;
  }

  async function reconcile(): Promise<void> {
    if (!opts.caches.synced()) {
      opts.metrics.reconcile('not_synced');
      return;
    }
    const snapshot = gatherSnapshot(opts.caches.contents());
    const t0 = performance.now();
    const input: CompileInput = {
      version: 0, ejectedTargets: opts.ejected(), ...(lastGood === undefined ? {} : { previous: lastGood }), ...(memo === undefined ? {} : { memo }),
    };
    const result = opts.compile(snapshot.objects, input);
    const compileMs = performance.now() - t0;
    opts.metrics.compileSeconds(compileMs / 1000);
    if (result.lastGood !== undefined) lastGood = result.lastGood;
    if (result.memo !== undefined) memo = result.memo;
    const stale = result.stale ?? [];
    opts.metrics.lastGoodObjects(stale.length);
    reportProblems(result.statuses, stale);
    let table = result.table;
    let publishedNow = false;
    if (!opts.leadership.isLeader()) {
      published = null;
      opts.metrics.reconcile('follower');
    } else {
      // No content text: the sync server hashes the table from its memoised per-object JSON (free for a table the
      // compiler just hashed) and assembles the text only if some proxy needs a snapshot (ADR 0024).
      const out = publishIfNeeded(table, compileMs);
      if (out !== null) {
        table = out;
        publishedNow = true;
        opts.metrics.reconcile('published');
      } else if (published !== null && published.hash === table.hash && !mustPublish) {
        table = { ...table, version: published.version };
        opts.metrics.reconcile('unchanged');
      } else {
        // Leading, but no version available (the term is being renewed or advanced): try again shortly.
        opts.metrics.reconcile('follower');
        clearTimeout(retry);
        retry = setTimeout(() => queue.trigger(), 500);
      }
    }
    latest = { table, statuses: result.statuses, published, publishedNow };
    opts.onReconciled?.(latest);
  }

  const queue = createWorkQueue({
    debounceMs: opts.debounceMs ?? 150,
    leadingMs: opts.leadingMs ?? 20,
    maxDelayMs: opts.maxDelayMs ?? 1_000,
    run: reconcile,
    now,
    onError: (err) => {
      opts.metrics.reconcile('error');
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'reconcile failed; retrying');
      clearTimeout(retry);
      retry = setTimeout(() => queue.trigger(), 1_000);
    },
  });

  return {
    enqueue: (immediate = false) => queue.trigger(immediate),
    leadershipChanged: (leader) => {
      published = null;
      mustPublish = leader;
      queue.trigger(true);
    },
    latest: () => latest,
    idle: () => queue.idle(),
    stop: async () => {
      clearTimeout(retry);
      await queue.stop();
    },
  };
}
