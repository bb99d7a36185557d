// The operator's side of the sync protocol (design §5): snapshot streams to proxies, ACK/NACK and reports.
// register(app) adds the /sync/v1/* routes to the operator's Fastify app. Only the leader streams: a follower answers
// 503 {reason:'not leader'} and, on losing leadership, ends open streams so proxies reconnect (to the new leader).
// Every route authenticates before the body is read. Table data and tokens never reach the logs.
// Deltas (ADR 0024): a proxy that connects with deltas=1 gets, for each new version, the changes from the version the
// stream last carried to it when that version is one of the few kept in a small ring (and the change is small), and
// the whole snapshot otherwise (too far behind, unknown base, a stream backed up, a large change).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RoutingTable, TableQuota } from '../table/types.ts';
import type { SyncAuth } from './auth.ts';
import { contentHashOf } from '../compiler/content-json.ts';
import { sha256Hex } from '../compiler/hash.ts';
import { computeDelta, deltaSize } from './delta.ts';
import {
  AckMessage, NDJSON, ReportMessage, SYNC_PATHS, SnapshotQuery, encodeDelta, encodeSnapshot, ndjsonLine,
} from './protocol.ts';
import type { ReportReply } from './protocol.ts';
import { ProxyRegistry } from './proxy-registry.ts';
import type { ProxyState } from './proxy-registry.ts';
import { SnapshotStream } from './stream.ts';

export type { ProxyState } from './proxy-registry.ts';

export interface SyncServerOptions {
  readonly auth: SyncAuth;
  readonly logger: Logger;
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
  /** Start as the leader. Default false: setLeader(true) once the lease is held. */
  readonly leader?: boolean;
  /** Heartbeat period on every stream. Default 5 s. */
  readonly heartbeatMs?: number;
  /** A stream whose socket has not drained for this long is cut. Default 60 s. */
  readonly stalledStreamMs?: number;
  /** Disconnected proxies stay in proxies() this long. Default 10 min. */
  readonly forgetAfterMs?: number;
  /** Body limits. Defaults: ACK 16 KiB, report 4 MiB. */
  readonly maxAckBytes?: number;
  readonly maxReportBytes?: number;
  /** Versions kept to compute deltas from (ADR 0024). Default 4; 0 sends snapshots only. */
  readonly deltaRing?: number;
}

export type AckListener = (ack: AckMessage, state: ProxyState) => void;
export type ReportListener = (report: ReportMessage, identity: string) => void;
/** Computes the answer to a report (the proxy's quota allowances); undefined answers 204. */
export type ReportResponder = (report: ReportMessage, identity: string) => ReportReply | undefined;

export interface SyncServer {
  /** Adds GET /sync/v1/snapshots, POST /sync/v1/acks and POST /sync/v1/reports to `app`. */
  register(app: FastifyInstance): void;
  /**
   * Sends `table` to every connected proxy (leader only). Throws on a version lower than the last one published.
   * `contentJSON`, when given, is the table's canonical content JSON (compile() returns it): it is sent as is after
   * its sha256 is checked against `table.hash`, instead of serialising the table again.
   */
  publish(table: RoutingTable, contentJSON?: string): void;
  setLeader(leader: boolean): void;
  readonly leader: boolean;
  /** The quotas of the table last published (what the proxies enforce). */
  readonly latestQuotas: readonly TableQuota[];
  /** Version and hash last published, or null. */
  readonly latest: { readonly version: number; readonly hash: string } | null;
  proxies(): ProxyState[];
  /** Returns an unsubscribe function. */
  onAck(cb: AckListener): () => void;
  onReport(cb: ReportListener): () => void;
  /** Sets what answers each report (after the listeners ran). */
  respondToReports(fn: ReportResponder): void;
  /** Ends every stream and stops the timers; later calls are answered 503. */
  close(): void;
}

/** A published version: the table (kept for deltas while in the ring), its snapshot line and delta lines, built lazily. */
class Published {
  readonly version: number;
  readonly hash: string;
  readonly table: RoutingTable;
  readonly quotas: readonly TableQuota[];
  #contentJSON: string | undefined;
  #line: string | null = null;
  /** Delta line by base version; null = the change is too large for a delta (send the snapshot). */
  readonly #deltas = new Map<number, string | null>();

