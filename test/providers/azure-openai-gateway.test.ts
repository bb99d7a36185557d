// azure-openai through the real gateway: the official `openai` SDK (chat text, stream, tools, embeddings, Responses)
// and `@anthropic-ai/sdk` (Messages, translated to chat) against our endpoints, with a fake Azure OpenAI resource
// behind two Providers — `az-classic` (api-version 2024-10-21: /openai/deployments/<deployment>/…) and `az-v1`
// (default apiVersion v1: /openai/v1/…). Content-filter refusals reach the client as 400 content_filter; a canary
// api-key never appears in logs, metrics or error bodies.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { echoBehavior } from '../support/gateway-world.ts';
import { BLOCK_MARKER, FILTER_MARKER, startFakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import type { FakeAzureOpenAI } from '../support/fake-azure-openai-server.ts';
import { entraTokenFetcher } from '../../pkg/providers/azure-openai/entra.ts';
import { credentialKey, refreshingSource } from '../../pkg/providers/http/credential-sources.ts';
import type { RefreshingSource, SourceTimers } from '../../pkg/providers/http/credential-sources.ts';
import type { RoutingTable, TableEntraCredential } from '../../pkg/table/types.ts';
import { startFakeEntra, trustFakeEntra } from '../support/fake-entra-server.ts';
import type { FakeEntra } from '../support/fake-entra-server.ts';
import { NS, apiKey, compileTable, eventually, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const KEY = 'sk-swy-azure-gw-6e5d4c3b2a19';
const AZURE_KEY = 'azcanary-9f8e7d6c5b4a39281706';
const API_VERSION = '2024-10-21';

let az: FakeAzureOpenAI;
let gw: Gateway;
let openai: OpenAI;
let anthropic: Anthropic;

function azureProvider(name: string, endpoint: string, spec: Record<string, unknown> = {}): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS },
    spec: { type: 'azure-openai', baseURL: endpoint, auth: { secretRef: { name: 'az-cred', key: 'apiKey' } }, ...spec },
  };
}

beforeAll(async () => {
  az = await startFakeAzureOpenAI({ apiKey: AZURE_KEY, behavior: echoBehavior });
  gw = await startGateway([
    secret('az-cred', { apiKey: AZURE_KEY }),
    azureProvider('az-classic', az.endpoint, { apiVersion: API_VERSION }),
    azureProvider('az-v1', `${az.endpoint}/openai/v1`),
    route('classic', { model: 'gpt-classic', targets: [{ provider: 'az-classic', model: 'gpt4o-deploy' }] }),
    route('v1', { model: 'gpt-v1', targets: [{ provider: 'az-v1', model: 'gpt4o-v1-deploy' }] }),
    route('emb', { model: 'emb', targets: [{ provider: 'az-classic', model: 'embed-deploy' }] }),
    // Its own Provider: a 429 cools the target down, which must not touch the other tests' routes.
    azureProvider('az-limited', az.endpoint, { apiVersion: API_VERSION }),
    route('limited', { model: 'gpt-limited', targets: [{ provider: 'az-limited', model: 'limited-deploy' }] }),
    apiKey('clients', KEY),
  ]);
  openai = new OpenAI({ baseURL: gw.baseURL, apiKey: KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.origin, apiKey: KEY, maxRetries: 0 });
});
afterEach(() => {
  az.requests.length = 0;
  az.setFault(undefined);
  az.setBehavior(echoBehavior);
});
afterAll(async () => {
  await gw.close();
  await az.close();
});

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

