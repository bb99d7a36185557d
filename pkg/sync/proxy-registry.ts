// What the sync server knows about each proxy: its open stream, the version it serves (acknowledged, or announced
// when it connected), its last ACK/NACK and when it was last heard from. Disconnected proxies stay listed for a
// while (status and "acknowledged by N/M proxies" need them), then are forgotten.
import type { AckMessage, SnapshotQuery } from './protocol.ts';
import type { SnapshotStream } from './stream.ts';

export interface ProxyState {
  readonly id: string;
  /** Who the token belongs to (e.g. system:serviceaccount:ns:name). */
  readonly identity: string;
  readonly connected: boolean;
  /** Version the proxy serves: its last successful ACK, or what it announced when it connected (0 = none). */
  readonly version: number;
  /** Hash of that version ('' when unknown). */
  readonly hash: string;
  /** Whether the last snapshot it was sent was accepted. */
  readonly lastAckOk: boolean;
  /** The last NACK's reason, until a later ACK. */
  readonly lastError?: string;
  /** Epoch ms of the last call from the proxy (connect, ACK, report) or of its disconnection. */
  readonly lastSeenMs: number;
}

interface ProxyRecord {
  id: string;
  identity: string;
  stream: SnapshotStream | null;
  version: number;
  hash: string;
  lastAckOk: boolean;
  lastError: string | undefined;
  lastSeenMs: number;
}

export class ProxyRegistry {
  readonly #records = new Map<string, ProxyRecord>();
  readonly #clock: () => number;

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  #get(id: string, identity: string): ProxyRecord {
    let rec = this.#records.get(id);
    if (rec === undefined) {
      rec = { id, identity, stream: null, version: 0, hash: '', lastAckOk: true, lastError: undefined, lastSeenMs: this.#clock() };
      this.#records.set(id, rec);
    }
    rec.identity = identity;
    rec.lastSeenMs = this.#clock();
    return rec;
  }

  /** Records a new stream; returns the proxy's previous stream, which the caller ends. */
  connect(q: SnapshotQuery, identity: string, stream: SnapshotStream, latest: { version: number; hash: string } | null): SnapshotStream | null {
    const rec = this.#get(q.proxy, identity);
    const previous = rec.stream;
    rec.stream = stream;
    rec.version = q.have ?? 0;
    rec.hash = q.hash ?? (latest !== null && latest.version === rec.version ? latest.hash : '');
    if (latest !== null && latest.version === rec.version && latest.hash === rec.hash) {
      rec.lastAckOk = true;
      rec.lastError = undefined;
    }
    return previous === stream ? null : previous;
  }

  /** The stream ended; the proxy is disconnected unless a newer stream replaced this one. */
  disconnect(stream: SnapshotStream): boolean {
    const rec = this.#records.get(stream.proxy);
    if (rec === undefined || rec.stream !== stream) return false;
    rec.stream = null;
    rec.lastSeenMs = this.#clock();
    return true;
  }

  ack(msg: AckMessage, identity: string): ProxyState {
    const rec = this.#get(msg.proxy, identity);
    if (msg.ok) {
      if (msg.version >= rec.version) {
        rec.version = msg.version;
        rec.hash = msg.hash;
      }
      rec.lastAckOk = true;
      rec.lastError = undefined;
    } else {
      rec.lastAckOk = false;
      rec.lastError = msg.error ?? 'rejected without a reason';
    }
    return snapshot(rec);
  }

  seen(id: string, identity: string): void {
    this.#get(id, identity);
  }

  streams(): SnapshotStream[] {
    const out: SnapshotStream[] = [];
    for (const rec of this.#records.values()) if (rec.stream !== null) out.push(rec.stream);
    return out;
  }

  /** Drops proxies disconnected (or silent) for longer than `afterMs`. */
  forget(afterMs: number): void {
    const cutoff = this.#clock() - afterMs;
    for (const [id, rec] of this.#records) {
      if (rec.stream === null && rec.lastSeenMs < cutoff) this.#records.delete(id);
    }
  }

  list(): ProxyState[] {
    return [...this.#records.values()].map(snapshot).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

function snapshot(rec: ProxyRecord): ProxyState {
  const base = {
    id: rec.id, identity: rec.identity, connected: rec.stream !== null, version: rec.version, hash: rec.hash,
    lastAckOk: rec.lastAckOk, lastSeenMs: rec.lastSeenMs,
  };
  return rec.lastError === undefined ? base : { ...base, lastError: rec.lastError };
}