  constructor(table: RoutingTable, contentJSON: string | undefined) {
    this.version = table.version;
    this.hash = table.hash;
    this.table = table;
    this.quotas = table.quotas;
    this.#contentJSON = contentJSON;
  }

  /** The snapshot line (encoded on first use: a version every proxy takes as a delta is never encoded whole). */
  get line(): string {
    if (this.#line === null) {
      this.#line = ndjsonLine(encodeSnapshot(this.table, this.#contentJSON));
      this.#contentJSON = undefined;
    }
    return this.#line;
  }

  /**
   * Checks the content against the hash now, so a publisher bug throws from publish() as it always did. Without a
   * content text this is contentHashOf (per-object JSON memoised, and the hash itself remembered per content: free for
   * the table compile() just hashed, ADR 0024); with one, a sha256 of that text.
   */
  verify(): void {
    const hash = this.#contentJSON === undefined ? contentHashOf(this.table) : sha256Hex(this.#contentJSON);
    if (hash !== this.hash) throw new Error(`table version ${this.version}: hash does not match its content`);
  }

  /** The delta line from `base`, or null when a snapshot is the better message. */
  deltaFrom(base: Published): string | null {
    let line = this.#deltas.get(base.version);
    if (line === undefined) {
      const delta = computeDelta(base.table, this.table);
      // A delta touching more than a quarter of the routes (and at least 256 objects) costs about as much as the table.
      const large = deltaSize(delta) > Math.max(256, this.table.routes.length / 4);
      line = large ? null : ndjsonLine(encodeDelta(base, this.table, delta));
      this.#deltas.set(base.version, line);
    }
    return line;
  }

  /** Drops what only served as the newest version (an older ring entry is only a delta base). */
  retire(): void {
    this.#line = null;
    this.#contentJSON = undefined;
    this.#deltas.clear();
  }
}

/** What a stream has been sent (or has queued): the version the proxy will serve if it takes every message. */
interface StreamState {
  readonly deltas: boolean;
  version: number;
  hash: string;
}

function bearer(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S{1,8192})\s*$/i.exec(header);
  return m?.[1] ?? null;
}

function emit<A extends unknown[]>(log: Logger, listeners: Set<(...args: A) => void>, ...args: A): void {
  for (const cb of listeners) {
    try {
      cb(...args);
    } catch (err) {
      log.error({ reason: err instanceof Error ? err.message : 'unknown' }, 'sync listener failed');
    }
  }
}

function badRequest(reply: FastifyReply, issues: readonly { path: readonly PropertyKey[]; message: string }[]): FastifyReply {
  const detail = issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  return reply.code(400).send({ error: 'invalid body', detail });
}

export function createSyncServer(opts: SyncServerOptions): SyncServer {
  return new SyncServerImpl(opts);
}

class SyncServerImpl implements SyncServer {
  readonly #opts: SyncServerOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #registry: ProxyRegistry;
  readonly #ackListeners = new Set<AckListener>();
  readonly #reportListeners = new Set<ReportListener>();
  #responder: ReportResponder | undefined;
  readonly #identities = new WeakMap<FastifyRequest, string>();
  readonly #timer: NodeJS.Timeout;
  #leader: boolean;
  #closed = false;
  /** Recent versions, oldest first; the last is the latest. */
  #ring: Published[] = [];
  readonly #streams = new WeakMap<SnapshotStream, StreamState>();