describe('azure-openai through the gateway (openai SDK)', () => {
  it('chat on a classic deployment: deployment path, api-version, api-key; the Azure annotations pass through', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-classic', messages: [{ role: 'user', content: 'Hello Azure' }] });
    expect(chat.choices[0]?.message.content).toBe('Echo: Hello Azure');
    expect((chat as unknown as { prompt_filter_results?: unknown[] }).prompt_filter_results).toHaveLength(1);
    const rec = az.requests.at(-1);
    expect(rec).toMatchObject({ path: '/openai/deployments/gpt4o-deploy/chat/completions', query: { 'api-version': API_VERSION }, style: 'classic' });
    expect(rec?.headers['api-key']).toBe(AZURE_KEY);
    expect(rec?.headers.authorization).toBeUndefined();
  });

  it('chat on v1: /openai/v1/chat/completions with model = deployment, no api-version', async () => {
    const chat = await openai.chat.completions.create({ model: 'gpt-v1', messages: [{ role: 'user', content: 'Hi v1' }] });
    expect(chat.choices[0]?.message.content).toBe('Echo: Hi v1');
    expect(az.requests.at(-1)).toMatchObject({ path: '/openai/v1/chat/completions', query: {}, deployment: 'gpt4o-v1-deploy' });
    expect((az.requests.at(-1)?.body as { model: string }).model).toBe('gpt4o-v1-deploy');
  });

  it('stream: text and usage (stream_options asked upstream), the annotation-only chunk tolerated', async () => {
    for (const model of ['gpt-classic', 'gpt-v1']) {
      const stream = await openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Stream it' }], stream: true, stream_options: { include_usage: true } });
      let text = '';
      let total: number | undefined;
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        total = c.usage?.total_tokens ?? total;
      }
      expect(text).toBe('Echo: Stream it');
      expect(total).toBeGreaterThan(0);
      expect((az.requests.at(-1)?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    }
  });

  it('tools: a tool call, then the tool result answered', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Use the tool for Paris' }];
    const first = await openai.chat.completions.create({ model: 'gpt-classic', messages, tools: [weather] });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? call.function.name : '').toBe('get_weather');
    const second = await openai.chat.completions.create({
      model: 'gpt-classic', tools: [weather],
      messages: [...messages, first.choices[0]?.message as OpenAI.ChatCompletionMessageParam, { role: 'tool', tool_call_id: call?.id ?? '', content: 'sunny' }],
    });
    expect(second.choices[0]?.message.content).toBe('Echo: tool result: sunny');
  });

  it('embeddings: the deployment\'s embeddings path', async () => {
    const emb = await openai.embeddings.create({ model: 'emb', input: ['a', 'b'], encoding_format: 'float' });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(az.requests.at(-1)).toMatchObject({ path: '/openai/deployments/embed-deploy/embeddings', query: { 'api-version': API_VERSION } });
  });

  it('Responses API natively: /openai/responses?api-version on classic, /openai/v1/responses on v1', async () => {
    const r1 = await openai.responses.create({ model: 'gpt-classic', input: 'Say hi' });
    expect(r1.output_text).toBe('Echo: Say hi');
    expect(az.requests.at(-1)).toMatchObject({ path: '/openai/responses', query: { 'api-version': API_VERSION } });
    expect((az.requests.at(-1)?.body as { model: string }).model).toBe('gpt4o-deploy');
    const r2 = await openai.responses.create({ model: 'gpt-v1', input: 'Say hi' });
    expect(r2.output_text).toBe('Echo: Say hi');
    expect(az.requests.at(-1)?.path).toBe('/openai/v1/responses');
  });

  it('legacy completions are translated to chat on the deployment', async () => {
    const c = await openai.completions.create({ model: 'gpt-classic', prompt: 'Once upon', max_tokens: 20 });
    expect(c.choices[0]?.text).toBe('Echo: Once upon');
    expect(az.requests.at(-1)?.path).toBe('/openai/deployments/gpt4o-deploy/chat/completions');
  });

  it('content filter: a blocked prompt is 400 content_filter with the categories; a filtered answer ends with content_filter', async () => {
    const err = await openai.chat.completions.create({ model: 'gpt-classic', messages: [{ role: 'user', content: BLOCK_MARKER }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.code).toBe('content_filter');
    expect(e.message).toContain('blocked by Azure OpenAI\'s content filter (hate: high, jailbreak)');
    expect(az.requests).toHaveLength(1);
    const chat = await openai.chat.completions.create({ model: 'gpt-v1', messages: [{ role: 'user', content: FILTER_MARKER }] });
    expect(chat.choices[0]?.finish_reason).toBe('content_filter');
  });

  it('429 with retry-after-ms → rate limited with a retry hint', async () => {
    az.setFault(() => ({ status: 429, headers: { 'retry-after': '3', 'retry-after-ms': '2500' } }));
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-limited', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
  });
});

