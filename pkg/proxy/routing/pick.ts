// The pickers (ADR 0021): each orders one level's candidates — the chosen target first, then the others as the
// failover order. Pure: the randomness and the live signals are arguments, so tests fix both.
//   weighted    one target at random in proportion to weight; the others by descending weight.
//   latency     power of two choices: two distinct targets drawn by weight, the one with the lower peak-EWMA cost
//               (latency × (in flight + 1)) wins; the others by ascending cost. A target without a sample yet is
//               costed at the lowest known latency, so it gets tried; with no samples at all, in-flight decides.
//   least-busy  the fewest requests in flight on this proxy, ties by weight at random; the others by ascending load.
// `priority` and `cost` are `weighted` within levels built at table load (runtime-table.ts): by priority number, or
// by price tier (cheapest first, unknown price last).

export interface Weighted {
  readonly weight: number;
}

export interface LoadSignals<T> {
  inFlight(t: T): number;
  latencyEwmaMs(t: T): number | null;
}

/** Index drawn in proportion to weight from `c`, skipping index `skip` (-1: none). r ∈ [0, 1). */
export function weightedIndex(c: readonly Weighted[], r: number, skip = -1): number {
  let total = 0;
  for (let i = 0; i < c.length; i++) if (i !== skip) total += (c[i] as Weighted).weight;
  if (total <= 0) {
    // All weights zero: uniform.
    const n = skip >= 0 ? c.length - 1 : c.length;
    let k = Math.min(n - 1, Math.floor(r * n));
    for (let i = 0; i < c.length; i++) {
      if (i === skip) continue;
      if (k-- === 0) return i;
    }
    return 0;
  }
  let x = r * total;
  let last = -1;
  for (let i = 0; i < c.length; i++) {
    if (i === skip) continue;
    const w = (c[i] as Weighted).weight;
    if (w <= 0) continue;
    last = i;
    if (x < w) return i;
    x -= w;
  }
  return last;
}

/** `picked` first, then the rest in their given order. */
function pickedFirst<T>(c: readonly T[], picked: number): T[] {
  const out: T[] = [c[picked] as T];
  for (let i = 0; i < c.length; i++) if (i !== picked) out.push(c[i] as T);
  return out;
}

/** `c` is sorted by descending weight (levels are, at load), so the failover order is by descending weight. */
export function orderWeighted<T extends Weighted>(c: readonly T[], random: () => number): T[] {
  if (c.length < 2) return [...c];
  return pickedFirst(c, weightedIndex(c, random()));
}

/** Peak-EWMA cost of each candidate (exported for /debug/explain). */
export function latencyCosts<T>(c: readonly T[], s: LoadSignals<T>): number[] {
  let known = Infinity;
  const lat: (number | null)[] = c.map((t) => {
    const l = s.latencyEwmaMs(t);
    if (l !== null && l < known) known = l;
    return l;
  });
  const base = Number.isFinite(known) ? Math.max(known, 1e-3) : 1;
  return c.map((t, i) => Math.max(lat[i] ?? base, 1e-3) * (s.inFlight(t) + 1));
}

/** Indices of `c` sorted by ascending `key` (stable: ties keep the given order). */
function byAscending(n: number, key: readonly number[], first: number): number[] {
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (i !== first) rest.push(i);
  rest.sort((a, b) => (key[a] as number) - (key[b] as number) || a - b);
  return [first, ...rest];
}

export function orderLatency<T extends Weighted>(c: readonly T[], s: LoadSignals<T>, random: () => number): T[] {
  if (c.length < 2) return [...c];
  const a = weightedIndex(c, random());
  const b = weightedIndex(c, random(), a);
  const cost = latencyCosts(c, s);
  const chosen = (cost[b] as number) < (cost[a] as number) ? b : a;
  return byAscending(c.length, cost, chosen).map((i) => c[i] as T);
}

export function orderLeastBusy<T extends Weighted>(c: readonly T[], s: LoadSignals<T>, random: () => number): T[] {
  if (c.length < 2) return [...c];
  const load = c.map((t) => s.inFlight(t));
  let min = Infinity;
  for (const l of load) if (l < min) min = l;
  const tied: number[] = [];
  for (let i = 0; i < c.length; i++) if (load[i] === min) tied.push(i);
  const chosen = tied.length === 1 ? (tied[0] as number) : (tied[weightedIndex(tied.map((i) => c[i] as T), random())] as number);
  return byAscending(c.length, load, chosen).map((i) => c[i] as T);
}
