// The served data plane (createDataPlaneParts + serveDataPlane, as `switchyard serve` runs it) wires the
// remaining-quota gauges and the per-caller metrics: GET /metrics on the admin port parses as Prometheus text and
// carries them after one request over loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataPlaneParts, serveDataPlane } from '../../pkg/serve/dataplane.ts';
import type { RunningDataPlane } from '../../pkg/serve/dataplane.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { parseExposition, samplesOf } from '../telemetry/exposition.ts';
import { compileTable, postJson } from './harness.ts';
import { BOB, world } from './quota-support.ts';

let up: FakeOpenAI;
let plane: RunningDataPlane;

beforeAll(async () => {
  up = await startFakeOpenAI();
  const logger = createLogger({ level: 'error', destination: { write: () => undefined } });
  const parts = createDataPlaneParts(logger, 'required');
  parts.holder.load(compileTable(world(up.url)));
  plane = await serveDataPlane(parts, { dataPort: 0, adminPort: 0, host: '127.0.0.1', logger, env: {}, drainTimeoutMs: 1000 });
});

afterAll(async () => {
  await plane.close();
  await up.close();
});

describe('served /metrics', () => {
  it('parses and carries the per-caller tokens and the remaining-quota gauges', async () => {
    const hourBefore = Math.floor(Date.now() / 3_600_000);
    const res = await postJson(`${plane.data.url}/v1/chat/completions`, { model: 'tok', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${BOB}` });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const text = await (await fetch(`${plane.admin.url}/metrics`)).text();
    const crossedHour = Math.floor(Date.now() / 3_600_000) !== hourBefore;
    const samples = parseExposition(text);
    expect(samplesOf(samples, 'switchyard_principal_tokens_total')).toContainEqual({
      name: 'switchyard_principal_tokens_total', labels: { team: 'eng', key: 'default/bob', route: 'default/tok', model: 'tok', direction: 'input' }, value: 11,
    });
    const requests = samplesOf(samples, 'switchyard_quota_remaining').find((s) => s.labels.quota === 'default/tok-eng' && s.labels.limit_type === 'requests');
    expect(requests?.labels.window).toBe('1h');
    expect(requests?.value).toBe(crossedHour ? 100 : 99);
    expect(samplesOf(samples, 'switchyard_quota_limit')).toContainEqual({
      name: 'switchyard_quota_limit', labels: { quota: 'default/tok-eng', window: '1h', limit_type: 'tokens-total' }, value: 300,
    });
  });
});
