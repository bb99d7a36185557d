// Classifying Gemini API HTTP errors (google.rpc.Status JSON: {error:{code,message,status,details}}) into
// UpstreamFailure. By status name: RESOURCE_EXHAUSTED → rate_limited, with RetryInfo.retryDelay as retryAfter (the
// Retry-After header when there is none); UNAUTHENTICATED / PERMISSION_DENIED → auth, and so is INVALID_ARGUMENT when
// ErrorInfo says the API key is bad (Gemini answers a wrong key with 400 API_KEY_INVALID) and FAILED_PRECONDITION
// (billing not enabled, region not served: the account's problem, not the caller's); INVALID_ARGUMENT / NOT_FOUND →
// client, marked upstreamCode "context_length_exceeded" when the message says the prompt exceeds the model's token
// limit; INTERNAL / UNAVAILABLE / 5xx → server; DEADLINE_EXCEEDED → timeout. Other bodies fall back to the HTTP status.
// Messages are sanitised: the credential, key-looking tokens (Google's "AIza…" keys included) and the host removed.
import { googleErrorStatus, googleStatusKind, isApiKeyError, isContextLengthMessage, retryDelaySeconds } from '../../dialects/gemini/errors.ts';
import type { WireErrorStatus } from '../../dialects/gemini/wire.ts';
import type { TableProvider } from '../../table/types.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { CONTEXT_LENGTH_CODE } from '../anthropic/errors.ts';
import { sanitizeMessage, statusKind } from '../openai/errors.ts';
import type { FailureKind, UpstreamFailure, UpstreamResponse } from '../types.ts';

/** Google API keys: "AIza" and 35 more characters. */
const GOOGLE_KEY = /AIza[0-9A-Za-z_-]{20,}/g;

/** sanitizeMessage plus Google API keys. */
export function sanitizeGeminiMessage(message: string, provider: TableProvider): string {
  return sanitizeMessage(message.replace(GOOGLE_KEY, '[redacted]'), provider);
}

function parse(body: Uint8Array): WireErrorStatus | null {
  try {
    return googleErrorStatus(JSON.parse(new TextDecoder().decode(body)) as unknown);
  } catch {
    return null;
  }
}

function kindFor(status: number, e: WireErrorStatus | null): FailureKind {
  if (e === null || e.status === undefined) return statusKind(status);
  if (isApiKeyError(e)) return 'auth';
  return googleStatusKind(e.status, status);
}

/** Classifies a non-2xx Gemini response. An unparsable body yields no message (never the raw body). */
export function classifyGeminiError(provider: TableProvider, status: number, headers: UpstreamResponse['headers'], body: Uint8Array, nowMs: number): UpstreamFailure {
  const e = parse(body);
  const kind = kindFor(status, e);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status };
  if (e?.message !== undefined) failure.message = sanitizeGeminiMessage(e.message, provider);
  if (kind === 'client' && e?.message !== undefined && isContextLengthMessage(e.message)) failure.upstreamCode = CONTEXT_LENGTH_CODE;
  else if (e?.status !== undefined) failure.upstreamCode = sanitizeGeminiMessage(e.status, provider).slice(0, 128);
  if (kind === 'rate_limited' || status === 429 || status === 503) {
    const retryAfter = (e === null ? undefined : retryDelaySeconds(e)) ?? parseRetryAfter(headers, nowMs);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}
