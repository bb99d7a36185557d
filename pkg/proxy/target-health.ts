// Per-target cooldown state that outlives a routing-table swap: after an upstream 429 with Retry-After the target is
// not tried again (by any request) before that time (B3). Keyed by provider id + upstream model.

export interface TargetHealth {
  /** Epoch ms before which the target must not be tried; 0 = usable. */
  blockedUntil: number;
}

export class TargetHealthStore {
  readonly #entries = new Map<string, TargetHealth>();

  get(providerId: string, model: string): TargetHealth {
    const key = `${providerId}\u0000${model}`;
    let h = this.#entries.get(key);
    if (h === undefined) {
      h = { blockedUntil: 0 };
      this.#entries.set(key, h);
    }
    return h;
  }

  /** Drops entries no longer referenced by the given keys (called after a table swap to bound memory). */
  retain(keep: ReadonlySet<TargetHealth>): void {
    for (const [k, h] of this.#entries) if (!keep.has(h)) this.#entries.delete(k);
  }

  get size(): number {
    return this.#entries.size;
  }
}
