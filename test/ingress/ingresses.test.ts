// The ingresses as pure functions: validation (what each client API requires, with the param and wording clients
// see), the request they hand to dispatch, and their error envelopes and stream error events.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { createIngresses } from '../../pkg/ingress/index.ts';
import type { IngressError } from '../../pkg/ingress/types.ts';
import { errorJson, errorOut } from '../../pkg/proxy/error-reply.ts';

const ing = createIngresses();

function refusal(fn: () => unknown): { param: string | null; message: string; code: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof GatewayError) return { param: e.param, message: e.message, code: e.code };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('openai-chat', () => {
  it('returns model, stream, usage wanted and op; the body is kept by reference', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true }, extra: 1 };
    const r = ing.chat.parse(body, {});
    expect(r).toMatchObject({ api: 'openai-chat', op: 'chat', model: 'm', stream: true, wantsUsage: true, forwardHeaders: {} });
    expect(r.body).toBe(body);
    expect(ing.chat.parse({ model: 'm', messages: [1], stream_options: { include_usage: true } }, {}).wantsUsage).toBe(false);
  });

  it.each([
    [{ messages: [1] }, 'model', "'model' is required."],
    [{ model: 'm', messages: [] }, 'messages', "'messages' has an invalid type or value."],
    [{ model: 'm', messages: [1], stream: 'yes' }, 'stream', "'stream' has an invalid type or value."],
  ])('refuses %j with param and message', (body, param, message) => {
    expect(refusal(() => ing.chat.parse(body, {}))).toEqual({ param, message, code: 'invalid_request' });
  });
});

describe('openai-completions', () => {
  it.each([['hi'], [['a', 'b']], [[1, 2, 3]], [[[1], [2]]]])('accepts prompt %j', (prompt) => {
    expect(ing.completions.parse({ model: 'm', prompt, stream: true, stream_options: { include_usage: true } }, {})).toMatchObject({
      api: 'openai-completions', op: 'chat', model: 'm', stream: true, wantsUsage: true,
    });
  });

  it('requires a prompt of the right type', () => {
    expect(refusal(() => ing.completions.parse({ model: 'm' }, {}))).toMatchObject({ param: 'prompt', message: "'prompt' is required." });
    expect(refusal(() => ing.completions.parse({ model: 'm', prompt: 5 }, {}))).toMatchObject({ param: 'prompt', message: "'prompt' has an invalid type or value." });
    expect(refusal(() => ing.completions.parse({ model: 'm', prompt: 'x', stream_options: { include_usage: 'y' } }, {}))).toMatchObject({ param: 'stream_options.include_usage' });
  });
});

describe('openai-embeddings', () => {
  it('is never a stream and refuses a missing input', () => {
    expect(ing.embeddings.parse({ model: 'm', input: ['a'] }, {})).toMatchObject({ api: 'openai-embeddings', op: 'embeddings', stream: false, wantsUsage: false });
    expect(refusal(() => ing.embeddings.parse({ model: 'm' }, {}))).toMatchObject({ param: 'input', message: "'input' is required." });
    expect(ing.embeddings.codec).toBeNull();
  });
});

describe('openai-responses', () => {
  it('takes input as a string or a list; usage always wanted', () => {
    expect(ing.responses.parse({ model: 'm', input: 'hi', stream: true }, {})).toMatchObject({ api: 'openai-responses', op: 'chat', stream: true, wantsUsage: true });
    expect(ing.responses.parse({ model: 'm', input: [{ role: 'user', content: 'hi' }] }, {}).stream).toBe(false);
    expect(refusal(() => ing.responses.parse({ model: 'm' }, {}))).toMatchObject({ param: 'input', message: "'input' is required." });
    expect(refusal(() => ing.responses.parse({ model: 'm', input: 3 }, {}))).toMatchObject({ param: 'input' });
  });

  it('leaves the stateful fields to the codec: the ingress accepts them, translation refuses them', () => {
    const body = { model: 'm', input: 'hi', previous_response_id: 'resp_1', store: true, background: true };
    expect(ing.responses.parse(body, {}).body).toBe(body);
    expect(refusal(() => ing.responses.codec?.decodeRequest(body))).toMatchObject({ param: 'previous_response_id', code: 'invalid_request' });
    expect(refusal(() => ing.responses.codec?.decodeRequest({ model: 'm', input: 'hi', store: true }))).toMatchObject({ param: 'store' });
  });
});

