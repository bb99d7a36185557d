import { describe, expect, it } from 'vitest';
import { lastResortGc, startIdleReclaim } from '../../pkg/serve/idle-reclaim.ts';

const MiB = 1024 * 1024;

function harness(rssSeq: number[], utilSeq: number[]) {
  let tick: (() => void) | undefined;
  let stopped = false;
  let rssNow = rssSeq.shift() ?? 0;
  const gcs: number[] = [];
  const reclaim = startIdleReclaim({
    utilization: () => utilSeq.shift() ?? 0,
    rss: () => rssNow,
    collect: () => {
      gcs.push(rssNow);
      rssNow = 100 * MiB;
    },
    setInterval: (fn) => {
      tick = fn;
      return { unref: () => undefined };
    },
    clearInterval: () => {
      stopped = true;
    },
  });
  return {
    reclaim,
    gcs,
    step(rss: number): void {
      rssNow = rss;
      tick?.();
    },
    stopped: () => stopped,
  };
}

describe('idle reclaim', () => {
  it('collects once when idle after the resident set grew, then not again for the same growth', () => {
    const h = harness([100 * MiB], [0.5, 0.001, 0.001, 0.001]);
    h.step(200 * MiB); // busy: no collection
    expect(h.gcs).toEqual([]);
    h.step(200 * MiB); // idle and grown: one collection
    expect(h.gcs).toEqual([200 * MiB]);
    h.step(100 * MiB); // idle, back at the baseline: nothing
    h.step(110 * MiB); // idle, grown less than 16 MiB: nothing
    expect(h.reclaim.collections).toBe(1);
  });

  it('never collects while the loop is busy, nor when the resident set did not grow', () => {
    const h = harness([100 * MiB], [0.9, 0.9, 0.001]);
    h.step(300 * MiB);
    h.step(300 * MiB);
    h.step(105 * MiB);
    expect(h.gcs).toEqual([]);
    h.reclaim.stop();
    expect(h.stopped()).toBe(true);
  });

  it("calls V8's gc for a memory-reducing full collection, and is off without --expose-gc", () => {
    const calls: unknown[] = [];
    lastResortGc({ gc: (o: unknown) => calls.push(o) })?.();
    expect(calls).toEqual([{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
    expect(lastResortGc({})).toBeNull();
  });

  it('does nothing without a collector', () => {
    let tick: (() => void) | undefined;
    const r = startIdleReclaim({
      utilization: () => 0, rss: (() => { let n = 0; return () => (n += 100 * MiB); })(),
      setInterval: (fn) => {
        tick = fn;
        return { unref: () => undefined };
      },
      clearInterval: () => undefined,
      collect: undefined,
    });
    if (!('gc' in globalThis)) {
      tick?.();
      expect(r.collections).toBe(0);
    }
  });
});
