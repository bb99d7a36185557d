// Request building for the anthropic provider: pure {method, origin, path, headers, body}; the built requests are
// then sent to the fake Anthropic upstream over loopback to show it accepts them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalRequest } from '../../pkg/canonical/types.ts';
import { providerCodec } from '../../pkg/dialects/anthropic-messages/index.ts';
import { ANTHROPIC_DEFAULT_BASE_URL, ANTHROPIC_DESCRIPTOR } from '../../pkg/providers/anthropic/descriptor.ts';
import {
  anthropicEndpoint, buildCanonicalCountTokens, buildCanonicalMessages, buildNativeCountTokens, buildNativeMessages,
} from '../../pkg/providers/anthropic/request.ts';
import type { AnthropicProvider, AnthropicRequest } from '../../pkg/providers/anthropic/request.ts';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';
import type { FakeAnthropic } from '../support/fake-anthropic-server.ts';

const KEY = 'sk-ant-canary-0123456789';
const provider = (over: Partial<AnthropicProvider> = {}): AnthropicProvider => ({
  baseURL: ANTHROPIC_DEFAULT_BASE_URL,
  headers: {},
  credential: { kind: 'header', header: 'x-api-key', value: KEY },
  ...over,
});

const CLIENT_BODY = {
  model: 'claude-alias',
  max_tokens: 64,
  stream: true,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
  context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
  mcp_servers: [{ type: 'url', url: 'https://mcp.example', name: 'x' }],
};

describe('anthropic descriptor', () => {
  it('x-api-key auth, anthropic-version required header, base URL with /v1, Messages native', () => {
    expect(ANTHROPIC_DESCRIPTOR.auth).toEqual({ kind: 'header', header: 'x-api-key', format: 'raw' });
    expect(ANTHROPIC_DESCRIPTOR.requiredHeaders).toEqual({ 'anthropic-version': '2023-06-01' });
    expect(ANTHROPIC_DESCRIPTOR.defaultBaseURL).toBe('https://api.anthropic.com/v1');
    expect(ANTHROPIC_DESCRIPTOR.nativeApis).toEqual(['anthropic-messages']);
    expect(ANTHROPIC_DESCRIPTOR.translatedApis).not.toContain('anthropic-messages');
    expect(anthropicEndpoint('https://api.anthropic.com/v1/', 'count_tokens')).toEqual({ origin: 'https://api.anthropic.com', path: '/v1/messages/count_tokens' });
  });
});

describe('native passthrough (/v1/messages from an Anthropic client)', () => {
  it('patches only model, keeps unknown fields and cache_control, forwards anthropic-beta and the client version', () => {
    const req = buildNativeMessages(provider(), {
      body: CLIENT_BODY, model: 'claude-sonnet-4-5-20250929', requestId: 'req-1',
      clientHeaders: { 'anthropic-beta': 'context-management-2025-06-27, mcp-client-2025-04-04', 'anthropic-version': '2026-10-21' },
    });
    expect(req).toMatchObject({ method: 'POST', url: 'https://api.anthropic.com/v1/messages', path: '/v1/messages', stream: true });
    expect(JSON.parse(req.body)).toEqual({ ...CLIENT_BODY, model: 'claude-sonnet-4-5-20250929' });
    expect(CLIENT_BODY.model).toBe('claude-alias');
    expect(req.headers).toMatchObject({
      'x-api-key': KEY, 'anthropic-version': '2026-10-21', 'anthropic-beta': 'context-management-2025-06-27,mcp-client-2025-04-04',
      accept: 'text/event-stream', 'content-type': 'application/json', 'x-request-id': 'req-1',
    });
    expect(req.headers.authorization).toBeUndefined();
  });

  it('forwards the client bytes unchanged when the model needs no patch', () => {
    const raw = `{ "model":"claude-x" , "max_tokens":5,"messages":[],"future_field":{"a":1} }`;
    const req = buildNativeMessages(provider(), { body: JSON.parse(raw) as Record<string, unknown>, rawBody: raw, model: 'claude-x', requestId: 'r' });
    expect(req.body).toBe(raw);
    const patched = buildNativeMessages(provider(), { body: JSON.parse(raw) as Record<string, unknown>, rawBody: raw, model: 'claude-y', requestId: 'r' });
    expect(JSON.parse(patched.body)).toEqual({ model: 'claude-y', max_tokens: 5, messages: [], future_field: { a: 1 } });
  });

  it('a Provider pins anthropic-version and adds beta flags (merged with the client\'s, no duplicates); framing headers are ours', () => {
    const p = provider({ headers: { 'Anthropic-Version': '2023-06-01', 'anthropic-beta': 'a,b', host: 'evil', 'content-length': '1' } });
    const req = buildNativeMessages(p, { body: { model: 'm', max_tokens: 1, messages: [] }, model: 'm', requestId: 'r', clientHeaders: { 'anthropic-version': '2026-10-21', 'anthropic-beta': 'b,c' } });
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers['anthropic-beta']).toBe('a,b,c');
    expect(req.headers.host).toBeUndefined();
    expect(req.headers['content-length']).toBeUndefined();
    expect(req.headers.accept).toBe('application/json');
  });

  it('count_tokens: the native body to /v1/messages/count_tokens with model patched', () => {
    const req = buildNativeCountTokens(provider({ baseURL: 'http://127.0.0.1:9/v1' }), { body: { model: 'alias', messages: [], system: 's' }, model: 'claude-haiku-4-5', requestId: 'r' });
    expect(req.url).toBe('http://127.0.0.1:9/v1/messages/count_tokens');
    expect(JSON.parse(req.body)).toEqual({ model: 'claude-haiku-4-5', messages: [], system: 's' });
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
  });
});

