// The proxy's side of the sync protocol. Boots from an optional snapshot file, then keeps one snapshot stream open
// to one of the operator URLs (trying each URL in turn on failure; after a full round of failures it waits for the
// Retry-After of a 503 or a jittered exponential backoff 250 ms → 2.5 s), verifies and loads
// every snapshot (a lower version, a bad checksum, a truncated or garbled payload is NACKed and the table in use is
// kept — C4), ACKs what it loads, and reports per-target outcomes every ~2 s. When the operator is gone it keeps
// serving its last table and only logs and retries.
// It announces deltas=1 (ADR 0024): a delta is applied to the table in use and its result verified against the hash;
// a delta that does not apply (another base, a checksum mismatch, garbled) is NACKed and the client reconnects with
// have=0, which brings the whole snapshot. An operator too old to know deltas=1 (400) gets the old query.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { TableHolder } from '../proxy/table-holder.ts';
import type { RoutingTable } from '../table/types.ts';
import type { GatewayMetrics } from '../telemetry/types.ts';
import { DEFAULT_BACKOFF, MAX_RETRY_AFTER_MS, backoffDelay } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { contentHashOf } from '../compiler/content-json.ts';
import { ndjsonLines } from './ndjson.ts';
import { MAX_ERROR_CHARS, MAX_REPORT_SUBJECTS, ReportReply, SYNC_PATHS, SnapshotError, decodeDelta, decodeSnapshot } from './protocol.ts';
import type { AckMessage, TargetReport } from './protocol.ts';
import { mergeReports, metricFigures, usageReports } from './report-collector.ts';
import { ClusterAllowance } from '../quota/cluster-allowance.ts';
import type { ReportSource } from './report-collector.ts';
import { createSnapshotWriter, readSnapshotFile } from './snapshot-file.ts';
import { HttpStatusError, createTransport } from './transport.ts';
import type { TokenSource, Transport } from './transport.ts';
import type { Dispatcher } from 'undici';

export interface SyncClientOptions {
  /** Operator base URLs (e.g. http://switchyard-operator:8443); the client talks to one at a time. */
  readonly urls: readonly string[];
  /** Bearer token, or a function read before every call (rotating ServiceAccount tokens). */
  readonly token: TokenSource;
  readonly proxyId: string;
  readonly holder: TableHolder;
  readonly logger: Logger;
  readonly reportSource: ReportSource;
  /** Table info and load failures are recorded here (optional). */
  readonly metrics?: Pick<GatewayMetrics, 'setTableInfo' | 'tableLoadFailed'>;
  /** A RoutingTable JSON file loaded (hash verified) before the first stream. */
  readonly bootstrapFile?: string;
  /** Every table accepted is written here (atomically, mode 0600) so a restart can boot from it. */
  readonly snapshotOut?: string;
  /** Default 2 s. */
  readonly reportIntervalMs?: number;
  /** Pause after a full round of failed URLs. Default 250 ms → 2.5 s. */
  readonly backoff?: BackoffOptions;
  /** Silence on the stream after which it is reopened. Default 20 s (heartbeats come every 5 s). */
  readonly idleTimeoutMs?: number;
  /** Longest stream line accepted. Default 64 MiB. */
  readonly maxLineBytes?: number;
  readonly dispatcher?: Dispatcher;
  /** [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Ask for table deltas (deltas=1, ADR 0024). Default true. */
  readonly deltas?: boolean;
}

export interface SyncClientStatus {
  readonly connected: boolean;
  /** The URL in use (or last tried). */
  readonly url: string;
  readonly version: number | null;
  readonly lastError: string | null;
}

export interface SyncClient {
  status(): SyncClientStatus;
  /** Resolves when a table is loaded (from the bootstrap file or the stream). */
  readonly firstTable: Promise<void>;
  /** Stops streaming and reporting (one last report is attempted). Idempotent. */
  close(): Promise<void>;
}

