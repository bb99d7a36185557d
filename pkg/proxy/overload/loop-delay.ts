// Event-loop delay, measured in the background (perf_hooks.monitorEventLoopDelay): every `windowMs` the 99th
// percentile of the window just ended is compared with the limit, and `overloaded` holds the verdict until the next
// window. The request path reads one boolean; nothing is measured or allocated per request.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopDelaySource {
  /** True while the last window's p99 event-loop delay was over the limit. */
  readonly overloaded: boolean;
}

export class LoopDelayMonitor implements LoopDelaySource {
  overloaded = false;
  /** p99 of the last finished window, in ms (for logs and tests). */
  lastP99Ms = 0;
  readonly #limitMs: number;
  readonly #histogram: ReturnType<typeof monitorEventLoopDelay>;
  readonly #timer: NodeJS.Timeout;

  constructor(limitMs: number, windowMs = 1000) {
    this.#limitMs = limitMs;
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#sample(), windowMs);
    this.#timer.unref();
  }

  #sample(): void {
    const h = this.#histogram;
    this.lastP99Ms = h.count > 0 ? h.percentile(99) / 1e6 : 0;
    this.overloaded = this.lastP99Ms > this.#limitMs;
    h.reset();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
    this.overloaded = false;
  }
}
