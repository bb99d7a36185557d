// The seam between the pickers (pkg/proxy/routing, 11a) and what the proxy knows about each target: in-flight
// requests and latency (routing/target-stats.ts), local outlier ejection and pool saturation (11b). Everything is
// per proxy and in memory: a picker only reads numbers and booleans, nothing on the request path does I/O.
import type { RuntimeTarget } from '../runtime-table.ts';

/** The strategies a route or a rule can use (ModelRoute spec.strategy). */
export type RoutingStrategy = 'weighted' | 'priority' | 'latency' | 'least-busy' | 'cost';

/** Live state of each candidate, as the picker sees it. Implementations must be cheap (memory reads only). */
export interface TargetSignals {
  /** Requests this proxy currently has in flight to the target (from the attempt's start to the end of its body). */
  inFlight(t: RuntimeTarget): number;
  /** Peak-EWMA of the target's time to first content in ms on this proxy; null before any sample. */
  latencyEwmaMs(t: RuntimeTarget): number | null;
  /** Skipped by the picker: local outlier ejection or the operator's global ejection (11b). */
  ejected(t: RuntimeTarget): boolean;
  /** The target's pool is saturated; a target with `spillover` is skipped while this holds (11b). */
  saturated(t: RuntimeTarget): boolean;
  /**
   * Fast path: false when no target on this proxy is ejected right now, so a route with a static plan can be
   * answered without looking at each target. Implementations may always return true (correct, only slower).
   */
  anyEjected(): boolean;
}

/** The part of the signals 11b provides (local outlier + global ejection, pool saturation). */
export type HealthSignals = Pick<TargetSignals, 'ejected' | 'saturated' | 'anyEjected'>;

/** What a rule can match on, read from the request once, lazily (only routes with rules look at it). */
export interface RouteRequestFacts {
  /** A request header's value (name lower case), undefined when absent; a repeated header's values joined by ", ". */
  header(name: string): string | undefined;
  /** The request body's `metadata` object (OpenAI and Anthropic requests), null when absent or not an object. */
  readonly metadata: Readonly<Record<string, unknown>> | null;
  /** The caller's principal id ("namespace/name" of the API-key Secret), null when anonymous or a JWT caller. */
  readonly keyId: string | null;
  readonly team: string | null;
  /** JWT claims (string, number and boolean values as text), null for API-key and anonymous callers. */
  readonly claims: Readonly<Record<string, string>> | null;
}

/** The attempt order for one request, and why. */
export interface Plan {
  /** Targets in the order to try them: the chosen primary targets first, then the route's fallbacks. */
  readonly targets: readonly RuntimeTarget[];
  /** How many entries of `targets` are primary targets (the rest are fallbacks). */
  readonly primaryCount: number;
  /** Name of the rule that matched, null when the route's own targets apply. */
  readonly rule: string | null;
  /** True when at least one `spillover` target was skipped because its pool is saturated (metric + access log). */
  readonly spilled: boolean;
}