  constructor(opts: SyncServerOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'sync' });
    this.#clock = opts.clock ?? Date.now;
    this.#registry = new ProxyRegistry(this.#clock);
    this.#leader = opts.leader ?? false;
    this.#timer = setInterval(() => this.#tick(), opts.heartbeatMs ?? 5_000);
    this.#timer.unref();
  }

  register(app: FastifyInstance): void {
    const onRequest = this.#authenticate;
    app.get(SYNC_PATHS.snapshots, { onRequest }, this.#openStream);
    app.post(SYNC_PATHS.acks, { onRequest, bodyLimit: this.#opts.maxAckBytes ?? 16 * 1024 }, this.#receiveAck);
    app.post(SYNC_PATHS.reports, { onRequest, bodyLimit: this.#opts.maxReportBytes ?? 4 * 1024 * 1024 }, this.#receiveReport);
  }

  publish(table: RoutingTable, contentJSON?: string): void {
    if (this.#closed) return;
    if (!this.#leader) {
      this.#log.warn({ version: table.version }, 'not the leader: table not published');
      return;
    }
    const latest = this.#latest;
    if (latest !== null && table.version < latest.version) {
      throw new Error(`refusing to publish version ${table.version}: version ${latest.version} was already published`);
    }
    if (latest !== null && table.version === latest.version && table.hash === latest.hash) return;
    const next = new Published(table, contentJSON);
    const size = this.#opts.deltaRing ?? 4;
    next.verify();
    const streams = this.#registry.streams();
    latest?.retire();
    this.#ring = [...this.#ring.filter((p) => p.version < next.version), next].slice(-Math.max(1, size));
    let deltas = 0;
    for (const s of streams) if (this.#sendVersion(s, next)) deltas++;
    this.#log.info({ version: table.version, hash: table.hash.slice(0, 12), proxies: streams.length, deltas }, 'routing table published');
  }

  get #latest(): Published | null {
    return this.#ring.at(-1) ?? null;
  }

  /** Sends `next` to one stream: a delta when it can, else the snapshot. True when a delta was sent. */
  #sendVersion(stream: SnapshotStream, next: Published): boolean {
    const st = this.#streams.get(stream);
    let line: string | null = null;
    // A backed-up stream gets the snapshot: its queued message is replaced by the newest, which must stand alone.
    if (st?.deltas === true && stream.stalledMs() === 0 && st.version < next.version) {
      const base = this.#ring.find((p) => p.version === st.version && p.hash === st.hash);
      if (base !== undefined && base !== next) line = next.deltaFrom(base);
    }
    const delta = line !== null;
    stream.sendSnapshot(line ?? next.line);
    if (st !== undefined) {
      st.version = next.version;
      st.hash = next.hash;
    }
    return delta;
  }

  setLeader(next: boolean): void {
    if (next === this.#leader) return;
    this.#leader = next;
    this.#log.info({ leader: next }, next ? 'sync server is the leader: streaming' : 'sync server lost leadership: closing streams');
    if (!next) {
      this.#ring = [];
      this.#endStreams();
    }
  }

  get leader(): boolean {
    return this.#leader;
  }

  get latestQuotas(): readonly TableQuota[] {
    return this.#latest?.quotas ?? [];
  }

  get latest(): { version: number; hash: string } | null {
    return this.#latest === null ? null : { version: this.#latest.version, hash: this.#latest.hash };
  }

  proxies(): ProxyState[] {
    return this.#registry.list();
  }

  onAck(cb: AckListener): () => void {
    this.#ackListeners.add(cb);
    return () => this.#ackListeners.delete(cb);
  }

  onReport(cb: ReportListener): () => void {
    this.#reportListeners.add(cb);
    return () => this.#reportListeners.delete(cb);
  }

  respondToReports(fn: ReportResponder): void {
    this.#responder = fn;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#endStreams();
  }

  #endStreams(): void {
    for (const s of this.#registry.streams()) s.end();
  }

  #tick(): void {
    const stalledAfter = this.#opts.stalledStreamMs ?? 60_000;
    const heartbeat = ndjsonLine({ type: 'heartbeat', version: this.#latest?.version ?? 0 });
    for (const s of this.#registry.streams()) {
      if (s.stalledMs() > stalledAfter) {
        this.#log.warn({ proxy: s.proxy, stalledMs: s.stalledMs() }, 'proxy is not reading its snapshot stream; closing it');
        s.destroy();
      } else {
        s.sendHeartbeat(heartbeat);
      }
    }
    this.#registry.forget(this.#opts.forgetAfterMs ?? 600_000);
  }

  #unavailable(reply: FastifyReply): FastifyReply {
    return reply.code(503).header('retry-after', '1').send({ reason: this.#closed ? 'shutting down' : 'not leader' });
  }

  readonly #authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const token = bearer(req.headers.authorization);
    let identity: string | null;
    try {
      identity = token === null ? null : await this.#opts.auth.verify(token);
    } catch (err) {
      this.#log.warn({ reason: err instanceof Error ? err.message : 'unknown', remote: req.ip }, 'sync authentication unavailable');
      return reply.code(503).send({ error: 'authentication unavailable' });
    }
    if (identity === null) {
      this.#log.warn({ remote: req.ip, path: req.routeOptions.url, tokenPresent: token !== null }, 'sync call refused: bad or missing token');
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
    }
    this.#identities.set(req, identity);
    return undefined;
  };

  readonly #openStream = (req: FastifyRequest, reply: FastifyReply): void => {
    const q = SnapshotQuery.safeParse(req.query);
    if (!q.success) {
      badRequest(reply, q.error.issues);
      return;
    }
    if (!this.#leader || this.#closed) {
      this.#unavailable(reply);
      return;
    }
    const identity = this.#identities.get(req) ?? 'unknown';
    reply.hijack();
    const res = reply.raw;
    req.raw.socket.setNoDelay(true);
    req.raw.socket.setKeepAlive(true, 30_000);
    res.writeHead(200, { 'content-type': NDJSON, 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const stream = new SnapshotStream(q.data.proxy, res, this.#clock);
    const latest = this.#latest;
    this.#streams.set(stream, { deltas: q.data.deltas === '1', version: q.data.have ?? 0, hash: q.data.hash ?? '' });
    this.#registry.connect(q.data, identity, stream, latest)?.end();
    res.once('close', () => {
      if (this.#registry.disconnect(stream)) this.#log.info({ proxy: stream.proxy }, 'proxy disconnected');
    });
    this.#log.info({ proxy: q.data.proxy, identity, have: q.data.have ?? 0, latest: latest?.version ?? 0, deltas: q.data.deltas === '1' }, 'proxy connected');
    if (latest !== null && (q.data.have !== latest.version || (q.data.hash !== undefined && q.data.hash !== latest.hash))) {
      const st = this.#streams.get(stream);
      // A proxy that connects without its hash cannot be given a delta (its base is unproven).
      if (st !== undefined && q.data.hash === undefined) st.hash = '';
      this.#sendVersion(stream, latest);
    } else {
      stream.sendHeartbeat(ndjsonLine({ type: 'heartbeat', version: latest?.version ?? 0 }));
    }
  };

  readonly #receiveAck = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (!this.#leader || this.#closed) return this.#unavailable(reply);
    const parsed = AckMessage.safeParse(req.body);
    if (!parsed.success) return badRequest(reply, parsed.error.issues);
    const ack = parsed.data;
    const state = this.#registry.ack(ack, this.#identities.get(req) ?? 'unknown');
    if (ack.ok) this.#log.debug({ proxy: ack.proxy, version: ack.version }, 'proxy acknowledged');
    else this.#log.warn({ proxy: ack.proxy, version: ack.version, error: ack.error }, 'proxy refused a snapshot (NACK)');
    emit(this.#log, this.#ackListeners, ack, state);
    return reply.code(204).send();
  };

  readonly #receiveReport = (req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (!this.#leader || this.#closed) return this.#unavailable(reply);
    const parsed = ReportMessage.safeParse(req.body);
    if (!parsed.success) return badRequest(reply, parsed.error.issues);
    const identity = this.#identities.get(req) ?? 'unknown';
    this.#registry.seen(parsed.data.proxy, identity);
    emit(this.#log, this.#reportListeners, parsed.data, identity);
    let answer: ReportReply | undefined;
    try {
      answer = this.#responder?.(parsed.data, identity);
    } catch (err) {
      this.#log.error({ proxy: parsed.data.proxy, err }, 'could not compute the proxy\'s quota allowances; it keeps its last ones');
    }
    return answer === undefined ? reply.code(204).send() : reply.code(200).send(answer);
  };
}
