// Window arithmetic with an injected instant: clock-aligned 1m/1h/1d windows and calendar months in a time zone,
// across DST changes (Europe/Berlin, America/New_York) and in a half-hour zone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidTimeZone, ZoneClock } from '../../pkg/quota/window.ts';

const iso = (t: number): string => new Date(t).toISOString();
const at = (s: string): number => Date.parse(s);

describe('ZoneClock.span', () => {
  const utc = new ZoneClock('UTC');

  it('aligns 1m, 1h and 1d windows to the UTC clock', () => {
    const now = at('2026-03-14T10:17:42.123Z');
    expect(utc.span('1m', now)).toEqual({ start: at('2026-03-14T10:17:00Z'), end: at('2026-03-14T10:18:00Z') });
    expect(utc.span('1h', now)).toEqual({ start: at('2026-03-14T10:00:00Z'), end: at('2026-03-14T11:00:00Z') });
    expect(utc.span('1d', now)).toEqual({ start: at('2026-03-14T00:00:00Z'), end: at('2026-03-15T00:00:00Z') });
  });

  it('puts a boundary instant in the new window (start inclusive, end exclusive)', () => {
    expect(utc.span('1m', at('2026-03-14T10:18:00.000Z')).start).toBe(at('2026-03-14T10:18:00Z'));
    expect(utc.span('1m', at('2026-03-14T10:17:59.999Z')).end).toBe(at('2026-03-14T10:18:00Z'));
    expect(utc.span('1d', at('2026-03-14T23:59:59.999Z')).end).toBe(at('2026-03-15T00:00:00Z'));
    expect(utc.span('calendar-month', at('2026-12-31T23:59:59.999Z'))).toEqual({ start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    expect(utc.span('calendar-month', at('2027-01-01T00:00:00Z')).start).toBe(at('2027-01-01T00:00:00Z'));
  });

  it('February in a leap year and not', () => {
    expect(utc.span('calendar-month', at('2028-02-29T12:00:00Z')).end).toBe(at('2028-03-01T00:00:00Z'));
    expect(utc.span('calendar-month', at('2026-02-28T12:00:00Z')).end).toBe(at('2026-03-01T00:00:00Z'));
  });

  describe('Europe/Berlin', () => {
    const berlin = new ZoneClock('Europe/Berlin');

    it('a month starts at local midnight (UTC+1 in winter, UTC+2 in summer)', () => {
      // 2026-01-31T23:30Z is already February 1st 00:30 in Berlin.
      expect(berlin.span('calendar-month', at('2026-01-31T23:30:00Z'))).toEqual({ start: at('2026-01-31T23:00:00Z'), end: at('2026-02-28T23:00:00Z') });
      expect(berlin.span('calendar-month', at('2026-01-31T22:30:00Z')).start).toBe(at('2025-12-31T23:00:00Z'));
    });

    it('March spans the spring-forward change: starts at UTC+1 midnight, ends at UTC+2 midnight', () => {
      const s = berlin.span('calendar-month', at('2026-03-15T12:00:00Z'));
      expect(iso(s.start)).toBe('2026-02-28T23:00:00.000Z');
      expect(iso(s.end)).toBe('2026-03-31T22:00:00.000Z');
    });

    it('October spans the fall-back change', () => {
      const s = berlin.span('calendar-month', at('2026-10-20T12:00:00Z'));
      expect(iso(s.start)).toBe('2026-09-30T22:00:00.000Z');
      expect(iso(s.end)).toBe('2026-10-31T23:00:00.000Z');
    });

    it('the spring-forward day is 23 hours, the fall-back day 25', () => {
      const spring = berlin.span('1d', at('2026-03-29T12:00:00Z'));
      expect(iso(spring.start)).toBe('2026-03-28T23:00:00.000Z');
      expect(spring.end - spring.start).toBe(23 * 3_600_000);
      const fall = berlin.span('1d', at('2026-10-25T12:00:00Z'));
      expect(iso(fall.start)).toBe('2026-10-24T22:00:00.000Z');
      expect(fall.end - fall.start).toBe(25 * 3_600_000);
    });

    it('hour windows around the fall-back change stay one hour long and contiguous', () => {
      const before = berlin.span('1h', at('2026-10-25T00:30:00Z')); // 02:30 CEST
      const after = berlin.span('1h', at('2026-10-25T01:30:00Z')); // 02:30 CET (the repeated hour)
      expect(iso(before.start)).toBe('2026-10-25T00:00:00.000Z');
      expect(before.end).toBe(after.start);
      expect(after.end - after.start).toBe(3_600_000);
    });
  });

  describe('America/New_York', () => {
    const ny = new ZoneClock('America/New_York');

    it('a month starts at local midnight: November begins at 04:00Z (EDT), December at 05:00Z (EST)', () => {
      const nov = ny.span('calendar-month', at('2026-11-15T12:00:00Z'));
      expect(iso(nov.start)).toBe('2026-11-01T04:00:00.000Z');
      expect(iso(nov.end)).toBe('2026-12-01T05:00:00.000Z');
    });

    it('late on the last local day of a month still belongs to that month', () => {
      // 2026-04-01T02:00Z is March 31st 22:00 EDT.
      const s = ny.span('calendar-month', at('2026-04-01T02:00:00Z'));
      expect(iso(s.start)).toBe('2026-03-01T05:00:00.000Z');
      expect(iso(s.end)).toBe('2026-04-01T04:00:00.000Z');
    });

    it('the spring-forward day (2026-03-08) is 23 hours', () => {
      const d = ny.span('1d', at('2026-03-08T15:00:00Z'));
      expect(iso(d.start)).toBe('2026-03-08T05:00:00.000Z');
      expect(iso(d.end)).toBe('2026-03-09T04:00:00.000Z');
    });
  });

  it('a half-hour zone aligns hours to its own clock (Asia/Kolkata, UTC+05:30)', () => {
    const k = new ZoneClock('Asia/Kolkata');
    expect(k.span('1h', at('2026-06-01T10:45:00Z'))).toEqual({ start: at('2026-06-01T10:30:00Z'), end: at('2026-06-01T11:30:00Z') });
    expect(k.span('1d', at('2026-06-01T20:00:00Z')).start).toBe(at('2026-06-01T18:30:00Z'));
  });
});

describe('a 30-minute DST change (Australia/Lord_Howe, 2026-04-05 02:00 +11:00 → 01:30 +10:30)', () => {
  const lh = new ZoneClock('Australia/Lord_Howe');

  it('the hour cut by the change ends at it, the next starts there, and hours realign after', () => {
    expect(lh.span('1h', at('2026-04-04T14:45:00Z'))).toEqual({ start: at('2026-04-04T14:00:00Z'), end: at('2026-04-04T15:00:00Z') });
    expect(lh.span('1h', at('2026-04-04T15:10:00Z'))).toEqual({ start: at('2026-04-04T15:00:00Z'), end: at('2026-04-04T15:30:00Z') });
    expect(lh.span('1h', at('2026-04-04T15:30:00Z'))).toEqual({ start: at('2026-04-04T15:30:00Z'), end: at('2026-04-04T16:30:00Z') });
  });

  it('the day of the change is 24.5 hours', () => {
    const d = lh.span('1d', at('2026-04-05T03:00:00Z'));
    expect(d.end - d.start).toBe(24.5 * 3_600_000);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and UTC, refuses anything else', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('window properties (fast-check)', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Chatham'];
  const clocks = new Map(zones.map((z) => [z, new ZoneClock(z)]));
  const windows = ['1m', '1h', '1d', 'calendar-month'] as const;

  it('every instant lies in its window, windows tile time (end = next start), and a window is its own span', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...windows),
        fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2040-01-01T00:00:00Z') }),
        (zone, w, now) => {
          const clock = clocks.get(zone) as ZoneClock;
          const s = clock.span(w, now);
          expect(s.start).toBeLessThanOrEqual(now);
          expect(s.end).toBeGreaterThan(now);
          expect(clock.span(w, s.start)).toEqual(s);
          expect(clock.span(w, s.end - 1)).toEqual(s);
          expect(clock.span(w, s.end).start).toBe(s.end);
          const len = s.end - s.start;
          if (w === '1m') expect(len).toBe(60_000);
          if (w === '1h') expect(len).toBe(3_600_000);
          if (w === '1d') expect(len).toBeGreaterThanOrEqual(22 * 3_600_000);
          if (w === '1d') expect(len).toBeLessThanOrEqual(26 * 3_600_000);
          if (w === 'calendar-month') expect(len).toBeGreaterThanOrEqual(27 * 86_400_000);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
