// Error classification for OpenAI-dialect upstreams: status → FailureKind, provider message sanitised for the client.
import type { FailureKind, UpstreamFailure, UpstreamResponse } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { credentialSecrets } from '../http/credentials.ts';
import { openAIResetHint, parseRetryAfter } from '../http/retry-after.ts';

export const MAX_MESSAGE_CHARS = 1024;

/** OpenAI's code for an account whose credit or budget is exhausted. */
const BUDGET_STOP = 'insufficient_quota';

// Key-looking tokens (OpenAI sk-…, Groq gsk_…, xAI xai-…, generic key-…) and bearer values, even partially masked.
const KEY_PATTERN = /\b(?:sk|pk|rk|gsk|xai|key|api[_-]?key)[-_][A-Za-z0-9_*.-]{6,}/gi;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9_*.~+/=-]+/gi;

export function statusKind(status: number): FailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500 || status === 529) return 'server';
  if (status >= 400) return 'client';
  return 'invalid'; // 1xx/3xx: redirects are never followed (E12)
}

/** Removes the credential (whole value and bare key), key-looking tokens and the provider's host; caps the length. */
export function sanitizeMessage(message: string, provider: TableProvider): string {
  let out = message;
  for (const cred of credentialSecrets(provider.credential)) {
    const bare = cred.replace(/^(Bearer|Basic)\s+/i, '');
    for (const secret of [cred, bare]) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(BEARER_PATTERN, 'Bearer [redacted]').replace(KEY_PATTERN, '[redacted]');
  if (provider.baseURL !== '') {
    const host = new URL(provider.baseURL).host;
    if (host !== '') out = out.split(host).join('[upstream]');
  }
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The `{error:{message,type,code,param}}` (or `{error:"…"}`, `{message}`) details of a parsed error body. */
export function errorDetails(parsed: unknown, provider: TableProvider): Pick<UpstreamFailure, 'message' | 'upstreamCode' | 'param'> {
  if (typeof parsed !== 'object' || parsed === null) return {};
  const root = parsed as Record<string, unknown>;
  const e = root.error;
  const obj = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : root;
  const message = str(obj.message) ?? str(e) ?? str(obj.detail);
  const code = str(obj.code) ?? (typeof obj.code === 'number' ? String(obj.code) : undefined) ?? str(obj.type);
  const out: { message?: string; upstreamCode?: string; param?: string | null } = {};
  if (message !== undefined) out.message = sanitizeMessage(message, provider);
  if (code !== undefined) out.upstreamCode = sanitizeMessage(code, provider).slice(0, 128);
  if (typeof obj.param === 'string') out.param = sanitizeMessage(obj.param, provider).slice(0, 256);
  else if (obj.param === null) out.param = null;
  return out;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

/** Classifies a non-2xx response. An unparsable body yields no message (never the raw body). */
export function classifyOpenAIError(
  provider: TableProvider,
  status: number,
  headers: UpstreamResponse['headers'],
  body: Uint8Array,
  nowMs: number,
): UpstreamFailure {
  const details = errorDetails(parseJson(body), provider);
  // A budget stop (the account's money is gone) is not a rate limit: retrying or failing over would only spend more
  // elsewhere (catalogue B12): it goes back to the client as 429 insufficient_quota.
  const kind = status === 429 && details.upstreamCode === BUDGET_STOP ? 'client' : statusKind(status);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status, ...details };
  if (status === 429 || status === 503) {
    const retryAfter = parseRetryAfter(headers, nowMs) ?? (status === 429 ? openAIResetHint(headers) : undefined);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}

/** Kind of an in-band `{"error":{…}}` event or a 200 body holding an error. */
export function inBandFailure(parsed: unknown, provider: TableProvider): UpstreamFailure {
  const details = errorDetails(parsed, provider);
  const tag = `${details.upstreamCode ?? ''}`.toLowerCase();
  let kind: FailureKind = 'server';
  if (tag === BUDGET_STOP) kind = 'client';
  else if (tag.includes('rate_limit')) kind = 'rate_limited';
  else if (tag.includes('authentication') || tag.includes('invalid_api_key') || tag.includes('permission')) kind = 'auth';
  else if (tag.includes('invalid_request') || tag.includes('context_length')) kind = 'client';
  return { kind, ...details };
}
