// Classifying Cohere HTTP errors (bodies `{message}` or `{id, message}`; no error codes) into UpstreamFailure:
// 400/404/422 → client; 401, 403 and 498 (Cohere's "invalid token") and 402 → auth (our credentials or account, not
// the caller's request); 429 → rate_limited with the Retry-After hint; 5xx → server (503/504 with Retry-After when
// given). A 400 whose message says the prompt has too many tokens (Cohere: "too many tokens: …") is marked
// upstreamCode "context_length_exceeded", the code OpenAI clients already handle. Messages are sanitised (no
// credential, no upstream host) and capped; an unparsable body yields no message, never the raw body.
import type { TableProvider } from '../../table/types.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { sanitizeMessage, statusKind } from '../openai/errors.ts';
import type { FailureKind, UpstreamFailure, UpstreamResponse } from '../types.ts';

export const CONTEXT_LENGTH_CODE = 'context_length_exceeded';

const CONTEXT_LENGTH = /too many tokens|context (window|length)|exceeds? the (model'?s? )?(maximum|max|context)|prompt is too long|input is too long/i;

/** The `message` of a Cohere error body, or undefined. */
export function cohereErrorMessage(body: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const m = (parsed as Record<string, unknown>).message;
    return typeof m === 'string' && m !== '' ? m : undefined;
  } catch {
    return undefined;
  }
}

function kindFor(status: number): FailureKind {
  if (status === 402 || status === 498) return 'auth';
  if (status === 499) return 'server'; // Cohere's "client closed request": not the caller's fault when we did not close
  return statusKind(status);
}

/** Classifies a non-2xx Cohere response. */
export function classifyCohereError(provider: TableProvider, status: number, headers: UpstreamResponse['headers'], body: Uint8Array, nowMs: number): UpstreamFailure {
  const raw = cohereErrorMessage(body);
  const kind = kindFor(status);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status };
  if (raw !== undefined) failure.message = sanitizeMessage(raw, provider);
  if (kind === 'client' && raw !== undefined && CONTEXT_LENGTH.test(raw)) failure.upstreamCode = CONTEXT_LENGTH_CODE;
  if (status === 429 || status === 503 || status === 504) {
    const retryAfter = parseRetryAfter(headers, nowMs);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}
