// Classification of Anthropic HTTP errors, the error-type mapping for the Anthropic dialect, and in-band errors.
import { describe, expect, it } from 'vitest';
import { anthropicErrorBody, anthropicErrorType, streamErrorKind } from '../../pkg/dialects/anthropic-messages/index.ts';
import { ERRORS } from '../../pkg/errors/errors.ts';
import { classifyAnthropicError, CONTEXT_LENGTH_CODE, rateLimitResetHint } from '../../pkg/providers/anthropic/errors.ts';
import { makeProvider } from './helpers.ts';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const SECRET = 'sk-ant-api03-canary0123456789';
const provider = makeProvider({ type: 'anthropic', baseURL: 'https://api.anthropic.com/v1', credential: { kind: 'header', header: 'x-api-key', value: SECRET } });
const body = (type: string, message: string): Uint8Array => Buffer.from(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' }));

describe('classifyAnthropicError', () => {
  it.each([
    [400, 'invalid_request_error', 'client'],
    [401, 'authentication_error', 'auth'],
    [402, 'billing_error', 'auth'],
    [403, 'permission_error', 'auth'],
    [404, 'not_found_error', 'client'],
    [413, 'request_too_large', 'client'],
    [429, 'rate_limit_error', 'rate_limited'],
    [500, 'api_error', 'server'],
    [504, 'timeout_error', 'server'],
    [529, 'overloaded_error', 'server'],
  ] as const)('%i %s → %s', (status, type, kind) => {
    const f = classifyAnthropicError(provider, status, {}, body(type, 'msg'), NOW);
    expect(f).toMatchObject({ kind, status, upstreamCode: type, message: 'msg' });
  });

  it('429: retry-after wins; otherwise the reset of the exhausted anthropic-ratelimit-* limit', () => {
    expect(classifyAnthropicError(provider, 429, { 'retry-after': '7' }, body('rate_limit_error', 'x'), NOW).retryAfter).toBe(7);
    const headers = {
      'anthropic-ratelimit-requests-remaining': '10', 'anthropic-ratelimit-requests-reset': '2026-12-03T10:00:02Z',
      'anthropic-ratelimit-input-tokens-remaining': '0', 'anthropic-ratelimit-input-tokens-reset': '2026-12-03T10:00:30Z',
    };
    expect(classifyAnthropicError(provider, 429, headers, body('rate_limit_error', 'x'), NOW).retryAfter).toBe(30);
    expect(rateLimitResetHint({ 'anthropic-ratelimit-tokens-reset': '2026-12-03T10:00:05Z', 'anthropic-ratelimit-requests-reset': '2026-12-03T10:00:09Z' }, NOW)).toBe(5);
    expect(rateLimitResetHint({ 'anthropic-ratelimit-tokens-reset': 'soon' }, NOW)).toBeUndefined();
    expect(classifyAnthropicError(provider, 529, { 'retry-after': '3' }, body('overloaded_error', 'Overloaded'), NOW).retryAfter).toBe(3);
  });

  it('marks prompts longer than the context window', () => {
    const f = classifyAnthropicError(provider, 400, {}, body('invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'), NOW);
    expect(f).toMatchObject({ kind: 'client', upstreamCode: CONTEXT_LENGTH_CODE });
    expect(classifyAnthropicError(provider, 400, {}, body('invalid_request_error', 'messages: field required'), NOW).upstreamCode).toBe('invalid_request_error');
  });

  it('never echoes the key or the host; an unparsable body gives no message', () => {
    const f = classifyAnthropicError(provider, 401, {}, body('authentication_error', `invalid x-api-key ${SECRET} at api.anthropic.com`), NOW);
    expect(f.message).not.toContain(SECRET);
    expect(f.message).not.toContain('api.anthropic.com');
    const g = classifyAnthropicError(provider, 502, {}, Buffer.from('<html>bad gateway</html>'), NOW);
    expect(g).toEqual({ kind: 'server', status: 502 });
  });
});

describe('gateway errors in the Anthropic dialect', () => {
  it('every gateway error code maps to a documented Anthropic error type', () => {
    const documented = new Set(['invalid_request_error', 'authentication_error', 'billing_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'timeout_error', 'overloaded_error']);
    for (const spec of Object.values(ERRORS)) expect(documented.has(anthropicErrorType(spec))).toBe(true);
    expect(anthropicErrorType(ERRORS.request_too_large)).toBe('request_too_large');
    expect(anthropicErrorType(ERRORS.upstream_error)).toBe('api_error');
    expect(anthropicErrorType(ERRORS.internal_error)).toBe('api_error');
    expect(anthropicErrorType(ERRORS.overloaded)).toBe('overloaded_error');
    expect(anthropicErrorType(ERRORS.invalid_api_key)).toBe('authentication_error');
    expect(anthropicErrorType(ERRORS.model_not_found)).toBe('not_found_error');
    expect(JSON.parse(anthropicErrorBody({ ...ERRORS.upstream_rate_limited }))).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: ERRORS.upstream_rate_limited.message } });
  });

  it('in-band error types → failure kinds', () => {
    expect(streamErrorKind('overloaded_error')).toBe('server');
    expect(streamErrorKind('api_error')).toBe('server');
    expect(streamErrorKind('rate_limit_error')).toBe('rate_limited');
    expect(streamErrorKind('invalid_request_error')).toBe('client');
    expect(streamErrorKind('authentication_error')).toBe('auth');
  });
});
