// Local outlier detection for one target (provider + upstream model) on this proxy, driven by real traffic only:
//   healthy    failures are counted (in a row, and in a sliding error-rate window); a trigger ejects the target,
//              unless the route cap refuses (maxEjectedPercent, checked by the caller through `mayEject`).
//   ejected    skipped by the pickers until `ejectedUntil`.
//   half-open  the ejection time has passed: the next attempt that starts is the probe (one at a time); others
//              keep skipping the target while it is in flight.
//   probing    the probe's success restores the target; its failure ejects it again for twice as long (capped).
// A flapping target (ejected again within maxEjection of being restored) also gets the doubled time. Pure apart
// from the clock values passed in: no timers, nothing but memory.
import type { TableOutlierDetection } from '../../table/types.ts';

export type OutlierPhase = 'healthy' | 'ejected' | 'half-open' | 'probing';
export type EjectReason = 'consecutive-failures' | 'error-rate';

/** Buckets of the error-rate window. */
const BUCKETS = 10;

export class OutlierState {
  /** Failures in a row since the last success. */
  consecutive = 0;
  ejected = false;
  /** Epoch ms the current ejection ends (then half-open). */
  ejectedUntil = 0;
  /** Epoch ms the current ejection began. */
  ejectedAt = 0;
  /** Ejections in a row: the next one lasts base × 2^level (capped). */
  level = 0;
  /** Epoch ms of the last restore; -Infinity before any. */
  restoredAt = -Infinity;
  /** Epoch ms the probe in flight started; -1 = none. */
  probeAt = -1;
  reason: EjectReason | null = null;
  /** Total ejections of this target on this proxy. */
  ejections = 0;
  /** A trigger fired but the route cap refused the ejection (until the next success or ejection). */
  capped = false;
  // Error-rate window: bucket i covers [epoch_i, epoch_i + width); counts are reset when a bucket is reused.
  readonly #requests = new Uint32Array(BUCKETS);
  readonly #failures = new Uint32Array(BUCKETS);
  readonly #epochs = new Float64Array(BUCKETS).fill(-1);

  /** Records one attempt in the error-rate window. */
  count(failed: boolean, now: number, windowMs: number): void {
    const width = Math.max(1, windowMs / BUCKETS);
    const epoch = Math.floor(now / width);
    const i = epoch % BUCKETS;
    if (this.#epochs[i] !== epoch) {
      this.#epochs[i] = epoch;
      this.#requests[i] = 0;
      this.#failures[i] = 0;
    }
    this.#requests[i] = (this.#requests[i] as number) + 1;
    if (failed) this.#failures[i] = (this.#failures[i] as number) + 1;
  }

  /** Attempts and failures in the window ending now. */
  window(now: number, windowMs: number): { requests: number; failures: number } {
    const width = Math.max(1, windowMs / BUCKETS);
    const current = Math.floor(now / width);
    let requests = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const e = this.#epochs[i] as number;
      if (e < 0 || e > current || current - e >= BUCKETS) continue;
      requests += this.#requests[i] as number;
      failures += this.#failures[i] as number;
    }
    return { requests, failures };
  }

  resetWindow(): void {
    this.#epochs.fill(-1);
  }
}

/** A probe that never reports (it cannot: every attempt ends) is given up after this long, as a safety net. */
export function probeTimeoutMs(cfg: TableOutlierDetection): number {
  return Math.max(cfg.baseEjectionMs, 10_000);
}

function probeActive(s: OutlierState, cfg: TableOutlierDetection, now: number): boolean {
  return s.probeAt >= 0 && now - s.probeAt < probeTimeoutMs(cfg);
}

export function phaseOf(s: OutlierState, cfg: TableOutlierDetection, now: number): OutlierPhase {
  if (!s.ejected) return 'healthy';
  if (now < s.ejectedUntil) return 'ejected';
  return probeActive(s, cfg, now) ? 'probing' : 'half-open';
}

