// Bounded label values for Prometheus metrics. Label values come from the routing table or fixed sets; this is the
// defence in depth that keeps a bug or a hostile input from creating unbounded time series.
import { ERRORS } from '../errors/errors.ts';

/** The value a label takes once its dimension is full, or when the input is not an acceptable value. */
export const OTHER = '_other';

const MAX_VALUE_CHARS = 256;

/** A dimension (route, provider, model, code) that admits at most `max` distinct values; the rest become '_other'. */
export class BoundedValues {
  readonly #seen = new Set<string>();
  readonly #max: number;
  readonly #always: ReadonlySet<string>;

  constructor(max: number, always: Iterable<string> = []) {
    this.#max = max;
    this.#always = new Set(always);
  }

  get size(): number {
    return this.#seen.size;
  }

  clamp(value: string): string {
    if (this.#always.has(value) || this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max || value.length === 0 || value.length > MAX_VALUE_CHARS) return OTHER;
    this.#seen.add(value);
    return value;
  }
}

/** HTTP status as a label: the exact code when it is a real HTTP status, else "0". */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : '0';
}

const ENDPOINTS = new Set(['chat', 'completions', 'embeddings', 'responses', 'messages', 'count_tokens', 'models']);
export function endpointLabel(endpoint: string): string {
  return ENDPOINTS.has(endpoint) ? endpoint : OTHER;
}

const OUTCOMES = new Set(['ok', 'connect', 'timeout', 'rate_limited', 'server', 'auth', 'client', 'invalid', 'tls']);
export function outcomeLabel(outcome: string): string {
  return OUTCOMES.has(outcome) ? outcome : OTHER;
}

/** Error codes: the client-visible allow-list and '' (success) always; a few others (bounded) beyond that. */
export function codeValues(maxExtra: number): BoundedValues {
  return new BoundedValues(maxExtra, ['', ...Object.keys(ERRORS)]);
}

/** A non-negative finite number (prom-client throws on negative counter increments; NaN would poison sums). */
export function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Caches prom-client children per label combination, so the hot path does one Map lookup per observation.
 * At most `maxEntries` combinations are cached; beyond that, children are still returned but not cached.
 */
export class ChildCache<C> {
  readonly #map = new Map<string, C>();
  readonly #maxEntries: number;
  readonly #make: (values: readonly string[]) => C;

  constructor(maxEntries: number, make: (values: readonly string[]) => C) {
    this.#maxEntries = maxEntries;
    this.#make = make;
  }

  /** `raw` is the unclamped combination (cache key); `clamp` turns it into label values on a miss. */
  get(raw: readonly string[], clamp: (raw: readonly string[]) => readonly string[]): C {
    const key = raw.join('\u0000');
    const hit = this.#map.get(key);
    if (hit !== undefined) return hit;
    const child = this.#make(clamp(raw));
    if (this.#map.size < this.#maxEntries) this.#map.set(key, child);
    return child;
  }
}

/**
 * Caps the distinct label combinations of one metric. Each label is bounded on its own, but their product is not
 * (500 keys × 1000 routes); once `max` combinations exist, a new one is folded (typically into '_other' for every
 * label but a fixed-set one), so the metric never holds more than `max` series plus the folded ones.
 */
export class CombinationCap {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#seen.size;
  }

  admit(labels: readonly string[], fold: (labels: readonly string[]) => readonly string[]): readonly string[] {
    const key = labels.join('\u0000');
    if (this.#seen.has(key)) return labels;
    if (this.#seen.size >= this.#max) return fold(labels);
    this.#seen.add(key);
    return labels;
  }
}