/** Least time between two reports when allowances run short. */
const EARLY_REPORT_MS = 100;

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
}

async function bootstrap(opts: SyncClientOptions, log: Logger, onLoaded: (t: RoutingTable) => void): Promise<void> {
  if (opts.bootstrapFile === undefined) return;
  let table: RoutingTable;
  try {
    table = await readSnapshotFile(opts.bootstrapFile);
  } catch (err) {
    const missing = typeof err === 'object' && err !== null && 'code' in err && err.code === 'ENOENT';
    if (missing) log.info({ file: opts.bootstrapFile }, 'no bootstrap snapshot yet; waiting for the operator');
    else log.error({ file: opts.bootstrapFile, reason: reason(err) }, 'bootstrap snapshot refused; waiting for the operator');
    return;
  }
  try {
    opts.holder.load(table);
  } catch (err) {
    opts.metrics?.tableLoadFailed();
    log.error({ file: opts.bootstrapFile, reason: reason(err) }, 'bootstrap snapshot could not be loaded');
    return;
  }
  log.info({ file: opts.bootstrapFile, version: table.version, hash: table.hash.slice(0, 12) }, 'routing table loaded from the bootstrap snapshot');
  onLoaded(table);
}

export async function startSyncClient(opts: SyncClientOptions): Promise<SyncClient> {
  if (opts.urls.length === 0) throw new Error('startSyncClient needs at least one operator URL');
  const log = opts.logger.child({ component: 'sync-client' });
  let resolveFirst: () => void = () => undefined;
  const firstTable = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });
  const writer = opts.snapshotOut === undefined ? null
    : createSnapshotWriter(opts.snapshotOut, (err) => log.error({ file: opts.snapshotOut, reason: reason(err) }, 'cannot write the snapshot file'));
  const loaded = (table: RoutingTable): void => {
    opts.metrics?.setTableInfo(table.version, table.hash, table.routes.length);
    writer?.write(table);
    resolveFirst();
  };
  await bootstrap(opts, log, loaded);
  const transport = createTransport({ token: opts.token, idleTimeoutMs: opts.idleTimeoutMs ?? 20_000, dispatcher: opts.dispatcher });
  const session = new SyncSession(opts, log, transport, loaded);
  session.start();
  return {
    status: () => session.status(),
    firstTable,
    async close(): Promise<void> {
      await session.close();
      await writer?.flush();
      await transport.close();
    },
  };
}

class SyncSession {
  readonly #opts: SyncClientOptions;
  readonly #log: Logger;
  readonly #transport: Transport;
  readonly #loaded: (t: RoutingTable) => void;
  readonly #abort = new AbortController();
  readonly #random: () => number;
  #urlIndex = 0;
  #connected = false;
  #lastError: string | null = null;
  #acks: Promise<void> = Promise.resolve();
  #loop: Promise<void> = Promise.resolve();
  #reporter: NodeJS.Timeout | undefined;
  #unsent: TargetReport[] = [];
  #lastReportAt = Date.now();
  #reporting = false;
  /** An early report is due (a quota allowance ran short, or a table arrived): at most one every EARLY_REPORT_MS. */
  #early: NodeJS.Timeout | undefined;
  #lastReportStart = 0;
  #closing: Promise<void> | undefined;
  /** Announce deltas=1 (false after an operator refused the parameter). */
  #deltas: boolean;
  /** A delta did not apply: the next connection asks for the whole snapshot (have=0). */
  #resync = false;

  constructor(opts: SyncClientOptions, log: Logger, transport: Transport, loaded: (t: RoutingTable) => void) {
    this.#opts = opts;
    this.#log = log;
    this.#transport = transport;
    this.#loaded = loaded;
    this.#random = opts.random ?? Math.random;
    this.#deltas = opts.deltas ?? true;
  }

