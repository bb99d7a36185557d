// B4's ejection half and B1's outlier counter, per proxy (issue 11 point 4), over every client API the core serves:
// a target failing every time (5xx, or refusing connections) is ejected after consecutiveFailures (5) and then not
// tried by the next requests, which the healthy target serves; the ejection is counted in the metrics; the cap on
// the ejected fraction keeps one target of a route whose every target fails.
import type { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { faultModel, refusedURL } from '../support/fault-upstream.ts';
import { ALL_LANES, ask, codeOf, modelOf } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const failing = (l: Lane, tag: string): string => faultModel({ status: 503, tag: `${tag}-${l.id}` });

const w = useCatalogueWorld(async () => {
  const refused = await refusedURL();
  return {
    outlier: true,
    endpoints: () => ({ refused: { url: refused } }),
    cases: {
      'b4-eject': { lanes: ALL_LANES, spec: (l) => ({ strategy: 'priority', retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: failing(l, 'eject'), priority: 0 }, { provider: p(l, 'backup'), model: 'ok', priority: 1 }] }) },
      'b1-eject': { lanes: ALL_LANES, spec: (l) => ({ strategy: 'priority', retry: { attempts: 1 }, targets: [{ provider: p(l, 'refused'), model: `refused-${l.id}`, priority: 0 }, { provider: p(l, 'backup'), model: 'ok', priority: 1 }] }) },
      'b4-cap': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: failing(l, 'cap-a') }, { provider: p(l, 'main'), model: failing(l, 'cap-b') }] }) },
    },
  };
});

async function ejections(model: string): Promise<number> {
  const m = w.gw.registry.getSingleMetric('switchyard_target_ejections_total') as Counter | undefined;
  if (m === undefined) return 0;
  return (await m.get()).values.filter((v) => v.labels.model === model).reduce((s, v) => s + v.value, 0);
}

const stream = (l: Lane): boolean => l.api !== 'embeddings';

describe.each(ALL_LANES)('B4 outlier ejection after 5 consecutive 5xx: $name', (l) => {
  it('the failing primary is tried 5 times, ejected (counted in switchyard_target_ejections_total), then skipped by the next 20 requests', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(w.gw, l.api, modelOf('b4-eject', l), { stream: stream(l) })).status).toBe(200);
    expect(w.up.requests).toHaveLength(5);
    expect(await ejections(failing(l, 'eject'))).toBe(1);
    for (let i = 0; i < 20; i++) {
      const a = await ask(w.gw, l.api, modelOf('b4-eject', l), { stream: stream(l) });
      expect(a.status).toBe(200);
      expect(a.headers.get('x-switchyard-attempts')).toBe('1');
    }
    expect(w.up.requests).toHaveLength(5); // 0 of the last 20 tried the ejected target
    expect(w.backup.requests).toHaveLength(25);
  });

  it('every target failing: the ejected-fraction cap keeps one in the route, so requests still get an upstream answer (502), not a blanket refusal', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await ask(w.gw, l.api, modelOf('b4-cap', l), { stream: stream(l) });
      expect(a.status).toBe(502);
      expect(await codeOf(w.gw, a)).toBe('upstream_error');
    }
    const late = w.up.requests.slice(-5);
    expect(late).toHaveLength(5); // still trying a target after both would have been ejected
    expect((await ejections(failing(l, 'cap-a'))) + (await ejections(failing(l, 'cap-b')))).toBeLessThanOrEqual(1);
  });
});

describe.each(ALL_LANES)('B1 the refused primary\'s outlier counter: $name', (l) => {
  it('connection refused 5 times → the primary is ejected and no longer dialed; the secondary serves every request', async () => {
    for (let i = 0; i < 5; i++) expect((await ask(w.gw, l.api, modelOf('b1-eject', l), { stream: stream(l) })).status).toBe(200);
    expect(await ejections(`refused-${l.id}`)).toBe(1);
    const a = await ask(w.gw, l.api, modelOf('b1-eject', l), { stream: stream(l) });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-switchyard-attempts')).toBe('1');
    expect(w.backup.requests).toHaveLength(6);
  });
});
