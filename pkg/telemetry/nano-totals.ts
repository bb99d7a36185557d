// Integer nano-dollar sums per (clamped) label combination: spend is summed in whole nano-dollars and written to the
// counter when it is collected, so the exported total is exact to 1e-9 USD instead of a drifting float sum.

export interface NanoEntry {
  readonly labels: readonly string[];
  nano: number;
}

export class NanoTotals {
  readonly #map = new Map<string, NanoEntry>();

  entry(labels: readonly string[]): NanoEntry {
    const key = labels.join('\u0000');
    let e = this.#map.get(key);
    if (e === undefined) {
      e = { labels, nano: 0 };
      this.#map.set(key, e);
    }
    return e;
  }

  entries(): IterableIterator<NanoEntry> {
    return this.#map.values();
  }
}
