// The request-path counters and histograms (pkg/telemetry/fast-metrics.ts) expose exactly what prom-client's own
// Counter and Histogram expose for the same observations: same text exposition, same JSON.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from '../../pkg/telemetry/fast-metrics.ts';

const BUCKETS = [0.005, 0.01, 0.1, 1, 10];
const OBS: [string, string, number][] = [['chat', 'r1', 0.004], ['chat', 'r1', 0.005], ['chat', 'r1', 0.2], ['messages', 'r"2', 50], ['chat', 'r1', 10]];

function pair(): { ours: Registry; theirs: Registry } {
  const ours = new Registry();
  const theirs = new Registry();
  const fc = new FastCounter(ours, { name: 'x_total', help: 'h', labelNames: ['endpoint', 'route'] });
  const fh = new FastHistogram(ours, { name: 'x_seconds', help: 'h', labelNames: ['endpoint', 'route'], buckets: BUCKETS });
  const pc = new Counter({ name: 'x_total', help: 'h', labelNames: ['endpoint', 'route'], registers: [theirs] });
  const ph = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['endpoint', 'route'], buckets: BUCKETS, registers: [theirs] });
  for (const [e, r, v] of OBS) {
    fc.series([e, r]).inc(v);
    fh.series([e, r]).observe(v);
    pc.labels(e, r).inc(v);
    ph.labels(e, r).observe(v);
  }
  return { ours, theirs };
}

describe('fast metrics', () => {
  it('expose the same text and JSON as prom-client for the same observations', async () => {
    const { ours, theirs } = pair();
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('x_seconds_bucket{le="0.005",endpoint="chat",route="r1"} 2');
    expect(text).toContain('x_seconds_bucket{le="+Inf",endpoint="messages",route="r\\"2"} 1');
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('keep series objects valid across a reset (zeroed, not dropped)', async () => {
    const reg = new Registry();
    const c = new FastCounter(reg, { name: 'y_total', help: 'h', labelNames: ['a'] });
    const s = c.series(['v']);
    s.inc(3);
    expect(c.series(['v'])).toBe(s);
    reg.resetMetrics();
    s.inc(2);
    expect(await reg.metrics()).toContain('y_total{a="v"} 2');
  });

  it('refuses a second metric of the same name in one registry', () => {
    const reg = new Registry();
    new FastCounter(reg, { name: 'z_total', help: 'h', labelNames: [] });
    expect(() => new Counter({ name: 'z_total', help: 'h', registers: [reg] })).toThrow(/already been registered/);
  });
});
