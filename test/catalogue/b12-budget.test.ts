// B12's budget stop: an upstream 429 insufficient_quota (the account's money is gone) is returned as 429 and never
// retried or failed over (repopilot PR #223), on every OpenAI-family client API.
import { describe, expect, it } from 'vitest';
import { faultModel } from '../support/fault-upstream.ts';
import { ALL_LANES, ask, modelOf } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const OPENAI_LANES = ALL_LANES.filter((l) => l.upstream === 'oa');
const w = useCatalogueWorld(() => ({
  cases: {
    'b12-budget': { lanes: OPENAI_LANES, spec: (l) => ({ retry: { attempts: 3, backoff: { base: '1ms', max: '2ms' } }, targets: [{ provider: p(l, 'main'), model: faultModel({ status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota.', tag: l.id }) }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
  },
}));

describe.each(OPENAI_LANES)('B12 budget stop (insufficient_quota): $name', (l) => {
  it('429 insufficient_quota → 429 to the client, never a retry or failover', async () => {
    const a = await ask(w.gw, l.api, modelOf('b12-budget', l), { stream: l.api !== 'embeddings' });
    expect(a.status).toBe(429);
    expect(w.backup.requests).toHaveLength(0);
    expect(w.up.requests).toHaveLength(1);
  });
});
