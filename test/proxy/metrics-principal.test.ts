// Metrics by caller through the gateway over loopback (issue 8 point 9): switchyard_principal_tokens_total and
// switchyard_principal_cost_usd_total carry the calling key's id and team ('_none' unauthenticated), and the
// remaining-quota gauges fall as requests are admitted and reset at the window boundary (injected clock).
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { createProxyServer } from '../../pkg/proxy/server.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { parseExposition, samplesOf } from '../telemetry/exposition.ts';
import type { Sample } from '../telemetry/exposition.ts';
import { apiKey, compileTable, postJson } from './harness.ts';
import { ALICE, BOB, T0, world } from './quota-support.ts';

const CAROL = 'sk-swy-metrics-carol-000111222';
const DAVE = 'sk-swy-metrics-dave-333444555';

let up: FakeOpenAI;
let app: FastifyInstance;
let pools: UpstreamPools;
let registry: Registry;
let origin: string;
let clock = T0;

beforeAll(async () => {
  up = await startFakeOpenAI();
  const logger = createLogger({ level: 'error', destination: { write: () => undefined } });
  registry = new Registry();
  // Small caps so the test can reach them: 3 keys (the anonymous '_none' takes no slot).
  const metrics = createMetrics(registry, { maxKeys: 3 });
  pools = createUpstreamPools({ keepAliveTimeoutMs: 1000 });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: 'open', metrics, now: () => clock });
  metrics.watchQuotas(() => holder.quotaLedger.gauges.figures(clock));
  holder.load(compileTable(world(up.url, [apiKey('carol', CAROL, { team: 'ops' }), apiKey('dave', DAVE)])));
  app = createProxyServer({ holder, logger, metrics, now: () => clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
  await pools.destroy();
  await up.close();
});

async function chat(model: string, key: string | null, stream = false): Promise<number> {
  const res = await postJson(`${origin}/v1/chat/completions`, {
    model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  }, key === null ? {} : { authorization: `Bearer ${key}` });
  await res.arrayBuffer();
  return res.status;
}

async function scrape(): Promise<Sample[]> {
  return parseExposition(await registry.metrics());
}

function value(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samplesOf(samples, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('tokens and cost by team and key', () => {
  it('label each request with its key id and team; unauthenticated requests are _none', async () => {
    expect(await chat('free', ALICE)).toBe(200);
    expect(await chat('free', ALICE, true)).toBe(200);
    expect(await chat('free', BOB)).toBe(200);
    expect(await chat('free', CAROL)).toBe(200);
    expect(await chat('free', null)).toBe(200);
    const s = await scrape();
    const tokens = (labels: Record<string, string>): number | undefined => value(s, 'switchyard_principal_tokens_total', labels);
    // The fake upstream reports 11 prompt tokens and 3 completion tokens per answer.
    expect(tokens({ team: 'eng', key: 'default/alice', model: 'free', direction: 'input' })).toBe(22);
    expect(tokens({ team: 'eng', key: 'default/alice', model: 'free', direction: 'output' })).toBe(6);
    expect(tokens({ team: 'eng', key: 'default/bob', model: 'free', direction: 'input' })).toBe(11);
    expect(tokens({ team: 'ops', key: 'default/carol', model: 'free', direction: 'input' })).toBe(11);
    expect(tokens({ team: '_none', key: '_none', model: 'free', direction: 'input' })).toBe(11);
    const routes = new Set(samplesOf(s, 'switchyard_principal_tokens_total').map((x) => x.labels.route));
    expect([...routes]).toEqual(['default/free']);
  });

  it('spend by key follows the table prices; a key past the cap folds into _other', async () => {
    expect(await chat('cost', ALICE)).toBe(200);
    expect(await chat('free', DAVE)).toBe(200); // the fourth key: past maxKeys 3
    const s = await scrape();
    // 11 input tokens at 0.001 + 3 output tokens at 0.002.
    expect(value(s, 'switchyard_principal_cost_usd_total', { team: 'eng', key: 'default/alice', model: 'cost' })).toBe(0.017);
    expect(value(s, 'switchyard_principal_tokens_total', { team: '_none', key: '_other', model: 'free', direction: 'input' })).toBe(11);
    expect(samplesOf(s, 'switchyard_principal_tokens_total').some((x) => x.labels.key === 'default/dave')).toBe(false);
  });
});

describe('remaining-quota gauges through the gateway', () => {
  it('fall as requests are admitted and reset at the window boundary', async () => {
    const quota = { quota: 'default/three-rpm', window: '1m', limit_type: 'requests' };
    expect(await chat('rpm3', ALICE)).toBe(200);
    let s = await scrape();
    expect(value(s, 'switchyard_quota_limit', quota)).toBe(3);
    expect(value(s, 'switchyard_quota_remaining', quota)).toBe(2);
    expect(await chat('rpm3', ALICE)).toBe(200);
    expect(await chat('rpm3', ALICE)).toBe(200);
    expect(await chat('rpm3', ALICE)).toBe(429);
    s = await scrape();
    expect(value(s, 'switchyard_quota_remaining', quota)).toBe(0);
    clock = T0 + 30_000; // 10:18:00, the next minute
    s = await scrape();
    expect(value(s, 'switchyard_quota_remaining', quota)).toBe(3);
    expect(await chat('rpm3', ALICE)).toBe(200);
    expect(value(await scrape(), 'switchyard_quota_remaining', quota)).toBe(2);
  });

  it('tokens limits settle to the reported usage', async () => {
    clock = T0 + 3_600_000;
    expect(await chat('tok', BOB)).toBe(200);
    const s = await scrape();
    expect(value(s, 'switchyard_quota_limit', { quota: 'default/tok-eng', window: '1h', limit_type: 'tokens-total' })).toBe(300);
    expect(value(s, 'switchyard_quota_remaining', { quota: 'default/tok-eng', window: '1h', limit_type: 'tokens-total' })).toBe(300 - 14);
    expect(value(s, 'switchyard_quota_remaining', { quota: 'default/tok-eng', window: '1h', limit_type: 'requests' })).toBe(99);
  });
});
