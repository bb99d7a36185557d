// planRequest (pkg/proxy/dispatch/plan.ts) over runtime routes compiled from real manifests: rules, strategies,
// ejection, spillover and the hot path's precomputed plans. Seeded random, injected signals.
import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../pkg/proxy/dispatch/plan.ts';
import type { PlanInput } from '../../../pkg/proxy/dispatch/plan.ts';
import type { RuntimeRoute } from '../../../pkg/proxy/runtime-table.ts';
import { givenFacts } from '../../../pkg/proxy/routing/facts.ts';
import type { GivenFacts } from '../../../pkg/proxy/routing/facts.ts';
import type { Plan, TargetSignals } from '../../../pkg/proxy/routing/types.ts';
import { fixedSignals, keyOf, modelRoute, openaiProvider, runtimeRoutes, seeded } from './support.ts';

const PRICES = { cheap: { input: 0.1, output: 0.4 }, pricey: { input: 3, output: 15 }, mid: { input: 1, output: 2 } };

const routes = runtimeRoutes([
  ...openaiProvider('p', PRICES),
  ...openaiProvider('q', { cheap: { input: 0.1, output: 0.4 }, other: { input: 0.1, output: 0.4 } }),
  ...openaiProvider('pool'),
  ...openaiProvider('saas'),
  modelRoute('single', { model: 'single', targets: [{ provider: 'p', model: 'mid' }], fallback: [{ provider: 'saas', model: 'f' }] }),
  modelRoute('weighted', { model: 'weighted', targets: [{ provider: 'p', model: 'mid', weight: 3 }, { provider: 'saas', model: 'x', weight: 1 }] }),
  modelRoute('cost', {
    model: 'cost', strategy: 'cost',
    targets: [{ provider: 'p', model: 'pricey' }, { provider: 'p', model: 'cheap' }, { provider: 'q', model: 'cheap', weight: 3 }, { provider: 'saas', model: 'unpriced' }],
  }),
  modelRoute('latency', { model: 'latency', strategy: 'latency', targets: [{ provider: 'p', model: 'mid' }, { provider: 'saas', model: 'x' }, { provider: 'q', model: 'other' }] }),
  modelRoute('spill', {
    model: 'spill', strategy: 'priority',
    targets: [{ provider: 'pool', model: 'llama', priority: 0, spillover: true }, { provider: 'saas', model: 'llama', priority: 1 }],
  }),
  modelRoute('spill-alone', { model: 'spill-alone', targets: [{ provider: 'pool', model: 'llama', spillover: true }] }),
  modelRoute('rules', {
    model: 'rules',
    rules: [
      { name: 'gold', match: { headers: { 'x-tier': 'gold' } }, targets: [{ provider: 'p', model: 'pricey' }] },
      { name: 'ml-staging', match: { teams: ['ml'], metadata: { env: 'staging' } }, strategy: 'least-busy', targets: [{ provider: 'q', model: 'cheap' }, { provider: 'q', model: 'other' }] },
      { name: 'claims', match: { claims: { tier: 'beta' } }, targets: [{ provider: 'saas', model: 'beta' }] },
      { name: 'key', match: { keys: ['ci-key'] }, targets: [{ provider: 'saas', model: 'ci' }] },
    ],
    targets: [{ provider: 'p', model: 'mid' }],
    fallback: [{ provider: 'saas', model: 'f' }],
  }),
]);

function route(model: string): RuntimeRoute {
  const r = routes.get(model);
  if (r === undefined) throw new Error(`no route ${model}`);
  return r;
}

function plan(model: string, opts: { facts?: GivenFacts; signals?: TargetSignals; random?: () => number } = {}): Plan {
  const input: PlanInput = {
    api: 'openai-chat',
    facts: () => givenFacts(opts.facts ?? {}),
    signals: opts.signals ?? fixedSignals(),
    random: opts.random ?? (() => 0),
  };
  return planRequest(route(model), input);
}

const names = (p: Plan): string[] => p.targets.map(keyOf);

describe('hot path', () => {
  it('a one-target route returns its precomputed plan object itself (no allocation)', () => {
    const a = plan('single');
    expect(a).toBe(route('single').staticResult);
    expect(plan('single')).toBe(a);
    expect(names(a)).toEqual(['p/mid', 'saas/f']);
    expect(a.primaryCount).toBe(1);
  });

  it('a weighted route draws by weight: r < 0.75 → the weight-3 target, then the other', () => {
    expect(names(plan('weighted', { random: () => 0.5 }))).toEqual(['p/mid', 'saas/x']);
    expect(names(plan('weighted', { random: () => 0.8 }))).toEqual(['saas/x', 'p/mid']);
  });

  it('plain routes are marked plain; latency and spillover routes are not', () => {
    expect(route('weighted').plain).toBe(true);
    expect(route('cost').plain).toBe(true);
    expect(route('latency').plain).toBe(false);
    expect(route('spill').plain).toBe(false);
  });
});

