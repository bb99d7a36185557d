// Cluster-wide quota allowances (issue 8 point 5, ADR 0020): the arithmetic of one limit in one window. Pure.
//
// Each proxy reports what it has used in the window so far; the operator answers with a cap for that proxy — the
// most its own counter may reach. Until a report shows the proxy has moved on from a cap (it reports the cap it
// applies), the operator counts the proxy as holding max(used, every cap it may still apply), so what every proxy
// may admit together never exceeds the limit:
//
//     Σ_j max(used_j, caps_j) ≤ limit        (the invariant every grant keeps)
//
// A grant gives the reporting proxy `headroom = min(free, max(share, want))` above its usage, where
//     free  = limit − Σ_j used_j − Σ_{j≠p} (hold_j − used_j)     (what no other proxy holds)
//     share = (limit − Σ_j used_j) / (live proxies + 1)             (one share stays free for newcomers and wants;
//                                                                    a proxy alone gets all the room)
//     want  = the largest amount this proxy's cap refused since its last report
// so idle proxies give their share back within one report, busy ones get more on demand, and a proxy that joins
// finds room at once (when it joins a lone proxy, once that one has reported again: at most two report intervals). A proxy that stops without its final report keeps holding its last cap until the window ends:
// what it used after its last report is unknown, and only the cap bounds it.

/** One proxy's standing in one limit's window. */
export interface ProxyStanding {
  /** What the proxy reported it has used in the window. */
  used: number;
  /** Caps sent to it that it may still apply, oldest first (older ones are folded into their maximum). */
  caps: number[];
  /** The largest amount its cap refused since its previous report. */
  want: number;
}

export interface GrantResult {
  /** The cap for the reporting proxy (its own usage terms). */
  readonly cap: number;
  /** Room left cluster-wide once this grant is counted. */
  readonly remaining: number;
}

/** Caps kept apart per proxy; older ones are folded into their maximum (the hold is a maximum anyway). */
const KEEP_CAPS = 4;

/** The figure a proxy holds: its usage, or a larger cap it may still apply. */
export function holdOf(s: ProxyStanding): number {
  let hold = s.used;
  for (const cap of s.caps) if (cap > hold) hold = cap;
  return hold;
}

/** Two caps are the same grant when they match to a millionth (reports round figures to 1e-9). */
const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a));

/**
 * A report said the proxy applies `applied`: caps sent before that one are behind it (its usage already counts what
 * it admitted under them). `undefined` (no cap applied, or a proxy that lost its answers) changes nothing.
 */
export function confirm(s: ProxyStanding, applied: number | undefined): void {
  if (applied === undefined) return;
  for (let i = s.caps.length - 1; i >= 0; i--) {
    if (same(s.caps[i] ?? Number.NaN, applied)) {
      s.caps = s.caps.slice(i);
      return;
    }
  }
}

/**
 * The cap for proxy `p` of a limit, given every proxy's standing in the window (p's usage and want just updated).
 * Records the new cap in p's standing. `whole`: the limit counts whole units (requests), so caps are whole numbers.
 */
export function grant(standings: ReadonlyMap<string, ProxyStanding>, p: string, limit: number, liveProxies: number, whole = false): GrantResult {
  const mine = standings.get(p);
  if (mine === undefined) throw new Error(`no standing for proxy ${p}`);
  let used = 0;
  let othersHeadroom = 0;
  for (const [id, s] of standings) {
    used += s.used;
    if (id !== p) othersHeadroom += holdOf(s) - s.used;
  }
  const room = Math.max(0, limit - used);
  // p's own earlier caps are replaced by this one for p, but stay in its hold until p confirms it moved on.
  const free = Math.max(0, room - othersHeadroom);
  const share = liveProxies <= 1 ? room : room / (liveProxies + 1);
  // Requests come in whole units: a fraction of one could never be used, and would keep a unit from anyone else.
  const raw = Math.min(free, Math.max(share, mine.want));
  const headroom = whole ? Math.floor(raw) : raw;
  const cap = mine.used + headroom;
  const caps = [...mine.caps, cap];
  mine.caps = caps.length <= KEEP_CAPS ? caps : [Math.max(...caps.slice(0, caps.length - KEEP_CAPS + 1)), ...caps.slice(-(KEEP_CAPS - 1))];
  mine.want = 0;
  return { cap, remaining: Math.max(0, room - othersHeadroom - headroom) };
}

/** The proxy said it stops (its final report): it will admit nothing more, so it holds only what it used. */
export function release(s: ProxyStanding): void {
  s.caps = [];
  s.want = 0;
}
