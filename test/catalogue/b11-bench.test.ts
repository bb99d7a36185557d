// B11's second half: every truncated stream is counted (switchyard_upstream_stream_failures_total{kind="truncated"}),
// and after consecutive truncations the target is benched by local outlier detection (5 in a row by default) so the
// next requests go to the healthy target, over every streaming client API.
import type { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { faultModel } from '../support/fault-upstream.ts';
import { STREAM_LANES, ask, modelOf } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const truncating = (l: Lane): string => faultModel({ truncateAfter: 2, tag: `b11-bench-${l.id}` });

const w = useCatalogueWorld(() => ({
  outlier: true,
  cases: {
    'b11-bench': { lanes: STREAM_LANES, spec: (l) => ({ strategy: 'priority', retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: truncating(l), priority: 0 }, { provider: p(l, 'backup'), model: 'ok', priority: 1 }] }) },
  },
}));

async function truncations(model: string): Promise<number> {
  const m = w.gw.registry.getSingleMetric('switchyard_upstream_stream_failures_total') as Counter | undefined;
  if (m === undefined) return 0;
  return (await m.get()).values.filter((v) => v.labels.model === model && v.labels.kind === 'truncated').reduce((s, v) => s + v.value, 0);
}

describe.each(STREAM_LANES)('B11 truncations counted, then the target benched: $name', (l) => {
  it('5 truncated streams are counted and bench the target; the next 10 requests stream from the healthy one', async () => {
    for (let i = 0; i < 5; i++) {
      const a = await ask(w.gw, l.api, modelOf('b11-bench', l), { stream: true });
      expect(a.status).toBe(200); // the head went out before the cut: the client gets a terminal error event
    }
    expect(await truncations(truncating(l))).toBe(5);
    const before = w.up.requests.length;
    for (let i = 0; i < 10; i++) {
      const a = await ask(w.gw, l.api, modelOf('b11-bench', l), { stream: true });
      expect(a.status).toBe(200);
    }
    expect(w.up.requests.length).toBe(before); // benched: none of the next 10 tried it
    expect(w.backup.requests.length).toBeGreaterThanOrEqual(10);
  });
});
