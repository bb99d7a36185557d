// An undici response body as the AsyncIterable the core reads, without an async-generator hop: the same read()/
// 'readable' loop as Node's own Readable iterator (so chunk boundaries and end-of-stream are the same), written as a
// plain iterator object that maps body errors (UpstreamFailureError, phase "body") itself. Breaking out of a
// for-await (or return()) destroys the body, as Node's iterator does.
import { finished } from 'node:stream';
import type { Readable } from 'node:stream';
import { mapUpstreamError } from './errors.ts';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

export class UpstreamBody implements AsyncIterableIterator<Uint8Array> {
  readonly #raw: Readable;
  readonly #signal: AbortSignal;
  /** Set once the body ended, failed or closed early (then #error holds the cause). */
  #finished = false;
  #error: unknown = null;
  /** The iteration is over (ended, failed once, or returned): next() answers done. */
  #over = false;
  #wake: (() => void) | null = null;
  #started = false;

  constructor(raw: Readable, signal: AbortSignal) {
    this.#raw = raw;
    this.#signal = signal;
  }

  /** Listens from the first next() on, as Node's iterator does (a body never iterated can still be dumped). */
  #start(): void {
    this.#started = true;
    const raw = this.#raw;
    raw.on('readable', () => this.#notify());
    finished(raw, { writable: false }, (err) => {
      this.#finished = true;
      this.#error = err ?? null;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake === null) return;
    this.#wake = null;
    wake();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (this.#over) return Promise.resolve(DONE);
    if (!this.#started) this.#start();
    const raw = this.#raw;
    const chunk = raw.destroyed ? null : raw.read() as Uint8Array | null;
    if (chunk !== null) return Promise.resolve({ done: false, value: chunk });
    if (this.#error !== null) {
      this.#over = true;
      raw.destroy();
      return Promise.reject(mapUpstreamError(this.#error, this.#signal, 'body'));
    }
    if (this.#finished) {
      this.#over = true;
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.#wake = () => {
        this.next().then(resolve, reject);
      };
    });
  }

  return(): Promise<IteratorResult<Uint8Array, undefined>> {
    if (!this.#over) {
      this.#over = true;
      if (!this.#finished) this.#raw.destroy();
    }
    return Promise.resolve(DONE);
  }
}
