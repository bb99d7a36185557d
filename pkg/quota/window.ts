// Fixed accounting windows aligned to the clock of a quota's time zone (IANA name, default UTC).
// 1m and 1h are aligned to the zone's wall clock (a +05:30 zone's hours start at :30 UTC); a window that an offset
// change cuts (Lord Howe's 30-minute DST) ends at the change, where the next begins, so windows always tile time.
// 1d and calendar-month run from local midnight to the next local midnight, so a day is 23 or 25 hours long across
// a DST change and a month is as long as that month is in that zone. No Temporal: offsets come from
// Intl.DateTimeFormat (one formatter per zone, held by the ZoneClock the table load builds), and the last span of
// each kind is cached, so a request inside the current window costs no formatting.

export type QuotaWindow = '1m' | '1h' | '1d' | 'calendar-month';

export interface WindowSpan {
  /** Epoch ms of the window's first instant (inclusive). */
  readonly start: number;
  /** Epoch ms of the next window's start (exclusive). */
  readonly end: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** True when `tz` is an IANA time zone name this runtime knows (UTC included). */
export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

interface Wall {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number;
}

/** Offset arithmetic for one time zone. Build one per zone at table load; reuse it on every request. */
export class ZoneClock {
  readonly timeZone: string;
  readonly #fmt: Intl.DateTimeFormat;
  readonly #utc: boolean;
  readonly #last: Partial<Record<QuotaWindow, WindowSpan>> = {};

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.#utc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    this.#fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The zone's wall clock at `t` read as if it were UTC, in epoch ms (whole seconds). */
  #wallAsUtc(t: number): { ms: number; wall: Wall } {
    let year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    for (const p of this.#fmt.formatToParts(new Date(t))) {
      const v = Number(p.value);
      switch (p.type) {
        case 'year': year = v; break;
        case 'month': month = v; break;
        case 'day': day = v; break;
        case 'hour': hour = v; break;
        case 'minute': minute = v; break;
        case 'second': second = v; break;
        default: break;
      }
    }
    return { ms: Date.UTC(year, month - 1, day, hour, minute, second), wall: { year, month, day } };
  }

  /** Milliseconds the zone is ahead of UTC at instant `t`. */
  offsetAt(t: number): number {
    if (this.#utc) return 0;
    const whole = t - (((t % 1000) + 1000) % 1000);
    return this.#wallAsUtc(whole).ms - whole;
  }

  /**
   * The instant the zone's wall clock shows local midnight of the given day. Where midnight is skipped (a DST gap at
   * 00:00, e.g. America/Santiago), the day starts at the transition: local midnight read with the offset before it.
   */
  #midnight(year: number, month: number, day: number): number {
    const local = Date.UTC(year, month - 1, day);
    const t = local - this.offsetAt(local - this.offsetAt(local));
    if (this.#wallAsUtc(t).ms === local) return t;
    return local - this.offsetAt(local - 86_400_000);
  }

  /** The first whole second in (lo, hi] whose offset differs from lo's (one change in between). */
  #changeAfter(lo: number, hi: number): number {
    const o = this.offsetAt(lo);
    let a = Math.floor(lo / 1000) * 1000;
    let b = Math.ceil(hi / 1000) * 1000;
    while (b - a > 1000) {
      const mid = a + Math.floor((b - a) / 2000) * 1000;
      if (this.offsetAt(mid) === o) a = mid;
      else b = mid;
    }
    return b;
  }

  #fixed(unit: number, now: number): WindowSpan {
    const off = this.offsetAt(now);
    let start = Math.floor((now + off) / unit) * unit - off;
    let end = start + unit;
    if (this.offsetAt(start) !== off) start = this.#changeAfter(start, now);
    if (this.offsetAt(end - 1) !== off) end = this.#changeAfter(now, end - 1);
    return { start, end };
  }

  /** The window of kind `w` that holds instant `now`. */
  span(w: QuotaWindow, now: number): WindowSpan {
    const last = this.#last[w];
    if (last !== undefined && last.start <= now && now < last.end) return last;
    const s = this.#compute(w, now);
    this.#last[w] = s;
    return s;
  }

  #compute(w: QuotaWindow, now: number): WindowSpan {
    if (w === '1m' || w === '1h') return this.#fixed(w === '1m' ? MINUTE : HOUR, now);
    const { wall } = this.#wallAsUtc(now - (((now % 1000) + 1000) % 1000));
    if (w === '1d') {
      const next = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + 1));
      return { start: this.#midnight(wall.year, wall.month, wall.day), end: this.#midnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()) };
    }
    const nextMonth = wall.month === 12 ? { y: wall.year + 1, m: 1 } : { y: wall.year, m: wall.month + 1 };
    return { start: this.#midnight(wall.year, wall.month, 1), end: this.#midnight(nextMonth.y, nextMonth.m, 1) };
  }
}
