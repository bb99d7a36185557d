// One open snapshot stream to a proxy, with back-pressure: while the socket is not draining, a newer snapshot
// replaces the queued one (a slow proxy gets the latest table next, never a backlog of tables), and heartbeats are
// skipped. A stream stalled for too long is destroyed so the proxy reconnects.
import type { ServerResponse } from 'node:http';

export class SnapshotStream {
  readonly proxy: string;
  readonly #res: ServerResponse;
  readonly #clock: () => number;
  #blockedSince: number | null = null;
  #pending: string | null = null;
  #closed = false;

  constructor(proxy: string, res: ServerResponse, clock: () => number) {
    this.proxy = proxy;
    this.#res = res;
    this.#clock = clock;
    res.once('close', () => {
      this.#closed = true;
      this.#pending = null;
    });
  }

  get closed(): boolean {
    return this.#closed || this.#res.destroyed;
  }

  /** ms the socket has been refusing writes, or 0. */
  stalledMs(): number {
    return this.#blockedSince === null ? 0 : this.#clock() - this.#blockedSince;
  }

  /** A snapshot line: written now, or queued in place of any snapshot already waiting. */
  sendSnapshot(line: string): void {
    if (this.closed) return;
    if (this.#blockedSince !== null) {
      this.#pending = line;
      return;
    }
    this.#write(line);
  }

  /** A heartbeat line: written only when the socket is draining (a backed-up stream needs no heartbeat). */
  sendHeartbeat(line: string): void {
    if (this.closed || this.#blockedSince !== null) return;
    this.#write(line);
  }

  #write(line: string): void {
    if (this.#res.write(line)) return;
    this.#blockedSince = this.#clock();
    this.#res.once('drain', () => {
      this.#blockedSince = null;
      const next = this.#pending;
      this.#pending = null;
      if (next !== null) this.sendSnapshot(next);
    });
  }

  /** Ends the stream politely (the proxy sees a clean end and reconnects). */
  end(): void {
    if (this.closed) return;
    this.#closed = true;
    this.#pending = null;
    this.#res.end();
  }

  /** Cuts the connection (stalled peer). */
  destroy(): void {
    this.#closed = true;
    this.#pending = null;
    this.#res.destroy();
  }
}
