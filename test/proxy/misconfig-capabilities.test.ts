// Misconfiguration is not an outage (design §7): a route the table marks unresolved and non-retryable answers 500
// route_misconfigured without Retry-After; one that may clear by itself (or comes from a table without `unresolved`)
// keeps 503 + Retry-After. Declared model capabilities are enforced before any upstream call (400
// unsupported_operation), and a route whose targets differ serves each operation only on the targets that can.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import type { RoutingTable, TableRoute } from '../../pkg/table/types.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { CHAT, postJson, provider, route, startGateway } from './harness.ts';
import type { Gateway } from './harness.ts';

let up: FakeOpenAI;
let gw: Gateway;

const EMBED = { input: 'hello' };

function withRoutes(base: RoutingTable, extra: readonly TableRoute[]): RoutingTable {
  const models: Record<string, string> = { ...base.models };
  for (const r of extra) models[r.model] = r.id;
  return { ...base, version: base.version + 1, routes: [...base.routes, ...extra], models };
}

function emptyRoute(name: string, unresolved?: TableRoute['unresolved']): TableRoute {
  const template = gw.holder.table?.routes[0];
  if (template === undefined) throw new Error('no template route');
  return {
    ...template, id: `default/${name}`, name, model: name, aliases: [], targets: [], fallback: [], access: null,
    ...(unresolved === undefined ? {} : { unresolved }),
  } as TableRoute;
}

beforeAll(async () => {
  up = await startFakeOpenAI();
  gw = await startGateway([
    ...provider('up', up.url, {
      models: [
        { name: 'embed', capabilities: ['embeddings'] },
        { name: 'chatty', capabilities: ['chat', 'tools'] },
        { name: 'both', capabilities: ['chat', 'embeddings'] },
      ],
    }),
    ...provider('any', up.url),
    route('emb-only', { model: 'emb-only', targets: [{ provider: 'up', model: 'embed' }] }),
    route('chat-only', { model: 'chat-only', targets: [{ provider: 'up', model: 'chatty' }] }),
    route('mixed', { model: 'mixed', strategy: 'priority', targets: [{ provider: 'up', model: 'chatty', priority: 0 }], fallback: [{ provider: 'up', model: 'both' }] }),
    route('unlisted', { model: 'unlisted', targets: [{ provider: 'any', model: 'whatever' }] }),
  ], { auth: 'open' });
});

afterAll(async () => {
  await gw.close();
  await up.close();
});

describe('capabilities at request time', () => {
  it('an embeddings-only model refuses chat with 400 unsupported_operation before any upstream call', async () => {
    const before = up.requests.length;
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'emb-only' });
    expect(res.status).toBe(400);
    const err = ((await res.json()) as { error: { code: string; param: string; message: string } }).error;
    expect(err).toMatchObject({ code: 'unsupported_operation', param: 'model' });
    expect(err.message).toContain('"emb-only"');
    expect(err.message).toContain('chat completions');
    expect(err.message).toContain('embeddings');
    expect(up.requests.length).toBe(before);
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 400, code: 'unsupported_operation', attempts: 0 });
    const stream = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'emb-only', stream: true });
    expect(stream.status).toBe(400);
    expect(up.requests.length).toBe(before);
  });

  it('a chat-only model refuses embeddings with 400; both are served where declared', async () => {
    const before = up.requests.length;
    const res = await postJson(`${gw.baseURL}/embeddings`, { ...EMBED, model: 'chat-only' });
    expect(res.status).toBe(400);
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('unsupported_operation');
    expect(err.message).toMatch(/"chat-only" does not support embeddings: its providers declare chat, tools/);
    expect(up.requests.length).toBe(before);
    expect((await postJson(`${gw.baseURL}/embeddings`, { ...EMBED, model: 'emb-only' })).status).toBe(200);
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'chat-only' })).status).toBe(200);
    const metrics = await gw.registry.metrics();
    expect(metrics).toMatch(/switchyard_requests_total\{[^}]*route="default\/chat-only"[^}]*code="unsupported_operation"[^}]*\} 1/);
  });

  it('a route with mixed targets sends each operation only to targets that declare it', async () => {
    const before = up.requests.length;
    const emb = await postJson(`${gw.baseURL}/embeddings`, { ...EMBED, model: 'mixed' });
    expect(emb.status).toBe(200);
    expect(emb.headers.get('x-switchyard-attempts')).toBe('1');
    const chat = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'mixed' });
    expect(chat.status).toBe(200);
    const sent = up.requests.slice(before).map((r) => [r.path, (r.body as { model: string }).model]);
    expect(sent).toEqual([['/v1/embeddings', 'both'], ['/v1/chat/completions', 'chatty']]);
  });

  it('a model its Provider does not list (or a Provider without a model list) may serve any operation', async () => {
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'unlisted' })).status).toBe(200);
    expect((await postJson(`${gw.baseURL}/embeddings`, { ...EMBED, model: 'unlisted' })).status).toBe(200);
  });
});

describe('misconfiguration vs outage', () => {
  it('unresolved and not retryable → 500 route_misconfigured with the table\'s message, no Retry-After, nothing upstream', async () => {
    const message = 'model route default/broken is misconfigured: Provider default/gone does not exist';
    gw.holder.load(withRoutes(gw.holder.table as RoutingTable, [
      emptyRoute('broken', { retryable: false, reason: 'ProviderNotFound', message }),
      emptyRoute('waiting', { retryable: true, reason: 'SecretNotFound', message: 'waiting for Secret default/creds' }),
      emptyRoute('legacy'),
    ]));
    const before = up.requests.length;
    for (const stream of [false, true]) {
      const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'broken', stream });
      expect(res.status).toBe(500);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(res.headers.get('x-switchyard-route')).toBe('broken');
      expect(await res.json()).toEqual({ error: { message, type: 'server_error', param: null, code: 'route_misconfigured' } });
    }
    // Capabilities do not mask the configuration error.
    expect((await postJson(`${gw.baseURL}/embeddings`, { ...EMBED, model: 'broken' })).status).toBe(500);
    expect(up.requests.length).toBe(before);
    expect(gw.accessLines().at(-1)).toMatchObject({ status: 500, code: 'route_misconfigured', route: 'default/broken', attempts: 0 });
    expect(await gw.registry.metrics()).toMatch(/switchyard_requests_total\{[^}]*route="default\/broken"[^}]*status="500",code="route_misconfigured"\} 2/);
  });

  it('unresolved but retryable, or a table without `unresolved` (older operator) → 503 no_healthy_upstream with Retry-After', async () => {
    for (const model of ['waiting', 'legacy']) {
      const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model });
      expect(res.status, model).toBe(503);
      expect(res.headers.get('retry-after'), model).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_healthy_upstream');
    }
  });

  it('through real YAML: a route naming a Provider that does not exist → 500 naming the route and the Provider', async () => {
    const objects = [
      ...provider('up', up.url),
      route('ok', { model: 'ok', targets: [{ provider: 'up' }] }),
      route('typo', { model: 'typo', targets: [{ provider: 'upp' }] }),
    ];
    const { table } = compile(objects, { version: 100 });
    expect(table.routes.find((r) => r.id === 'default/typo')?.unresolved).toMatchObject({ retryable: false });
    gw.holder.load(table);
    const before = up.requests.length;
    const res = await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'typo' });
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('route_misconfigured');
    expect(err.message).toContain('default/typo');
    expect(err.message).toContain('upp');
    expect(up.requests.length).toBe(before);
    expect((await postJson(`${gw.baseURL}/chat/completions`, { ...CHAT, model: 'ok' })).status).toBe(200);
  });
});
