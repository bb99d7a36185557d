// Classifying Vertex AI error answers. Two envelopes arrive: Anthropic's {type:"error",error:{type,message}} from a
// Claude model (the anthropic provider's classifier, unchanged), and Google's google.rpc.Status JSON
// ({error:{code,message,status,details}}) from Gemini models and from Vertex itself for either publisher (quota 429
// RESOURCE_EXHAUSTED, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 model not found in the location), read with
// the Gemini dialect's helpers: status name → failure kind, RetryInfo.retryDelay (or Retry-After) → retryAfter, a
// prompt over the context window → upstreamCode "context_length_exceeded".
import { googleErrorStatus, googleStatusKind, isContextLengthMessage, retryDelaySeconds } from '../../dialects/gemini/index.ts';
import type { TableProvider } from '../../table/types.ts';
import { classifyAnthropicError, CONTEXT_LENGTH_CODE } from '../anthropic/errors.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { sanitizeMessage } from '../openai/errors.ts';
import type { UpstreamFailure, UpstreamResponse } from '../types.ts';

type Headers = UpstreamResponse['headers'];

function parse(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

function isAnthropicEnvelope(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const e = o.error;
  return o.type === 'error' && typeof e === 'object' && e !== null && typeof (e as Record<string, unknown>).type === 'string';
}

/** A google.rpc error body (or none) as a failure; `provider` is used to keep secrets and the host out of the message. */
export function classifyGoogleError(provider: TableProvider, status: number, headers: Headers, parsed: unknown, nowMs: number): UpstreamFailure {
  const e = googleErrorStatus(parsed);
  const kind = googleStatusKind(e?.status, status);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status };
  if (e?.message !== undefined) failure.message = sanitizeMessage(e.message, provider);
  if (kind === 'client' && e?.message !== undefined && isContextLengthMessage(e.message)) failure.upstreamCode = CONTEXT_LENGTH_CODE;
  else if (e?.status !== undefined) failure.upstreamCode = e.status.slice(0, 64);
  if (kind === 'rate_limited' || status === 503) {
    const retryAfter = parseRetryAfter(headers, nowMs) ?? (e === null ? undefined : retryDelaySeconds(e));
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}

/** Classifies a non-2xx Vertex AI answer by its envelope. An unparsable body yields no message (never the raw body). */
export function classifyVertexError(provider: TableProvider, status: number, headers: Headers, body: Uint8Array, nowMs: number): UpstreamFailure {
  const parsed = parse(body);
  if (isAnthropicEnvelope(parsed)) return classifyAnthropicError(provider, status, headers, body, nowMs);
  return classifyGoogleError(provider, status, headers, parsed, nowMs);
}
