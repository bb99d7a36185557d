// Per-target state that outlives a routing-table swap, keyed by provider id + upstream model: the cooldown after an
// upstream 429 with Retry-After (the target is not tried again, by any request, before that time: B3), and the
// local outlier-detection state (pkg/proxy/outlier, created on the target's first recorded attempt).
import type { OutlierState } from './outlier/detector.ts';

export interface TargetHealth {
  /** Epoch ms before which the target must not be tried; 0 = usable. */
  blockedUntil: number;
  /** Local outlier detection (pkg/proxy/outlier/monitor.ts); null until an attempt on the target is recorded. */
  outlier: OutlierState | null;
}

export class TargetHealthStore {
  /** provider id → upstream model → state (two levels: no key string built per lookup). */
  readonly #entries = new Map<string, Map<string, TargetHealth>>();

  get(providerId: string, model: string): TargetHealth {
    let models = this.#entries.get(providerId);
    if (models === undefined) {
      models = new Map();
      this.#entries.set(providerId, models);
    }
    let h = models.get(model);
    if (h === undefined) {
      h = { blockedUntil: 0, outlier: null };
      models.set(model, h);
    }
    return h;
  }

  /** Drops entries no longer referenced by the given keys (called after a table swap to bound memory). */
  retain(keep: ReadonlySet<TargetHealth>): void {
    for (const [provider, models] of this.#entries) {
      for (const [model, h] of models) if (!keep.has(h)) models.delete(model);
      if (models.size === 0) this.#entries.delete(provider);
    }
  }

  get size(): number {
    let n = 0;
    for (const models of this.#entries.values()) n += models.size;
    return n;
  }
}
