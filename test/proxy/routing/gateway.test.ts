// Routing strategies and rules through the real gateway on loopback (issue 11 point 1): a latency route steers away
// from a slow upstream, least-busy spreads concurrent requests, cost picks the cheaper target, rules route by
// header, team and body metadata (the matched rule in the access log). Fake OpenAI upstreams; a seeded random.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../../support/fake-openai-server.ts';
import { CHAT, apiKey, postJson, provider, route, startGateway } from '../harness.ts';
import type { Gateway } from '../harness.ts';
import { seeded } from './support.ts';

let a: FakeOpenAI;
let b: FakeOpenAI;
let gw: Gateway;

const KEY_ML = 'sk-ml-team-0000000000000001';
const KEY_WEB = 'sk-web-team-000000000000002';

beforeAll(async () => {
  a = await startFakeOpenAI();
  b = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('a', a.url, { models: [{ name: 'slow-headers-250', pricing: { input: 3, output: 15 } }, { name: 'ok-pricey', pricing: { input: 3, output: 15 } }, { name: 'slow-headers-200' }] }),
    ...provider('b', b.url, { models: [{ name: 'ok', pricing: { input: 0.15, output: 0.6 } }, { name: 'ok-cheap', pricing: { input: 0.1, output: 0.4 } }, { name: 'slow-headers-200' }] }),
    apiKey('ml', KEY_ML, { team: 'ml' }),
    apiKey('web', KEY_WEB, { team: 'web' }),
    route('fastest', { model: 'fastest', strategy: 'latency', retry: { attempts: 1 }, targets: [{ provider: 'a', model: 'slow-headers-250' }, { provider: 'b', model: 'ok' }] }),
    route('busy', { model: 'busy', strategy: 'least-busy', targets: [{ provider: 'a', model: 'slow-headers-200' }, { provider: 'b', model: 'slow-headers-200' }] }),
    route('cheap', { model: 'cheap', strategy: 'cost', targets: [{ provider: 'a', model: 'ok-pricey', weight: 100 }, { provider: 'b', model: 'ok-cheap' }] }),
    route('ruled', {
      model: 'ruled',
      rules: [
        { name: 'gold', match: { headers: { 'x-tier': 'gold' } }, targets: [{ provider: 'b', model: 'ok' }] },
        { name: 'ml-staging', match: { teams: ['ml'], metadata: { env: 'staging' } }, targets: [{ provider: 'b', model: 'ok-cheap' }] },
      ],
      targets: [{ provider: 'a', model: 'ok-pricey' }],
    }),
    route('broken-rule', {
      model: 'broken-rule',
      rules: [{ name: 'ghost', match: { headers: { 'x-tier': 'gold' } }, targets: [{ provider: 'nope', model: 'x' }] }],
      targets: [{ provider: 'a', model: 'ok-pricey' }],
    }),
  ], { random: seeded(17) });
});

afterAll(async () => {
  await gw.close();
  await a.close();
  await b.close();
});

function chat(model: string, key: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model, ...extra }, { authorization: `Bearer ${key}`, ...headers });
}

async function servedBy(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return `${res.headers.get('x-switchyard-provider')}/${res.headers.get('x-switchyard-model')}`;
}

describe('strategies through the gateway', () => {
  it('latency: once both are sampled, requests avoid the slow upstream', async () => {
    const served: string[] = [];
    for (let i = 0; i < 16; i++) served.push(await servedBy(await chat('fastest', KEY_WEB)));
    const slow = served.filter((s) => s === 'a/slow-headers-250').length;
    expect(slow).toBeLessThanOrEqual(2);
    expect(served.slice(-10).every((s) => s === 'b/ok')).toBe(true);
  });

  it('least-busy: ten concurrent requests spread evenly over two upstreams', async () => {
    a.requests.length = 0;
    b.requests.length = 0;
    const served = await Promise.all(Array.from({ length: 10 }, async () => servedBy(await chat('busy', KEY_WEB))));
    const onA = served.filter((s) => s.startsWith('a/')).length;
    expect(Math.abs(onA - (10 - onA))).toBeLessThanOrEqual(2);
    expect(a.requests.length + b.requests.length).toBe(10);
  });

  it('cost: the cheaper target serves although the pricey one has 100× the weight', async () => {
    for (let i = 0; i < 6; i++) expect(await servedBy(await chat('cheap', KEY_WEB))).toBe('b/ok-cheap');
  });
});

describe('rules through the gateway', () => {
  it('no rule matches: the route\'s own target', async () => {
    expect(await servedBy(await chat('ruled', KEY_WEB))).toBe('a/ok-pricey');
    expect(await servedBy(await chat('ruled', KEY_ML))).toBe('a/ok-pricey');
  });

  it('a header routes to the gold rule, logged as rule: gold', async () => {
    expect(await servedBy(await chat('ruled', KEY_WEB, {}, { 'x-tier': 'gold' }))).toBe('b/ok');
    const line = gw.accessLines().at(-1);
    expect(line).toMatchObject({ rule: 'gold', provider: 'default/b' });
  });

  it('team plus body metadata route to ml-staging; another team with the same metadata does not', async () => {
    expect(await servedBy(await chat('ruled', KEY_ML, { metadata: { env: 'staging' } }))).toBe('b/ok-cheap');
    expect(await servedBy(await chat('ruled', KEY_WEB, { metadata: { env: 'staging' } }))).toBe('a/ok-pricey');
    const lines = gw.accessLines();
    expect(lines.at(-2)).toMatchObject({ rule: 'ml-staging' });
    expect(lines.at(-1)?.['rule']).toBeUndefined();
  });
});

describe('a rule with no usable target (design §7)', () => {
  it('matching requests get 500 route_misconfigured naming the rule, not a retryable 503; others are served', async () => {
    const res = await chat('broken-rule', KEY_WEB, {}, { 'x-tier': 'gold' });
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    const body = await res.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('route_misconfigured');
    expect(body.error.message).toContain('rule ghost');
    expect(await servedBy(await chat('broken-rule', KEY_WEB))).toBe('a/ok-pricey');
  });
});
