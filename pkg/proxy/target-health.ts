// Per-target state that outlives a routing-table swap, keyed by provider id + upstream model: the cooldown after an
// upstream 429 with Retry-After (the target is not tried again, by any request, before that time: B3), and the
// local outlier-detection state (pkg/proxy/outlier, created on the target's first recorded attempt).
// An entry lives while some route of the table in use references it: the holder hands every load's added and dropped
// routes' entries to settle() (a reference count per entry, so a load costs what it changed, not the table's size).
import type { OutlierState } from './outlier/detector.ts';

export interface TargetHealth {
  /** Epoch ms before which the target must not be tried; 0 = usable. */
  blockedUntil: number;
  /** Local outlier detection (pkg/proxy/outlier/monitor.ts); null until an attempt on the target is recorded. */
  outlier: OutlierState | null;
}

interface Slot {
  readonly providerId: string;
  readonly model: string;
  /** Routes of the table in use referencing the entry. */
  refs: number;
}

export class TargetHealthStore {
  /** provider id → upstream model → state (two levels: no key string built per lookup). */
  readonly #entries = new Map<string, Map<string, TargetHealth>>();
  readonly #slots = new Map<TargetHealth, Slot>();
  /** Entries created since the last settle(): dropped then unless a route references them. */
  #fresh: TargetHealth[] = [];

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
      this.#slots.set(h, { providerId, model, refs: 0 });
      this.#fresh.push(h);
    }
    return h;
  }

  /**
   * After a load: each list in `added` is one route of the new table now referencing its entries, each in `dropped`
   * one route that no longer does. Entries no route references are dropped (bounded memory), including those a
   * failed build created (settle([], [])).
   */
  settle(added: Iterable<{ readonly health: readonly TargetHealth[] }>, dropped: Iterable<{ readonly health: readonly TargetHealth[] }>): void {
    for (const r of added) {
      for (const h of r.health) {
        const slot = this.#slots.get(h);
        if (slot !== undefined) slot.refs++;
      }
    }
    for (const r of dropped) {
      for (const h of r.health) {
        const slot = this.#slots.get(h);
        if (slot !== undefined && --slot.refs <= 0) this.#drop(h, slot);
      }
    }
    for (const h of this.#fresh) {
      const slot = this.#slots.get(h);
      if (slot !== undefined && slot.refs <= 0) this.#drop(h, slot);
    }
    this.#fresh = [];
  }

  #drop(h: TargetHealth, slot: Slot): void {
    this.#slots.delete(h);
    const models = this.#entries.get(slot.providerId);
    if (models === undefined) return;
    models.delete(slot.model);
    if (models.size === 0) this.#entries.delete(slot.providerId);
  }

  /** Whether `h` is an entry of this store (for tests). */
  has(h: TargetHealth): boolean {
    return this.#slots.has(h);
  }

  get size(): number {
    return this.#slots.size;
  }
}
