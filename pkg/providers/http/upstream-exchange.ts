// One upstream request as an undici dispatch handler that is also the response body the core iterates (issue 12):
// no RequestHandler/AsyncResource, no body Readable, no finished()/abort-listener helpers per request — the
// handler queues the chunks undici delivers and hands them to next(). Backpressure: past HIGH_WATER queued bytes the
// socket is paused, and resumed once the reader has taken the queue below half of it.
// Semantics kept from undici's request(): the head resolves at the response head (1xx skipped) or rejects with the
// mapped error (phase "head"); a body error rejects next() (phase "body"); the caller's signal aborts the request at
// any point and then its reason is what the caller sees; return() (a for-await left early) aborts the request
// (the connection is closed, never reused with unread bytes); dump() discards up to a limit and aborts past it.
// `onDone` runs exactly once, when the exchange is over (ended, failed, aborted or dumped).
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamResponse } from '../types.ts';
import { mapUpstreamError } from './errors.ts';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
/** Queued bytes past which the socket is paused until the reader catches up. */
const HIGH_WATER = 64 * 1024;

/** The reason a body left unread is aborted with (never seen by a client: the reader has gone). */
class BodyDiscarded extends Error {
  constructor() {
    super('the response body was discarded');
    this.name = 'BodyDiscarded';
  }
}

type HeadCallbacks = {
  readonly resolve: (r: UpstreamResponse) => void;
  readonly reject: (e: unknown) => void;
};

export class UpstreamExchange implements Dispatcher.DispatchHandler, AsyncIterableIterator<Uint8Array>, UpstreamResponse {
  status = 0;
  headers: UpstreamResponse['headers'] = {};
  readonly #signal: AbortSignal;
  readonly #onDone: (() => void) | null;
  #head: HeadCallbacks | null;
  #controller: Dispatcher.DispatchController | null = null;
  readonly #chunks: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: unknown = null;
  /** The exchange is over: the abort listener is gone and onDone ran. */
  #finished = false;
  /** The iteration is over (ended, failed once, returned or dumped): next() answers done. */
  #over = false;
  #wake: (() => void) | null = null;
  /** Set by dump(): bytes are discarded as they come; past the limit the request is aborted. */
  #dump: { limit: number; seen: number; resolve: () => void } | null = null;
  readonly #onAbort = (): void => {
    this.#controller?.abort(this.#signal.reason as Error);
  };

  constructor(signal: AbortSignal, onDone: (() => void) | null, head: HeadCallbacks) {
    this.#signal = signal;
    this.#onDone = onDone;
    this.#head = head;
    signal.addEventListener('abort', this.#onAbort);
  }

  get body(): AsyncIterable<Uint8Array> {
    return this;
  }

  // ---- undici's side ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Aborted while the request waited for a connection: there was no controller to abort then.
    if (this.#signal.aborted) controller.abort(this.#signal.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    const head = this.#head;
    this.#head = null;
    head?.resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const dump = this.#dump;
    if (dump !== null) {
      dump.seen += chunk.length;
      if (dump.seen > dump.limit) controller.abort(new BodyDiscarded());
      return;
    }
    this.#chunks.push(chunk);
    this.#queued += chunk.length;
    if (this.#queued >= HIGH_WATER && !controller.paused) controller.pause();
    this.#notify();
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    const head = this.#head;
    if (head !== null) {
      this.#head = null;
      this.#finish();
      head.reject(mapUpstreamError(err, this.#signal, 'head'));
      return;
    }
    this.#error = err;
    this.#finish();
  }

  #finish(): void {
    if (!this.#finished) {
      this.#finished = true;
      this.#signal.removeEventListener('abort', this.#onAbort);
      this.#onDone?.();
    }
    const dump = this.#dump;
    if (dump !== null) {
      this.#dump = null;
      dump.resolve();
    }
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake === null) return;
    this.#wake = null;
    wake();
  }

  // ---- the reader's side ----

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#over) return Promise.resolve(DONE);
    const chunk = this.#chunks.shift();
    if (chunk !== undefined) {
      this.#queued -= chunk.length;
      const c = this.#controller;
      if (c !== null && c.paused && this.#queued < HIGH_WATER / 2 && !this.#finished) c.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#error !== null) {
      this.#over = true;
      return Promise.reject(mapUpstreamError(this.#error, this.#signal, 'body'));
    }
    if (this.#ended) {
      this.#over = true;
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.#wake = () => {
        this.next().then(resolve, reject);
      };
    });
  }

  /** Leaving a for-await early: the rest of the body is not wanted, so the request is aborted (connection closed). */
  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (!this.#over) {
      this.#over = true;
      this.#discard();
      if (!this.#finished) this.#controller?.abort(new BodyDiscarded());
    }
    return Promise.resolve(DONE);
  }

  /** Releases the body without reading it: up to `limit` bytes are read and dropped (the connection stays reusable), past that the request is aborted. */
  dump(limit = 64 * 1024): Promise<void> {
    this.#over = true;
    const seen = this.#discard();
    if (this.#finished) return Promise.resolve();
    if (seen > limit) {
      this.#controller?.abort(new BodyDiscarded());
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#dump = { limit, seen, resolve };
      const c = this.#controller;
      if (c !== null && c.paused) c.resume();
    });
  }

  /** Drops the queued chunks; returns how many bytes they held. */
  #discard(): number {
    const seen = this.#queued;
    this.#chunks.length = 0;
    this.#queued = 0;
    return seen;
  }
}
