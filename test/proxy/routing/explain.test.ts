// explainRouting (pkg/admin/explain-routing.ts): which rule matches and why the others do not, the candidates with
// their signals, the ones skipped (ejected, saturated → spill), and the preference order of the strategy.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createAdminServer } from '../../../pkg/admin/server.ts';
import { createLogger } from '../../../pkg/telemetry/logger.ts';
import { compile } from '../../../pkg/compiler/index.ts';
import { explainRouting } from '../../../pkg/admin/explain-routing.ts';
import type { LiveTargetSignals } from '../../../pkg/admin/explain-routing.ts';
import type { TableRoute } from '../../../pkg/table/types.ts';
import { apiKeySecret, modelRoute, openaiProvider } from './support.ts';

const { table } = compile([
  ...openaiProvider('pool'),
  ...openaiProvider('saas', { cheap: { input: 0.1, output: 0.4 }, pricey: { input: 3, output: 15 } }),
  apiKeySecret('ci-key', 'sk-ci-000000000000000000'),
  modelRoute('llama', {
    model: 'llama', strategy: 'priority',
    rules: [
      { name: 'gold', match: { headers: { 'x-tier': 'gold' } }, strategy: 'cost', targets: [{ provider: 'saas', model: 'pricey' }, { provider: 'saas', model: 'cheap' }] },
      { name: 'ci', match: { keys: ['ci-key'] }, targets: [{ provider: 'saas', model: 'cheap' }] },
    ],
    targets: [{ provider: 'pool', model: 'llama', priority: 0, spillover: true }, { provider: 'saas', model: 'pricey', priority: 1 }],
    fallback: [{ provider: 'saas', model: 'cheap' }],
  }),
  modelRoute('busy', { model: 'busy', strategy: 'least-busy', targets: [{ provider: 'saas', model: 'cheap' }, { provider: 'saas', model: 'pricey' }] }),
], { version: 1 });

function routeOf(id: string): TableRoute {
  const r = table.routes.find((x) => x.id === id);
  if (r === undefined) throw new Error(id);
  return r;
}

const live = (m: Record<string, Partial<LiveTargetSignals>>) => (provider: string, model: string): LiveTargetSignals | null => {
  const s = m[`${provider}/${model}`];
  return s === undefined ? null : { inFlight: 0, latencyEwmaMs: null, ejected: false, saturated: false, ...s };
};

describe('explainRouting', () => {
  it('no rule matches: says why each does not, and the priority order', () => {
    const e = explainRouting(table, routeOf('default/llama'), { headers: { 'x-tier': 'silver' } });
    expect(e.rule).toBeNull();
    expect(e.rules).toEqual([
      { name: 'gold', matched: false, why: 'header x-tier differs' },
      { name: 'ci', matched: false, why: 'no API key' },
    ]);
    expect(e.strategy).toBe('priority');
    expect(e.preferred).toEqual(['default/pool/llama', 'default/saas/pricey', 'default/saas/cheap']);
    expect(e.why).toContain('no rule matches');
  });

  it('a matching rule (key by name, in the route\'s namespace) and its strategy; later rules not reached', () => {
    const e = explainRouting(table, routeOf('default/llama'), { key: 'ci-key' });
    expect(e.rule).toBe('ci');
    const g = explainRouting(table, routeOf('default/llama'), { headers: { 'X-Tier': 'gold' }, key: 'ci-key' });
    expect(g.rule).toBe('gold');
    expect(g.strategy).toBe('cost');
    expect(g.rules[1]).toEqual({ name: 'ci', matched: false, why: 'not reached: rule gold matched first' });
    expect(g.preferred.slice(0, 2)).toEqual(['default/saas/cheap', 'default/saas/pricey']);
  });

  it('a saturated spillover pool is skipped and the explanation says it spills', () => {
    const e = explainRouting(table, routeOf('default/llama'), {}, live({ 'default/pool/llama': { saturated: true, inFlight: 64 } }));
    expect(e.spills).toBe(true);
    expect(e.candidates[0]).toMatchObject({ provider: 'default/pool', inFlight: 64, saturated: true, skipped: 'saturated' });
    expect(e.preferred[0]).toBe('default/saas/pricey');
    expect(e.why).toContain('spilling');
  });

  it('ejected targets are skipped; all ejected is panic and none is', () => {
    const one = explainRouting(table, routeOf('default/busy'), {}, live({ 'default/saas/cheap': { ejected: true } }));
    expect(one.candidates.map((c) => c.skipped)).toEqual(['ejected', null]);
    expect(one.preferred).toEqual(['default/saas/pricey']);
    const all = explainRouting(table, routeOf('default/busy'), {}, live({ 'default/saas/cheap': { ejected: true }, 'default/saas/pricey': { ejected: true } }));
    expect(all.candidates.map((c) => c.skipped)).toEqual([null, null]);
    expect(all.why).toContain('panic');
  });

  it('least-busy prefers the idle target', () => {
    const e = explainRouting(table, routeOf('default/busy'), {}, live({ 'default/saas/cheap': { inFlight: 7 } }));
    expect(e.preferred[0]).toBe('default/saas/pricey');
  });
});

describe('/debug/explain routing section', () => {
  it('takes header=, key= and live signals, and refuses a malformed pair', async () => {
    const app = createAdminServer({
      registry: new Registry(), holder: { table }, logger: createLogger({ level: 'silent' }), ready: () => true,
      routingSignals: () => live({ 'default/pool/llama': { saturated: true, inFlight: 3 } }),
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/debug/explain?model=llama&header=X-Tier:gold' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ routing: { rule: 'gold', strategy: 'cost', preferred: ['default/saas/cheap', 'default/saas/pricey', 'default/saas/cheap'] } });
      const plain = (await app.inject({ method: 'GET', url: '/debug/explain?model=llama' })).json() as { routing: { spills: boolean; candidates: { inFlight: number }[] } };
      expect(plain.routing.spills).toBe(true);
      expect(plain.routing.candidates[0]?.inFlight).toBe(3);
      const bad = await app.inject({ method: 'GET', url: '/debug/explain?model=llama&header=novalue' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { param: 'header' } });
    } finally {
      await app.close();
    }
  });
});