describe('anthropic-messages', () => {
  const ok = { model: 'claude', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };

  it('captures anthropic-version and anthropic-beta; usage is always sent', () => {
    const r = ing.messages.parse({ ...ok, stream: true }, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'a,b', 'x-other': 'no' });
    expect(r).toMatchObject({ api: 'anthropic-messages', op: 'chat', model: 'claude', stream: true, wantsUsage: true });
    expect(r.forwardHeaders).toEqual({ 'anthropic-version': '2023-06-01', 'anthropic-beta': 'a,b' });
    expect(ing.messages.codec).not.toBeNull();
  });

  it.each([
    [{ model: 'claude', messages: [{ role: 'user', content: 'hi' }] }, 'max_tokens', 'max_tokens: Field required'],
    [{ ...ok, max_tokens: 0 }, 'max_tokens', 'max_tokens: Input should be greater than or equal to 1'],
    [{ ...ok, max_tokens: 1.5 }, 'max_tokens', 'max_tokens: Input should be a valid integer'],
    [{ ...ok, max_tokens: '10' }, 'max_tokens', 'max_tokens: Input should be a valid integer'],
    [{ ...ok, messages: [] }, 'messages', 'messages: at least one message is required'],
    [{ ...ok, messages: 'hi' }, 'messages', 'messages: Input should be a valid list'],
    [{ ...ok, model: undefined }, 'model', 'model: Field required'],
    [{ ...ok, stream: 'true' }, 'stream', 'stream: Input should be a valid boolean'],
  ])('refuses %j in Anthropic wording', (body, param, message) => {
    expect(refusal(() => ing.messages.parse(body, {}))).toEqual({ param, message, code: 'invalid_request' });
  });

  it('count_tokens needs no max_tokens, is never a stream and is marked', () => {
    const r = ing.countTokens.parse({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], system: 's', stream: true }, { 'anthropic-version': '2023-06-01' });
    expect(r).toMatchObject({ api: 'anthropic-messages', countTokens: true, stream: false, forwardHeaders: { 'anthropic-version': '2023-06-01' } });
    expect(ing.countTokens.path).toBe('/v1/messages/count_tokens');
    expect(refusal(() => ing.countTokens.parse({ model: 'claude', messages: [] }, {}))).toMatchObject({ param: 'messages' });
  });
});

function err(code: Parameters<typeof errorOut>[0], retryAfter?: number): IngressError {
  return errorOut(code, retryAfter === undefined ? {} : { retryAfter });
}

describe('error envelopes', () => {
  it('OpenAI APIs: the envelope is byte-identical to errorJson, no extra headers', () => {
    const e = errorOut('model_not_found', { param: 'model' });
    for (const i of [ing.chat, ing.completions, ing.embeddings, ing.responses]) {
      expect(i.errorResponse(e, 'rid')).toEqual({ body: errorJson(e), headers: {} });
    }
    expect(ing.chat.streamErrorEvent(e)).toBe(`data: ${errorJson(e)}\n\n`);
  });

  it.each([
    ['invalid_request', 'invalid_request_error'],
    ['missing_api_key', 'authentication_error'],
    ['model_not_allowed', 'permission_error'],
    ['model_not_found', 'not_found_error'],
    ['request_too_large', 'request_too_large'],
    ['rate_limited', 'rate_limit_error'],
    ['upstream_rate_limited', 'rate_limit_error'],
    ['internal_error', 'api_error'],
    ['upstream_error', 'api_error'],
    ['upstream_timeout', 'timeout_error'],
    ['not_ready', 'overloaded_error'],
  ] as const)('Anthropic: %s → %s, status kept, request-id header and request_id field', (code, type) => {
    const e = err(code);
    const { body, headers } = ing.messages.errorResponse(e, 'req-1');
    expect(JSON.parse(body)).toEqual({ type: 'error', error: { type, message: e.message }, request_id: 'req-1' });
    expect(headers).toEqual({ 'request-id': 'req-1' });
  });

  it('stream error events per dialect', () => {
    const e = err('upstream_stream_interrupted');
    expect(ing.messages.streamErrorEvent(e)).toBe(`event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: e.message } })}\n\n`);
    const r = ing.responses.streamErrorEvent(e);
    expect(r.startsWith('event: error\ndata: ')).toBe(true);
    expect(JSON.parse(r.slice('event: error\ndata: '.length))).toEqual({ type: 'error', code: 'upstream_stream_interrupted', message: e.message, param: null });
  });
});