describe('azure-openai through the gateway (@anthropic-ai/sdk, translated to chat)', () => {
  it('messages: text, stream and tools', async () => {
    const msg = await anthropic.messages.create({ model: 'gpt-classic', max_tokens: 100, messages: [{ role: 'user', content: 'Hello from Claude' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: Hello from Claude' }]);
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
    expect((az.requests.at(-1)?.body as Record<string, unknown>).max_completion_tokens).toBe(100);

    let text = '';
    const stream = anthropic.messages.stream({ model: 'gpt-v1', max_tokens: 100, messages: [{ role: 'user', content: 'Stream please' }] });
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('Echo: Stream please');
    expect(final.stop_reason).toBe('end_turn');
    expect(JSON.stringify(final)).not.toContain('content_filter_results');

    const tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] } };
    const called = await anthropic.messages.create({ model: 'gpt-classic', max_tokens: 100, tools: [tool], messages: [{ role: 'user', content: 'Use the tool for Paris' }] });
    expect(called.stop_reason).toBe('tool_use');
    expect(called.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
  });

  it('a filtered answer is a refusal; a blocked prompt is an invalid_request_error naming the filter', async () => {
    const msg = await anthropic.messages.create({ model: 'gpt-classic', max_tokens: 50, messages: [{ role: 'user', content: FILTER_MARKER }] });
    expect(msg.stop_reason).toBe('refusal');
    const err = await anthropic.messages.create({ model: 'gpt-classic', max_tokens: 50, messages: [{ role: 'user', content: BLOCK_MARKER }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).message).toContain('content filter');
  });
});

describe('azure-openai canary credential (E11)', () => {
  it('the api-key appears in no log line, metric or error body, even when the upstream echoes it', async () => {
    az.setFault(() => ({ status: 401, body: { error: { code: '401', message: `Access denied for key ${AZURE_KEY}.` } } }));
    const bodies: string[] = [];
    for (const model of ['gpt-classic', 'gpt-v1']) {
      const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      bodies.push(await res.text());
    }
    az.setFault(() => ({ status: 400, body: { error: { code: 'BadRequest', message: `Bad request for ${AZURE_KEY}`, param: AZURE_KEY } } }));
    const res = await fetch(`${gw.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-classic', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(400);
    bodies.push(await res.text());
    const sinks = [...bodies, ...gw.logs, await gw.registry.metrics()].join('\n');
    for (let i = 0; i + 8 <= AZURE_KEY.length; i++) expect(sinks).not.toContain(AZURE_KEY.slice(i, i + 8));
    expect(az.requests.every((r) => r.headers['api-key'] === AZURE_KEY)).toBe(true);
  });
});

// ---- Entra ID through the gateway -------------------------------------------------------------------------------

const TENANT = 'contoso.onmicrosoft.com';
const CLIENT_ID = '0d5c3c2a-7a3e-4f4e-9b2a-1c2d3e4f5a6b';
const CLIENT_SECRET = 'entra-gw-canary-Zq8~Lm3Np7Rs2Tv6';

function entraManifests(entraHost: string, endpoint: string): unknown[] {
  return [
    secret('entra-cred', { clientSecret: CLIENT_SECRET }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'az-entra', namespace: NS },
      spec: {
        type: 'azure-openai', baseURL: endpoint,
        auth: { entra: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: { name: 'entra-cred', key: 'clientSecret' }, authorityHost: entraHost } },
      },
    },
    route('entra', { model: 'gpt-entra', targets: [{ provider: 'az-entra', model: 'gpt4o-entra' }] }),
    route('entra-emb', { model: 'emb-entra', targets: [{ provider: 'az-entra', model: 'embed-entra' }] }),
    apiKey('clients', KEY),
  ];
}

/** The source the gateway's azure-openai adapter created for `providerId` (sources are keyed by provider and credential). */
function sourceOf(g: Gateway, table: RoutingTable, providerId: string): RefreshingSource<string> {
  const p = table.providers[providerId];
  if (p === undefined) throw new Error(`no provider ${providerId}`);
  return g.pools.sources.get<string>(credentialKey(p), () => {
    throw new Error('the adapter created no token source');
  });
}

describe('azure-openai with Entra ID through the gateway (client secret via @azure/identity, fake Entra)', () => {
  let entra: FakeEntra;
  let untrust: () => void;
  let eg: Gateway;
  let source: RefreshingSource<string>;
  let client: OpenAI;

  beforeAll(async () => {
    entra = await startFakeEntra({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    untrust = trustFakeEntra(entra);
    entra.onIssue = (t) => az.tokens.add(t);
    const manifests = entraManifests(entra.authorityHost, az.endpoint);
    eg = await startGateway(manifests);
    source = sourceOf(eg, compileTable(manifests), `${NS}/az-entra`);
    await source.ready;
    client = new OpenAI({ baseURL: eg.baseURL, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await eg.close();
    untrust();
    await entra.close();
  });

  it('the token is fetched when the table loads, then every request (openai and anthropic SDKs) carries it without a fetch', async () => {
    expect(entra.tokenRequests).toHaveLength(1);
    expect(entra.tokenRequests[0]).toMatchObject({ tenant: TENANT, clientId: CLIENT_ID, proof: 'secret', scope: 'https://cognitiveservices.azure.com/.default' });
    const token = source.current();
    expect(token).toBe(entra.issued[0]);
    const chat = await client.chat.completions.create({ model: 'gpt-entra', messages: [{ role: 'user', content: 'Hi Entra' }] });
    expect(chat.choices[0]?.message.content).toBe('Echo: Hi Entra');
    const stream = await client.chat.completions.create({ model: 'gpt-entra', messages: [{ role: 'user', content: 'Stream' }], stream: true });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Echo: Stream');
    const emb = await client.embeddings.create({ model: 'emb-entra', input: 'x', encoding_format: 'float' });
    expect(emb.data).toHaveLength(1);
    const msg = await new Anthropic({ baseURL: eg.origin, apiKey: KEY, maxRetries: 0 }).messages.create({ model: 'gpt-entra', max_tokens: 50, messages: [{ role: 'user', content: 'Hi Claude' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: Hi Claude' }]);
    const sent = az.requests.filter((r) => r.deployment === 'gpt4o-entra' || r.deployment === 'embed-entra');
    expect(sent).toHaveLength(4);
    expect(sent.every((r) => r.headers.authorization === `Bearer ${token}` && r.headers['api-key'] === undefined)).toBe(true);
    expect(entra.tokenRequests).toHaveLength(1);
  });

  it('refresh in the background: a second Provider whose source runs on manual timers gets a new token when its refresh fires; requests never fetch', async () => {
    // The gateway's table is reloaded with a second Provider; its source is put in the gateway's CredentialSources
    // first, under the key the adapter asks for, with timers the test fires (real timers would wait 30 s at least).
    const manifests = [
      ...entraManifests(entra.authorityHost, az.endpoint),
      {
        apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'az-entra-2', namespace: NS },
        spec: { type: 'azure-openai', baseURL: `${az.endpoint}/openai/v1`, auth: { entra: { tenantId: TENANT, clientId: CLIENT_ID, clientSecret: { name: 'entra-cred', key: 'clientSecret' }, authorityHost: entra.authorityHost } } },
      },
      route('entra-2', { model: 'gpt-entra-2', targets: [{ provider: 'az-entra-2', model: 'gpt4o-entra-2' }] }),
    ];
    const table = compileTable(manifests, 2);
    const p2 = table.providers[`${NS}/az-entra-2`];
    if (p2?.credential?.kind !== 'entra') throw new Error('az-entra-2 has no entra credential');
    // 30 s timers (the refresh, and each fetch's timeout, which is cleared when the fetch settles) wait for the test.
    const held = new Map<symbol, () => void>();
    const timers: SourceTimers = {
      set(fn, ms) {
        if (ms !== 30_000) return setTimeout(fn, ms);
        const id = Symbol('timer');
        held.set(id, fn);
        return id;
      },
      clear: (h) => (typeof h === 'symbol' ? held.delete(h) : clearTimeout(h as NodeJS.Timeout)),
    };
    entra.expiresIn = 200; // under MSAL's 5-minute renewal margin: each fetch reaches the endpoint
    const s2 = eg.pools.sources.get(credentialKey(p2), () => refreshingSource(entraTokenFetcher(p2.credential as TableEntraCredential), { timers }));
    eg.holder.load(table);
    await s2.ready;
    const first = s2.current();
    const ask = async (): Promise<string | undefined> => {
      const chat = await client.chat.completions.create({ model: 'gpt-entra-2', messages: [{ role: 'user', content: 'again' }] });
      expect(chat.choices[0]?.message.content).toBe('Echo: again');
      return az.requests.at(-1)?.headers.authorization;
    };
    const fetchesBefore = entra.tokenRequests.length;
    expect(await ask()).toBe(`Bearer ${first}`);
    expect(await ask()).toBe(`Bearer ${first}`);
    expect(entra.tokenRequests).toHaveLength(fetchesBefore);
    expect(held.size).toBe(1); // the refresh, 30 s (the minimum) after the fetch of a 200 s token
    const [[id, refresh]] = [...held.entries()] as [[symbol, () => void]];
    held.delete(id);
    refresh();
    await eventually(() => s2.current() !== first);
    expect(await ask()).toBe(`Bearer ${s2.current()}`);
    expect(entra.tokenRequests).toHaveLength(fetchesBefore + 1);
    expect(source.current()).toBe(entra.issued[0]); // the first Provider's source was kept across the reload
  });

  it('neither the client secret nor the token appears in logs, metrics or error bodies, even when the upstream echoes them', async () => {
    const token = source.current() ?? '';
    az.setFault(() => ({ status: 400, body: { error: { code: 'BadRequest', message: `bad: secret ${CLIENT_SECRET} token ${token}`, param: null } } }));
    const res = await fetch(`${eg.baseURL}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-entra', messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.status).toBe(400);
    const sinks = [await res.text(), ...eg.logs, await eg.registry.metrics()].join('\n');
    for (const canary of [CLIENT_SECRET, token]) for (let i = 0; i + 8 <= canary.length; i += 4) expect(sinks).not.toContain(canary.slice(i, i + 8));
  });
});
