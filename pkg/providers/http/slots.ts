// Connection slots of one upstream pool: at most `size` requests hold a pooled connection at once (the pool's
// connection count, one request per connection), and a request that finds none free waits at most its
// poolAcquire timeout instead of queuing forever inside undici (catalogue B15). A timed-out wait is a pre-dispatch
// failure: nothing was sent, so the attempt loop may replay it anywhere (ADR 0023).
// The common case (a slot is free) is synchronous and allocates nothing; waiters are a FIFO.
import type { Dispatcher } from 'undici';
import { UpstreamFailureError } from '../types.ts';
import type { UpstreamFailure } from '../types.ts';

/** Used when a table carries no poolAcquire timeout. */
export const DEFAULT_POOL_ACQUIRE_MS = 30_000;

export const POOL_ACQUIRE_TIMEOUT: UpstreamFailure = {
  kind: 'timeout',
  message: 'No upstream connection became free in time.',
  delivery: 'pre-dispatch',
};

interface Waiter {
  readonly grant: () => void;
  done: boolean;
}

export class ConnectionSlots {
  readonly size: number;
  #used = 0;
  readonly #waiters: Waiter[] = [];
  #head = 0;

  /** release, bound once: a response body's 'close' listener without a closure per request. */
  readonly releaser = (): void => this.release();

  constructor(size: number) {
    this.size = size;
  }

  /** Slots taken now. */
  get inUse(): number {
    return this.#used;
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    let n = 0;
    for (let i = this.#head; i < this.#waiters.length; i++) if (!(this.#waiters[i] as Waiter).done) n++;
    return n;
  }

  /** Takes a slot when one is free; false otherwise (then call acquire). */
  tryAcquire(): boolean {
    if (this.#used >= this.size || this.#head < this.#waiters.length) return false;
    this.#used++;
    return true;
  }

  /**
   * Waits up to `timeoutMs` (0 = no limit) for a slot. Rejects with UpstreamFailureError(POOL_ACQUIRE_TIMEOUT) on
   * timeout and with the signal's reason when it aborts first; the slot is then not taken.
   */
  acquire(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        w.done = true;
        if (timer !== undefined) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const w: Waiter = {
        done: false,
        grant: () => {
          finish();
          resolve();
        },
      };
      const onAbort = (): void => {
        finish();
        reject(signal.reason as Error);
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          finish();
          reject(new UpstreamFailureError(POOL_ACQUIRE_TIMEOUT));
        }, timeoutMs);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(w);
    });
  }

  /** Gives a slot back: to the oldest live waiter, else to the pool. */
  release(): void {
    while (this.#head < this.#waiters.length) {
      const w = this.#waiters[this.#head] as Waiter;
      this.#head++;
      if (this.#head > 64 && this.#head * 2 > this.#waiters.length) {
        this.#waiters.splice(0, this.#head);
        this.#head = 0;
      }
      if (!w.done) {
        w.grant();
        return;
      }
    }
    if (this.#head > 0) {
      this.#waiters.length = 0;
      this.#head = 0;
    }
    if (this.#used > 0) this.#used--;
  }
}

const registry = new WeakMap<Dispatcher, ConnectionSlots>();

/** Attaches slots to a dispatcher (pools.ts does this for every pool it creates). */
export function attachSlots(dispatcher: Dispatcher, size: number): ConnectionSlots {
  const slots = new ConnectionSlots(size);
  registry.set(dispatcher, slots);
  return slots;
}

/** The slots of a dispatcher; undefined for one without (e.g. a test's own Agent): then there is no limit here. */
export function slotsOf(dispatcher: Dispatcher): ConnectionSlots | undefined {
  return registry.get(dispatcher);
}