/** Whether the pickers must skip the target now: ejected, or half-open with its probe in flight. */
export function isEjected(s: OutlierState, cfg: TableOutlierDetection, now: number): boolean {
  return s.ejected && (now < s.ejectedUntil || probeActive(s, cfg, now));
}

/** An attempt starts: true when it is the half-open target's probe (it then holds the probe slot). */
export function beginAttempt(s: OutlierState, cfg: TableOutlierDetection, now: number): boolean {
  if (!s.ejected || now < s.ejectedUntil || probeActive(s, cfg, now)) return false;
  s.probeAt = now;
  return true;
}

/** Duration of the ejection at `level` (1 = first): base × 2^(level-1), at most max. */
export function ejectionMs(cfg: TableOutlierDetection, level: number): number {
  return Math.min(cfg.maxEjectionMs, cfg.baseEjectionMs * 2 ** Math.min(30, Math.max(0, level - 1)));
}

function eject(s: OutlierState, cfg: TableOutlierDetection, now: number, level: number, reason: EjectReason): void {
  s.ejected = true;
  s.level = level;
  s.ejectedAt = now;
  s.ejectedUntil = now + ejectionMs(cfg, level);
  s.reason = reason;
  s.probeAt = -1;
  s.consecutive = 0;
  s.capped = false;
  s.ejections++;
  s.resetWindow();
}

export type Transition = 'ejected' | 'reejected' | 'restored' | 'capped' | null;

/**
 * A successful attempt that started at `startedAt`. It restores an ejected target when it is the probe, or when it was
 * sent after the ejection began (the pickers used the target anyway: nothing else was left); an answer to a request
 * sent before the ejection does not.
 */
export function recordSuccess(s: OutlierState, cfg: TableOutlierDetection, now: number, probe: boolean, startedAt: number): Transition {
  s.consecutive = 0;
  s.capped = false;
  if (cfg.errorRate !== undefined) s.count(false, now, cfg.errorRate.windowMs);
  if (probe) s.probeAt = -1;
  if (!s.ejected || !(probe || startedAt >= s.ejectedAt)) return null;
  s.ejected = false;
  s.probeAt = -1;
  s.restoredAt = now;
  s.reason = null;
  return 'restored';
}

/** Which trigger a failure just fired, if any. */
function trigger(s: OutlierState, cfg: TableOutlierDetection, now: number): EjectReason | null {
  if (cfg.consecutiveFailures > 0 && s.consecutive >= cfg.consecutiveFailures) return 'consecutive-failures';
  const er = cfg.errorRate;
  if (er !== undefined) {
    const w = s.window(now, er.windowMs);
    if (w.requests >= er.minRequests && w.failures / w.requests >= er.threshold) return 'error-rate';
  }
  return null;
}

/**
 * A failed attempt (a failure of the target: 5xx, timeout, connection, TLS, garbage, credentials refused). A failed
 * probe ejects again for twice as long; a failure while ejected that is not the probe changes nothing; otherwise a
 * fired trigger ejects when `mayEject()` allows (the route cap), else the state is marked `capped`.
 */
export function recordFailure(s: OutlierState, cfg: TableOutlierDetection, now: number, probe: boolean, mayEject: () => boolean): Transition {
  if (s.ejected) {
    if (!probe) return null;
    eject(s, cfg, now, s.level + 1, s.reason ?? 'consecutive-failures');
    return 'reejected';
  }
  s.consecutive++;
  if (cfg.errorRate !== undefined) s.count(true, now, cfg.errorRate.windowMs);
  const why = trigger(s, cfg, now);
  if (why === null) return null;
  if (!mayEject()) {
    s.capped = true;
    return 'capped';
  }
  // Ejected again soon after being restored (flapping): the backoff keeps growing; after a quiet spell it starts over.
  const level = now - s.restoredAt < cfg.maxEjectionMs ? s.level + 1 : 1;
  eject(s, cfg, now, level, why);
  return 'ejected';
}

/** A probe that ended without a verdict (aborted by the client, or the request's own 4xx): the slot is freed. */
export function releaseProbe(s: OutlierState): void {
  s.probeAt = -1;
}