  get #url(): string {
    return this.#opts.urls[this.#urlIndex % this.#opts.urls.length] ?? '';
  }

  status(): SyncClientStatus {
    return { connected: this.#connected, url: this.#url, version: this.#opts.holder.table?.version ?? null, lastError: this.#lastError };
  }

  start(): void {
    this.#loop = this.#run();
    this.#reporter = setInterval(() => void this.#report(), this.#opts.reportIntervalMs ?? 2_000);
    this.#reporter.unref();
    const allowance = this.#allowance;
    if (allowance !== null) allowance.onDemand = () => this.#reportSoon();
  }

  /**
   * Connects, streams, reconnects. After a stream that delivered something the same URL is tried again after a short
   * pause. A failed attempt moves on to the next URL at once; only when every URL failed in a row does the client
   * pause: for the Retry-After (capped) when an operator answered 503 with one — a follower or an operator shutting
   * down, which is no reason to slow down — otherwise for a jittered backoff that grows with each such full round.
   */
  async #run(): Promise<void> {
    const policy = this.#opts.backoff ?? DEFAULT_BACKOFF;
    let rounds = 0;
    let tried = 0;
    let retryAfter: number | undefined;
    while (!this.#abort.signal.aborted) {
      const outcome = await this.#streamOnce();
      if (this.#abort.signal.aborted) return;
      let delay = 0;
      if (outcome.received) {
        rounds = 0;
        tried = 0;
        retryAfter = undefined;
        delay = backoffDelay(0, policy, this.#random);
      } else {
        this.#urlIndex++;
        tried++;
        if (outcome.retryAfterMs !== undefined) retryAfter = Math.max(retryAfter ?? 100, Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS));
        if (tried >= this.#opts.urls.length) {
          delay = retryAfter ?? backoffDelay(rounds++, policy, this.#random);
          if (retryAfter !== undefined) rounds = 0;
          tried = 0;
          retryAfter = undefined;
        }
      }
      if (delay === 0) continue;
      try {
        await sleep(delay, undefined, { signal: this.#abort.signal });
      } catch {
        return;
      }
    }
  }

  /** One connection: `received` when it delivered at least one message (so the next attempt is not a failure). */
  async #streamOnce(): Promise<{ received: boolean; retryAfterMs?: number }> {
    const url = this.#url;
    const table = this.#resync ? null : this.#opts.holder.table;
    const query: Record<string, string> = { proxy: this.#opts.proxyId, have: String(table?.version ?? 0) };
    if (table !== null) query.hash = table.hash;
    const deltas = this.#deltas;
    if (deltas) query.deltas = '1';
    let received = false;
    let retryAfterMs: number | undefined;
    try {
      const stream = await this.#transport.openStream(url, query, this.#abort.signal);
      this.#connected = true;
      this.#lastError = null;
      this.#log.info({ url, have: table?.version ?? 0 }, 'connected to the operator');
      this.#resync = false;
      let resync = false;
      for await (const line of ndjsonLines(stream.body, this.#opts.maxLineBytes ?? 64 * 1024 * 1024)) {
        received = true;
        if (this.#handleLine(url, line) === 'resync') {
          resync = true;
          break;
        }
      }
      if (resync) this.#log.warn({ url }, 'a delta did not apply; reconnecting for the whole snapshot');
      else if (!this.#abort.signal.aborted) this.#log.warn({ url }, 'the operator closed the snapshot stream; reconnecting');
    } catch (err) {
      if (this.#abort.signal.aborted) return { received };
      this.#lastError = reason(err);
      if (err instanceof HttpStatusError && err.status === 503) retryAfterMs = err.retryAfterMs;
      if (err instanceof HttpStatusError && err.status === 400 && deltas) {
        // An operator older than deltas refuses the unknown query parameter: ask for snapshots only from now on.
        this.#deltas = false;
        this.#log.warn({ url }, 'the operator does not know table deltas; asking for snapshots only');
        return { received: true };
      }
      const level = err instanceof HttpStatusError && err.status === 401 ? 'error' : 'warn';
      this.#log[level]({ url, reason: this.#lastError, serving: this.#opts.holder.table?.version ?? null }, 'sync stream failed; keeping the table in use and retrying');
    } finally {
      this.#connected = false;
    }
    return retryAfterMs === undefined ? { received } : { received, retryAfterMs };
  }

  /** 'resync' when the stream must be reopened for a whole snapshot (a delta that did not apply). */
  #handleLine(url: string, line: string): 'resync' | undefined {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      const version = /"version":\s*(\d{1,15})/.exec(line.slice(0, 200))?.[1];
      this.#log.warn({ url, bytes: line.length }, 'garbled line on the snapshot stream');
      if (version !== undefined) this.#nack(url, Number(version), '', 'garbled snapshot line: not JSON (truncated?)');
      return;
    }
    if (typeof msg !== 'object' || msg === null || !('type' in msg)) return;
    if (msg.type === 'snapshot') this.#applySnapshot(url, msg);
    else if (msg.type === 'delta') return this.#applyDelta(url, msg);
    else if (msg.type !== 'heartbeat') this.#log.debug({ type: String(msg.type).slice(0, 40) }, 'unknown stream message ignored');
  }

  #applySnapshot(url: string, msg: object): void {
    const version = 'version' in msg && typeof msg.version === 'number' ? msg.version : -1;
    const hash = 'hash' in msg && typeof msg.hash === 'string' ? msg.hash.slice(0, 64) : '';
    const current = this.#opts.holder.table;
    if (current !== null && version < current.version) {
      this.#refuse(url, Math.max(version, 0), hash, `stale snapshot: version ${version} is older than version ${current.version} in use`);
      return;
    }
    if (current !== null && version === current.version && hash === current.hash) {
      this.#ack(url, { proxy: this.#opts.proxyId, version, hash, ok: true });
      return;
    }
    let table: RoutingTable;
    try {
      table = decodeSnapshot(msg);
      this.#opts.holder.load(table);
    } catch (err) {
      this.#refuse(url, Math.max(version, 0), hash, reason(err));
      return;
    }
    this.#accepted(url, table);
    // The first delta hashes the whole content: serialise the snapshot's objects now, off the path of the next change
    // (per-object canonical JSON is memoised, ADR 0024), rather than when that change arrives. contentHashOf feeds
    // the hash piece by piece: no 6 MB text of the whole content is assembled and kept.
    if (this.#deltas) setTimeout(() => void contentHashOf(table), 0).unref();
  }

  #accepted(url: string, table: RoutingTable): void {
    this.#loaded(table);
    this.#ack(url, { proxy: this.#opts.proxyId, version: table.version, hash: table.hash, ok: true });
    // A table with quotas needs this proxy's allowances: ask now rather than at the next interval.
    if (this.#allowance !== null && table.quotas.length > 0) this.#reportSoon();
  }

  /**
   * A delta: applied to the table in use, verified by the hash of the result, loaded (unchanged routes keep their
   * runtime form). One that does not apply is NACKed and asks for a resync; one that applies but cannot be loaded is
   * NACKed like a snapshot (the table in use stays; the next delta will not match and brings a snapshot).
   */
  #applyDelta(url: string, msg: object): 'resync' | undefined {
    const version = 'version' in msg && typeof msg.version === 'number' ? msg.version : -1;
    const hash = 'hash' in msg && typeof msg.hash === 'string' ? msg.hash.slice(0, 64) : '';
    let table: RoutingTable;
    try {
      table = decodeDelta(msg, this.#opts.holder.table);
    } catch (err) {
      this.#refuse(url, Math.max(version, 0), hash, reason(err));
      if (err instanceof SnapshotError) {
        this.#resync = true;
        return 'resync';
      }
      return undefined;
    }
    try {
      this.#opts.holder.load(table);
    } catch (err) {
      this.#refuse(url, Math.max(version, 0), hash, reason(err));
      return undefined;
    }
    this.#accepted(url, table);
    return undefined;
  }

  #refuse(url: string, version: number, hash: string, error: string): void {
    this.#opts.metrics?.tableLoadFailed();
    this.#log.error({ url, version, error, serving: this.#opts.holder.table?.version ?? null }, 'snapshot refused; keeping the table in use');
    this.#nack(url, version, hash, error);
  }

  #nack(url: string, version: number, hash: string, error: string): void {
    this.#ack(url, { proxy: this.#opts.proxyId, version, hash, ok: false, error });
  }

  /** ACKs and NACKs are sent in order, off the stream's path. */
  #ack(url: string, body: AckMessage): void {
    this.#acks = this.#acks.then(async () => {
      await this.#transport.post(url, SYNC_PATHS.acks, body);
    }).catch((err: unknown) => {
      this.#log.warn({ url, version: body.version, ok: body.ok, reason: reason(err) }, 'could not deliver the acknowledgement');
    });
  }

  get #allowance(): ClusterAllowance | null {
    const a = this.#opts.holder.quotaLedger.allowance;
    return a instanceof ClusterAllowance ? a : null;
  }

  /** Schedules an early report (quota allowances are renewed in its answer), at most one every EARLY_REPORT_MS. */
  #reportSoon(): void {
    if (this.#early !== undefined || this.#closing !== undefined) return;
    const wait = Math.max(0, this.#lastReportStart + EARLY_REPORT_MS - Date.now());
    this.#early = setTimeout(() => {
      this.#early = undefined;
      if (this.#reporting) this.#reportSoon();
      else void this.#report();
    }, wait);
    this.#early.unref();
  }

  /** `final`: the last report before the proxy stops (its quota allowances are given back). */
  async #report(final = false): Promise<void> {
    if (this.#reporting) return;
    this.#reporting = true;
    this.#lastReportStart = Date.now();
    const targets = mergeReports(this.#unsent, this.#opts.reportSource.drain());
    const allowance = this.#allowance;
    allowance?.check();
    const ledger = this.#opts.holder.quotaLedger;
    const usage = usageReports(ledger.usage(Date.now(), MAX_REPORT_SUBJECTS), allowance === null ? undefined : {
      capsOf: (q, w, start) => allowance.capsOf(q, w, start),
      wants: allowance.drainWants(),
      windows: () => allowance.windows(),
    });
    const now = Date.now();
    const body = {
      proxy: this.#opts.proxyId,
      version: this.#opts.holder.table?.version ?? 0,
      intervalMs: Math.min(86_400_000, Math.max(0, Math.round(now - this.#lastReportAt))),
      targets,
      usage,
      ...(final ? { final: true } : {}),
    };
    try {
      const reply = await this.#transport.post(this.#url, SYNC_PATHS.reports, body, 1);
      this.#unsent = [];
      this.#lastReportAt = now;
      if (allowance !== null && !final) this.#applyAllowances(allowance, reply);
    } catch (err) {
      this.#unsent = targets;
      this.#log.debug({ url: this.#url, reason: reason(err) }, 'report not delivered; its counts go with the next one');
    } finally {
      this.#reporting = false;
    }
  }

  #applyAllowances(allowance: ClusterAllowance, reply: unknown): void {
    const parsed = ReportReply.safeParse(reply ?? {});
    if (!parsed.success) {
      this.#log.warn({ url: this.#url }, 'the operator answered the report with allowances this proxy cannot read; keeping the last ones');
      return;
    }
    const a = parsed.data.allowances;
    if (a === undefined) return;
    allowance.apply({
      proxies: a.proxies,
      grants: a.grants.map((g) => ({ quota: g.quota, window: g.window, start: g.start, end: g.end, caps: metricFigures(g.caps), remaining: metricFigures(g.remaining) })),
    });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#reporter);
      clearTimeout(this.#early);
      this.#abort.abort();
      await this.#loop;
      await this.#acks;
      if (!this.#reporting) await Promise.race([this.#report(true), sleep(1_000, undefined, { ref: false })]);
    })();
    return this.#closing;
  }
}