describe('cost', () => {
  it('cheapest price tier first (ties by weight), unknown price last', () => {
    const p = plan('cost', { random: () => 0 });
    expect(names(p)).toEqual(['q/cheap', 'p/cheap', 'p/pricey', 'saas/unpriced']);
    expect(names(plan('cost', { random: () => 0.9 })).slice(0, 2)).toEqual(['p/cheap', 'q/cheap']);
  });

  it('the tie splits 3:1 by weight', () => {
    const random = seeded(5);
    let q = 0;
    for (let i = 0; i < 4000; i++) if (keyOf(plan('cost', { random }).targets[0] as never) === 'q/cheap') q++;
    expect(q / 4000).toBeGreaterThan(0.72);
    expect(q / 4000).toBeLessThan(0.78);
  });

  it('an ejected cheapest target is skipped', () => {
    const s = fixedSignals();
    s.out.add('q/cheap');
    s.out.add('p/cheap');
    expect(names(plan('cost', { signals: s }))).toEqual(['p/pricey', 'saas/unpriced']);
  });
});

describe('latency', () => {
  it('steers to the fast target and lists the others by cost', () => {
    const s = fixedSignals();
    s.latency.set('p/mid', 800);
    s.latency.set('saas/x', 90);
    s.latency.set('q/other', 400);
    const p = plan('latency', { signals: s, random: seeded(1) });
    expect(p.targets.length).toBe(3);
    expect(names(p)[0]).not.toBe('p/mid');
  });
});

describe('ejection', () => {
  it('ejected targets are left out; every one ejected (panic) keeps them all', () => {
    const s = fixedSignals();
    s.out.add('p/mid');
    expect(names(plan('single', { signals: s }))).toEqual(['saas/f']);
    s.out.add('saas/f');
    expect(names(plan('single', { signals: s }))).toEqual(['p/mid', 'saas/f']);
  });
});

describe('spillover', () => {
  it('a saturated pool is skipped, the request goes to the SaaS target and the plan says it spilled', () => {
    const s = fixedSignals();
    expect(plan('spill', { signals: s })).toMatchObject({ spilled: false });
    expect(names(plan('spill', { signals: s }))).toEqual(['pool/llama', 'saas/llama']);
    s.full.add('pool/llama');
    const p = plan('spill', { signals: s });
    expect(names(p)).toEqual(['saas/llama']);
    expect(p.spilled).toBe(true);
  });

  it('with nothing to spill to, the saturated pool is kept and nothing spilled', () => {
    const s = fixedSignals();
    s.full.add('pool/llama');
    const p = plan('spill-alone', { signals: s });
    expect(names(p)).toEqual(['pool/llama']);
    expect(p.spilled).toBe(false);
  });
});

describe('rules', () => {
  it('no rule matches: the route\'s targets and fallbacks', () => {
    const p = plan('rules', { facts: { headers: { 'x-tier': 'silver' } } });
    expect(p.rule).toBeNull();
    expect(names(p)).toEqual(['p/mid', 'saas/f']);
  });

  it('header match: the rule\'s targets, then the route\'s fallbacks', () => {
    const p = plan('rules', { facts: { headers: { 'X-Tier': 'gold' } } });
    expect(p.rule).toBe('gold');
    expect(names(p)).toEqual(['p/pricey', 'saas/f']);
    expect(p.primaryCount).toBe(1);
  });

  it('team and metadata must both match; the rule\'s own strategy (least-busy) applies', () => {
    expect(plan('rules', { facts: { team: 'ml' } }).rule).toBeNull();
    expect(plan('rules', { facts: { metadata: { env: 'staging' } } }).rule).toBeNull();
    const s = fixedSignals();
    s.load.set('q/cheap', 5);
    const p = plan('rules', { facts: { team: 'ml', metadata: { env: 'staging' } }, signals: s });
    expect(p.rule).toBe('ml-staging');
    expect(names(p)).toEqual(['q/other', 'q/cheap', 'saas/f']);
  });

  it('JWT claim and API key matches', () => {
    expect(plan('rules', { facts: { claims: { tier: 'beta' } } }).rule).toBe('claims');
    expect(plan('rules', { facts: { claims: { tier: 'ga' } } }).rule).toBeNull();
    expect(plan('rules', { facts: { key: 'default/ci-key' } }).rule).toBe('key');
    expect(names(plan('rules', { facts: { key: 'default/ci-key' } }))).toEqual(['saas/ci', 'saas/f']);
  });

  it('first match wins', () => {
    expect(plan('rules', { facts: { headers: { 'x-tier': 'gold' }, claims: { tier: 'beta' } } }).rule).toBe('gold');
  });
});
