// Per-target load and latency on this proxy, for the latency and least-busy pickers (ADR 0021). In memory only.
//
// In flight: +1 when an attempt starts, -1 when it fails, when a non-stream answer has been read, or when a stream
// has been sent to its end (or cut). Latency: peak-EWMA of the time from an attempt's start to its first content
// (a stream's first content event; a non-stream answer's complete body), as in Finagle and Linkerd: a sample above
// the average replaces it at once (a slow target is avoided on its first slow answer), a sample below pulls it down
// with weight 1 - exp(-Δt/τ) (τ = 10 s: a recovered target earns traffic back within seconds). A failed attempt
// counts as a slow sample (twice the average, at least 1 s), so a target failing fast does not look fast.
//
// The stats of a target are keyed by its TargetHealth object — one per provider id and upstream model, kept across
// table loads and dropped with them (table-holder.ts retain) — through a WeakMap: no key string per request.
import type { RuntimeTarget } from '../runtime-table.ts';
import type { HealthSignals, TargetSignals } from './types.ts';

/** Decay constant of the EWMA, ms. */
export const EWMA_DECAY_MS = 10_000;
/** Smallest latency a failed attempt is recorded as, ms. */
export const FAILURE_PENALTY_MS = 1_000;

export class TargetStats {
  inFlight = 0;
  /** Peak-EWMA latency, ms; meaningful once `samples` > 0. */
  ewmaMs = 0;
  samples = 0;
  /** performance.now() of the last sample. */
  lastAt = 0;

  /** Records one latency sample taken at `nowMs` (a monotonic clock, ms). */
  observe(latencyMs: number, nowMs: number): void {
    const rtt = latencyMs > 0 && Number.isFinite(latencyMs) ? latencyMs : 0;
    if (this.samples === 0 || rtt > this.ewmaMs) {
      this.ewmaMs = rtt;
    } else {
      const w = Math.exp(-Math.max(0, nowMs - this.lastAt) / EWMA_DECAY_MS);
      this.ewmaMs = this.ewmaMs * w + rtt * (1 - w);
    }
    this.samples++;
    this.lastAt = nowMs;
  }

  /** Records a failed attempt as a slow sample. */
  observeFailure(latencyMs: number, nowMs: number): void {
    this.observe(Math.max(latencyMs, this.samples > 0 ? 2 * this.ewmaMs : 0, FAILURE_PENALTY_MS), nowMs);
  }
}

/** No health source: nothing is ejected or saturated (standalone before 11b's detectors are wired). */
export const NO_HEALTH: HealthSignals = {
  ejected: () => false,
  saturated: () => false,
  anyEjected: () => false,
};

/** The proxy's TargetSignals: its own in-flight and latency stats, ejection and saturation from `health`. */
export class ProxySignals implements TargetSignals {
  readonly #stats = new WeakMap<object, TargetStats>();
  health: HealthSignals;

  constructor(health: HealthSignals = NO_HEALTH) {
    this.health = health;
  }

  /** The target's stats, created on first use. */
  stats(t: RuntimeTarget): TargetStats {
    let s = this.#stats.get(t.health);
    if (s === undefined) {
      s = new TargetStats();
      this.#stats.set(t.health, s);
    }
    return s;
  }

  inFlight(t: RuntimeTarget): number {
    return this.#stats.get(t.health)?.inFlight ?? 0;
  }

  latencyEwmaMs(t: RuntimeTarget): number | null {
    const s = this.#stats.get(t.health);
    return s === undefined || s.samples === 0 ? null : s.ewmaMs;
  }

  ejected(t: RuntimeTarget): boolean {
    return this.health.ejected(t);
  }

  saturated(t: RuntimeTarget): boolean {
    return this.health.saturated(t);
  }

  anyEjected(): boolean {
    return this.health.anyEjected();
  }

  /** An attempt on `t` starts: one more in flight. */
  begin(t: RuntimeTarget): TargetStats {
    const s = this.stats(t);
    s.inFlight++;
    return s;
  }
}

/** Ends what `begin` started (once): one fewer in flight. */
export function release(s: TargetStats): void {
  if (s.inFlight > 0) s.inFlight--;
}