const CANONICAL: CanonicalRequest = {
  model: 'gpt-4o', system: [{ type: 'text', text: 'sys' }], stream: false, maxTokens: 50, temperature: 0.2,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Use the tool please' }] }],
  tools: [{ name: 'get_weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
};

describe('translated requests (canonical → Messages)', () => {
  it('messages: the provider codec body, no client headers, default version', () => {
    const req = buildCanonicalMessages(provider(), CANONICAL, 'claude-sonnet-4-5', 'req-9');
    expect(req.url).toBe('https://api.anthropic.com/v1/messages');
    expect(JSON.parse(req.body)).toEqual(providerCodec.encodeRequest(CANONICAL, 'claude-sonnet-4-5'));
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.headers['anthropic-beta']).toBeUndefined();
  });

  it('count_tokens: only the fields count_tokens accepts (no max_tokens, temperature, stream)', () => {
    const req = buildCanonicalCountTokens(provider(), { ...CANONICAL, stream: true }, 'claude-sonnet-4-5', 'r');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'system', 'tools']);
    expect(req.stream).toBe(false);
  });
});

describe('built requests against the fake Anthropic upstream', () => {
  let up: FakeAnthropic;
  beforeAll(async () => {
    up = await startFakeAnthropic({ apiKey: KEY });
  });
  afterAll(() => up.close());

  async function send(req: AnthropicRequest): Promise<Response> {
    return fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
  }

  it('a canonical request is answered, decoded by the provider codec (tool_use), with x-api-key and anthropic-version', async () => {
    const res = await send(buildCanonicalMessages(provider({ baseURL: up.url }), CANONICAL, 'claude-sonnet-4-5', 'req-x'));
    expect(res.status).toBe(200);
    const resp = providerCodec.decodeResponse(await res.json());
    expect(resp.stopReason).toBe('tool_use');
    expect(resp.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    const rec = up.requests.at(-1);
    expect(rec?.headers['x-api-key']).toBe(KEY);
    expect(rec?.headers['anthropic-version']).toBe('2023-06-01');
    expect(rec?.headers.authorization).toBeUndefined();
  });

  it('native passthrough reaches the upstream with unknown fields and the beta header intact', async () => {
    const res = await send(buildNativeMessages(provider({ baseURL: up.url }), { body: { ...CLIENT_BODY, stream: false }, model: 'claude-haiku-4-5', requestId: 'r', clientHeaders: { 'anthropic-beta': 'mcp-client-2025-04-04' } }));
    expect(res.status).toBe(200);
    const rec = up.requests.at(-1);
    expect(rec?.headers['anthropic-beta']).toBe('mcp-client-2025-04-04');
    expect(JSON.parse(rec?.rawBody ?? '{}')).toMatchObject({ model: 'claude-haiku-4-5', context_management: CLIENT_BODY.context_management, mcp_servers: CLIENT_BODY.mcp_servers });
    const count = await send(buildCanonicalCountTokens(provider({ baseURL: up.url }), CANONICAL, 'claude-haiku-4-5', 'r'));
    expect(((await count.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  });
});
