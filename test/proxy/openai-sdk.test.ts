// The official OpenAI SDK against the gateway, which routes to a fake OpenAI upstream on loopback.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { apiKey, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

const ALICE = 'sk-test-alice-0000000001';
const BOB = 'sk-test-bob-00000000002';
const CAROL = 'sk-test-carol-000000003';

let up: FakeOpenAI;
let gw: Gateway;

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, { key: 'sk-upstream-key-000001', models: [{ name: 'gpt-4o-mini', pricing: { input: 1, output: 2 } }, { name: 'text-embedding-3-small', capabilities: ['embeddings'] }, { name: 'status-429' }] }),
    route('gpt-4o-mini', { model: 'gpt-4o-mini', aliases: ['mini'], targets: [{ provider: 'up' }] }),
    route('emb', { model: 'text-embedding-3-small', targets: [{ provider: 'up' }] }),
    route('restricted', { model: 'restricted', targets: [{ provider: 'up', model: 'gpt-4o-mini' }], access: { allow: [{ teams: ['other'] }] } }),
    route('limited', { model: 'limited', targets: [{ provider: 'up', model: 'status-429' }], retry: { attempts: 1 } }),
    apiKey('alice', ALICE, { team: 'demo', models: 'gpt-4o-mini, text-embedding-3-small, limited' }),
    apiKey('bob', BOB, { team: 'demo' }),
    apiKey('carol', CAROL, { team: 'other' }),
  ]);
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

const client = (key: string): OpenAI => new OpenAI({ baseURL: gw.baseURL, apiKey: key, maxRetries: 0 });

describe('OpenAI SDK', () => {
  it('chat non-stream returns the completion, usage and routing headers', async () => {
    const { data, response } = await client(ALICE).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]?.message.content).toBe('Hello world!');
    expect(data.usage?.prompt_tokens).toBe(11);
    expect(response.headers.get('x-switchyard-route')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-provider')).toBe('up');
    expect(response.headers.get('x-switchyard-model')).toBe('gpt-4o-mini');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const line = gw.accessLines().at(-1);
    expect(line).toMatchObject({ status: 200, route: 'default/gpt-4o-mini', provider: 'default/up', keyId: 'default/alice', team: 'demo', tokensIn: 11, tokensOut: 3, stream: false });
    expect(line?.costUSD).toBeCloseTo((11 * 1 + 3 * 2) / 1e6, 12);
    const metrics = await gw.registry.metrics();
    expect(metrics).toMatch(/switchyard_tokens_total\{route="default\/gpt-4o-mini",provider="default\/up",model="gpt-4o-mini",direction="output"\} \d+/);
    expect(metrics).toMatch(/switchyard_cost_usd_total\{route="default\/gpt-4o-mini",provider="default\/up",model="gpt-4o-mini"\} [0-9.e-]+/);
    expect(metrics).toMatch(/switchyard_requests_total\{endpoint="chat",route="default\/gpt-4o-mini",provider="default\/up",model="gpt-4o-mini",status="200",code=""\} 1/);
  });

  it('chat stream without include_usage: chunks, no usage chunk', async () => {
    const stream = await client(BOB).chat.completions.create({ model: 'mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let usageSeen = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usageSeen = true;
    }
    expect(text).toBe('Hello world!');
    expect(usageSeen).toBe(false);
    // The gateway still asked the upstream for usage and accounted it.
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 200, stream: true, tokensIn: 11, tokensOut: 3, code: '' });
  });

  it('chat stream with include_usage: final usage chunk present', async () => {
    const stream = await client(ALICE).chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage?.completion_tokens).toBe(3);
    expect(gw.accessLines().at(-1)?.ttftMs).toEqual(expect.any(Number));
  });

  it('embeddings', async () => {
    const res = await client(ALICE).embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0]?.embedding).toHaveLength(3);
  });

  it('models list is filtered by the key', async () => {
    const ids = async (key: string): Promise<string[]> => (await client(key).models.list()).data.map((m) => m.id);
    expect(await ids(ALICE)).toEqual(['gpt-4o-mini', 'limited', 'text-embedding-3-small']);
    expect(await ids(BOB)).toEqual(['gpt-4o-mini', 'limited', 'mini', 'text-embedding-3-small']);
    expect(await ids(CAROL)).toEqual(['gpt-4o-mini', 'limited', 'mini', 'restricted', 'text-embedding-3-small']);
    const one = await client(BOB).models.retrieve('mini');
    expect(one).toMatchObject({ id: 'mini', object: 'model', owned_by: 'switchyard' });
    await expect(client(ALICE).models.retrieve('mini')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('401 → AuthenticationError', async () => {
    await expect(client('sk-wrong-key-123456').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }))
      .rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('403 → PermissionDeniedError (route access rules and key model list)', async () => {
    const err = await client(BOB).chat.completions.create({ model: 'restricted', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed');
    await expect(client(ALICE).chat.completions.create({ model: 'restricted', messages: [{ role: 'user', content: 'x' }] }))
      .rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it('404 → NotFoundError for an unknown model', async () => {
    const err = await client(ALICE).chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });

  it('429 → RateLimitError when the only target rate-limits, with Retry-After', async () => {
    const err = await client(ALICE).chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const apiErr = err as InstanceType<typeof OpenAI.APIError>;
    expect(apiErr.code).toBe('upstream_rate_limited');
    expect(Number(apiErr.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
