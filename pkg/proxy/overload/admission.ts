// Admission of inference requests before their body is read (issue 11 point 6, catalogue D3 and E17): a
// per-process cap on requests in flight and event-loop-delay shedding → 503 overloaded (type overloaded_error) with
// Retry-After; per-key and per-team caps on requests in flight → 429 concurrency_limit_exceeded with Retry-After,
// so one tenant at its cap never takes the slots another needs. A limit of 0 is off. Counting is a few integer
// operations and map updates per request; the slot is given back when the request's state closes.
import { GatewayError } from '../../errors/errors.ts';
import type { LoopDelaySource } from './loop-delay.ts';

export interface OverloadLimits {
  /** Inference requests in flight in this process. 0 = no limit. */
  readonly maxInflight: number;
  /** In flight per API key (principal id). 0 = no limit. */
  readonly maxInflightPerKey: number;
  /** In flight per team. 0 = no limit. */
  readonly maxInflightPerTeam: number;
  /** p99 event-loop delay over the last second above which new requests are shed, in ms. 0 = off. */
  readonly maxEventLoopDelayMs: number;
}

export const NO_LIMITS: OverloadLimits = { maxInflight: 0, maxInflightPerKey: 0, maxInflightPerTeam: 0, maxEventLoopDelayMs: 0 };

/** Seconds a shed client is told to wait: in-flight work ends and the loop catches up within about that long. */
export const SHED_RETRY_AFTER_S = 1;

export function anyLimit(l: OverloadLimits): boolean {
  return l.maxInflight > 0 || l.maxInflightPerKey > 0 || l.maxInflightPerTeam > 0 || l.maxEventLoopDelayMs > 0;
}

function bump(map: Map<string, number>, id: string, by: number): void {
  const n = (map.get(id) ?? 0) + by;
  if (n <= 0) map.delete(id);
  else map.set(id, n);
}

export class Admission {
  readonly limits: OverloadLimits;
  readonly #loop: LoopDelaySource | null;
  #inflight = 0;
  readonly #perKey = new Map<string, number>();
  readonly #perTeam = new Map<string, number>();

  constructor(limits: OverloadLimits, loop: LoopDelaySource | null) {
    this.limits = limits;
    this.#loop = loop;
  }

  /** Requests admitted and not yet released. */
  get inflight(): number {
    return this.#inflight;
  }

  inflightOf(kind: 'key' | 'team', id: string): number {
    return (kind === 'key' ? this.#perKey : this.#perTeam).get(id) ?? 0;
  }

  /**
   * Admits a request of `key`/`team` (null when anonymous or without a team) and counts it, or returns the refusal
   * (nothing counted). An admitted request must be released exactly once with the same key and team.
   */
  admit(key: string | null, team: string | null): GatewayError | null {
    const l = this.limits;
    if (this.#loop?.overloaded === true) return new GatewayError('overloaded', { retryAfter: SHED_RETRY_AFTER_S });
    if (l.maxInflight > 0 && this.#inflight >= l.maxInflight) return new GatewayError('overloaded', { retryAfter: SHED_RETRY_AFTER_S });
    if (team !== null && l.maxInflightPerTeam > 0 && (this.#perTeam.get(team) ?? 0) >= l.maxInflightPerTeam) {
      return new GatewayError('concurrency_limit_exceeded', { retryAfter: SHED_RETRY_AFTER_S });
    }
    if (key !== null && l.maxInflightPerKey > 0 && (this.#perKey.get(key) ?? 0) >= l.maxInflightPerKey) {
      return new GatewayError('concurrency_limit_exceeded', { retryAfter: SHED_RETRY_AFTER_S });
    }
    this.#inflight++;
    if (team !== null && l.maxInflightPerTeam > 0) bump(this.#perTeam, team, 1);
    if (key !== null && l.maxInflightPerKey > 0) bump(this.#perKey, key, 1);
    return null;
  }

  release(key: string | null, team: string | null): void {
    const l = this.limits;
    if (this.#inflight > 0) this.#inflight--;
    if (team !== null && l.maxInflightPerTeam > 0) bump(this.#perTeam, team, -1);
    if (key !== null && l.maxInflightPerKey > 0) bump(this.#perKey, key, -1);
  }
}
