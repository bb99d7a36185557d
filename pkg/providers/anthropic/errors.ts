// Classifying Anthropic HTTP errors ({type:"error",error:{type,message}}) into UpstreamFailure:
// 400 invalid_request_error, 404 not_found_error, 413 request_too_large → client; 401 authentication_error,
// 403 permission_error, 402 billing_error → auth (our credentials or account, not the caller's request);
// 429 rate_limit_error → rate_limited with a retry hint; 500 api_error, 529 overloaded_error and other 5xx → server.
// A prompt longer than the model's context window is marked upstreamCode "context_length_exceeded" (the code OpenAI
// clients already handle); otherwise upstreamCode is Anthropic's error type.
import type { FailureKind, UpstreamFailure, UpstreamResponse } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { sanitizeMessage, statusKind } from '../openai/errors.ts';

export const CONTEXT_LENGTH_CODE = 'context_length_exceeded';

const CONTEXT_LENGTH = /prompt is too long|context (window|length)|exceeds? the (maximum|max) (number of )?tokens|input length and `max_tokens` exceed/i;

const LIMITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;

type Headers = UpstreamResponse['headers'];

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Seconds until a rate limit resets from anthropic-ratelimit-<limit>-reset (RFC 3339 times): the latest reset among
 * the limits whose -remaining is 0, else the earliest reset given. Used when there is no Retry-After.
 */
export function rateLimitResetHint(headers: Headers, nowMs: number): number | undefined {
  const exhausted: number[] = [];
  const all: number[] = [];
  for (const limit of LIMITS) {
    const reset = header(headers, `anthropic-ratelimit-${limit}-reset`);
    if (reset === undefined) continue;
    const at = Date.parse(reset);
    if (Number.isNaN(at)) continue;
    const secs = Math.max(0, Math.ceil((at - nowMs) / 1000));
    all.push(secs);
    if (header(headers, `anthropic-ratelimit-${limit}-remaining`)?.trim() === '0') exhausted.push(secs);
  }
  if (exhausted.length > 0) return Math.max(...exhausted);
  return all.length > 0 ? Math.min(...all) : undefined;
}

function parseBody(body: Uint8Array): { type?: string; message?: string } {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const e = (parsed as Record<string, unknown>).error;
    if (typeof e !== 'object' || e === null) return {};
    const { type, message } = e as Record<string, unknown>;
    return { ...(typeof type === 'string' && type !== '' ? { type } : {}), ...(typeof message === 'string' && message !== '' ? { message } : {}) };
  } catch {
    return {};
  }
}

function kindFor(status: number, type: string | undefined): FailureKind {
  if (status === 402 || type === 'billing_error') return 'auth';
  if (type === 'overloaded_error') return 'server';
  return statusKind(status);
}

/** Classifies a non-2xx Anthropic response. An unparsable body yields no message (never the raw body). */
export function classifyAnthropicError(provider: TableProvider, status: number, headers: Headers, body: Uint8Array, nowMs: number): UpstreamFailure {
  const { type, message } = parseBody(body);
  const kind = kindFor(status, type);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status };
  if (message !== undefined) failure.message = sanitizeMessage(message, provider);
  if (kind === 'client' && message !== undefined && CONTEXT_LENGTH.test(message)) failure.upstreamCode = CONTEXT_LENGTH_CODE;
  else if (type !== undefined) failure.upstreamCode = sanitizeMessage(type, provider).slice(0, 128);
  if (status === 429 || status === 503 || status === 529) {
    const retryAfter = parseRetryAfter(headers, nowMs) ?? (status === 429 ? rateLimitResetHint(headers, nowMs) : undefined);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}
