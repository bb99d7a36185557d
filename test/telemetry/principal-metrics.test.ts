// Tokens and spend by team and key: switchyard_principal_tokens_total / switchyard_principal_cost_usd_total, their
// per-label caps and per-metric series cap folding into '_other', and the old token metrics left as they were.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CombinationCap } from '../../pkg/telemetry/labels.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import type { MetricsOptions } from '../../pkg/telemetry/metrics.ts';
import type { TokenObservation } from '../../pkg/telemetry/types.ts';
import { parseExposition, samplesOf } from './exposition.ts';

function setup(opts: MetricsOptions = {}) {
  const registry = new Registry();
  return { registry, metrics: createMetrics(registry, opts) };
}

const t: TokenObservation = {
  route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', inputTokens: 10, outputTokens: 20, costUSD: 0.5,
  team: 'eng', key: 'default/alice',
};

async function series(registry: Registry, name: string) {
  return samplesOf(parseExposition(await registry.metrics()), name);
}

describe('principal metrics', () => {
  it('count tokens by team, key, route, model and direction, and spend exactly, beside the unchanged per-route metrics', async () => {
    const { registry, metrics } = setup();
    metrics.observeTokens(t);
    metrics.observeTokens({ ...t, costUSD: 0.1 });
    metrics.observeTokens({ ...t, team: undefined, key: undefined, inputTokens: 3, outputTokens: 0, costUSD: 0.2 });
    const tokens = await series(registry, 'switchyard_principal_tokens_total');
    expect(tokens).toContainEqual({ name: 'switchyard_principal_tokens_total', labels: { team: 'eng', key: 'default/alice', route: 'default/mini', model: 'gpt-4o-mini', direction: 'input' }, value: 20 });
    expect(tokens).toContainEqual({ name: 'switchyard_principal_tokens_total', labels: { team: 'eng', key: 'default/alice', route: 'default/mini', model: 'gpt-4o-mini', direction: 'output' }, value: 40 });
    expect(tokens).toContainEqual({ name: 'switchyard_principal_tokens_total', labels: { team: '_none', key: '_none', route: 'default/mini', model: 'gpt-4o-mini', direction: 'input' }, value: 3 });
    expect(tokens).toHaveLength(3);
    const cost = await series(registry, 'switchyard_principal_cost_usd_total');
    expect(cost).toContainEqual({ name: 'switchyard_principal_cost_usd_total', labels: { team: 'eng', key: 'default/alice', route: 'default/mini', model: 'gpt-4o-mini' }, value: 0.6 });
    expect(cost).toContainEqual({ name: 'switchyard_principal_cost_usd_total', labels: { team: '_none', key: '_none', route: 'default/mini', model: 'gpt-4o-mini' }, value: 0.2 });
    // The existing metrics keep their label names: dashboards over them see the same series.
    const old = await series(registry, 'switchyard_tokens_total');
    expect(old).toEqual([
      { name: 'switchyard_tokens_total', labels: { route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', direction: 'input' }, value: 23 },
      { name: 'switchyard_tokens_total', labels: { route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', direction: 'output' }, value: 40 },
    ]);
    expect((await series(registry, 'switchyard_cost_usd_total')).map((s) => Object.keys(s.labels))).toEqual([['route', 'provider', 'model']]);
  });

  it('folds keys past maxKeys and teams past maxTeams into _other; _none never takes a slot', async () => {
    const { registry, metrics } = setup({ maxKeys: 3, maxTeams: 2 });
    metrics.observeTokens({ ...t, team: undefined, key: undefined, outputTokens: 0, costUSD: 0 });
    for (let i = 0; i < 10; i++) metrics.observeTokens({ ...t, team: `team-${i % 5}`, key: `jwt:issuer.example/user-${i}`, outputTokens: 0, costUSD: 0 });
    const tokens = await series(registry, 'switchyard_principal_tokens_total');
    const keys = new Set(tokens.map((s) => s.labels.key));
    const teams = new Set(tokens.map((s) => s.labels.team));
    expect([...keys].sort()).toEqual(['_none', '_other', 'jwt:issuer.example/user-0', 'jwt:issuer.example/user-1', 'jwt:issuer.example/user-2']);
    expect([...teams].sort()).toEqual(['_none', '_other', 'team-0', 'team-1']);
    // Nothing is lost: the folded series carry the rest of the tokens.
    expect(tokens.reduce((a, s) => a + s.value, 0)).toBe(110);
    const other = tokens.filter((s) => s.labels.key === '_other');
    expect(other.reduce((a, s) => a + s.value, 0)).toBe(70);
  });

  it('caps the series of each metric at maxCombinations: new combinations past it fold into one all-_other series', async () => {
    const { registry, metrics } = setup({ maxCombinations: 4, maxKeys: 1000, maxTeams: 1000 });
    for (let i = 0; i < 50; i++) {
      metrics.observeTokens({ ...t, team: `team-${i}`, key: `default/key-${i}`, inputTokens: 1, outputTokens: 0, costUSD: 0.001 });
    }
    const tokens = await series(registry, 'switchyard_principal_tokens_total');
    expect(tokens).toHaveLength(5);
    expect(tokens).toContainEqual({ name: 'switchyard_principal_tokens_total', labels: { team: '_other', key: '_other', route: '_other', model: '_other', direction: 'input' }, value: 46 });
    const cost = await series(registry, 'switchyard_principal_cost_usd_total');
    expect(cost).toHaveLength(5);
    expect(cost).toContainEqual({ name: 'switchyard_principal_cost_usd_total', labels: { team: '_other', key: '_other', route: '_other', model: '_other' }, value: 0.046 });
  });

  it('CombinationCap admits known combinations after it is full and folds only new ones', () => {
    const cap = new CombinationCap(2);
    const fold = (): string[] => ['_other'];
    expect(cap.admit(['a'], fold)).toEqual(['a']);
    expect(cap.admit(['b'], fold)).toEqual(['b']);
    expect(cap.admit(['c'], fold)).toEqual(['_other']);
    expect(cap.admit(['a'], fold)).toEqual(['a']);
    expect(cap.size).toBe(2);
  });
});
