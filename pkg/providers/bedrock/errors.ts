// Classifying Bedrock HTTP errors into UpstreamFailure. Bedrock answers errors as REST-JSON: the exception name in
// the x-amzn-errortype header (e.g. "ThrottlingException:http://internal.amazon.com/coral/…"; some services put it in
// the body's __type or code instead) and a body {"message": "…"} (or "Message").
// ThrottlingException 429 and ServiceQuotaExceededException → rate_limited (Retry-After when given);
// AccessDenied / UnrecognizedClient / ExpiredToken / InvalidSignature … (403) → auth; ModelNotReady (429),
// ServiceUnavailable (503), InternalServer (500), ModelError / ModelStreamError (424) → server; ModelTimeout (408) →
// timeout; Validation / ResourceNotFound / Conflict (400, 404) → client. A ValidationException about the input length
// is marked upstreamCode "context_length_exceeded"; otherwise upstreamCode is the exception name. Unknown names are
// classified by status.
import { CONTEXT_LENGTH, exceptionKind } from '../../dialects/bedrock-converse/errors.ts';
import type { TableProvider } from '../../table/types.ts';
import { credentialSecrets } from '../http/credentials.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { sanitizeMessage, statusKind } from '../openai/errors.ts';
import type { UpstreamFailure, UpstreamResponse } from '../types.ts';

export const CONTEXT_LENGTH_CODE = 'context_length_exceeded';

type Headers = UpstreamResponse['headers'];

/** Runs this long of base64-ish characters are taken for tokens (a session token echoed in a signature error). */
const TOKEN_LIKE = /[A-Za-z0-9+/=]{40,}/g;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(body: Uint8Array): { type?: string; message?: string } {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const o = parsed as Record<string, unknown>;
    const message = [o.message, o.Message].find((v): v is string => typeof v === 'string' && v !== '');
    const type = [o.__type, o.code].find((v): v is string => typeof v === 'string' && v !== '');
    return { ...(type === undefined ? {} : { type }), ...(message === undefined ? {} : { message }) };
  } catch {
    return {};
  }
}

/** The exception's short name: "ThrottlingException:http://…" → "ThrottlingException"; "ns#Name" → "Name". */
export function exceptionName(raw: string): string {
  const first = raw.split(':')[0] ?? '';
  return (first.split('#').at(-1) ?? '').trim();
}

/** The provider's message, without secrets (the credential's, and token-like runs), hostnames or key-like tokens. */
export function bedrockMessage(message: string, provider: TableProvider): string {
  let out = message;
  for (const s of credentialSecrets(provider.credential)) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return sanitizeMessage(out.replace(TOKEN_LIKE, '[redacted]'), provider);
}

/** Classifies a non-2xx Bedrock response. An unparsable body yields no message (never the raw body). */
export function classifyBedrockError(provider: TableProvider, status: number, headers: Headers, body: Uint8Array, nowMs: number): UpstreamFailure {
  const parsed = parseBody(body);
  const rawType = header(headers, 'x-amzn-errortype') ?? parsed.type;
  const name = rawType === undefined ? undefined : exceptionName(rawType);
  const kind = (name === undefined ? undefined : exceptionKind(name)) ?? statusKind(status);
  const failure: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { kind, status };
  if (parsed.message !== undefined) failure.message = bedrockMessage(parsed.message, provider);
  if (kind === 'client' && parsed.message !== undefined && CONTEXT_LENGTH.test(parsed.message)) failure.upstreamCode = CONTEXT_LENGTH_CODE;
  else if (name !== undefined && name !== '') failure.upstreamCode = bedrockMessage(name, provider).slice(0, 128);
  if (kind === 'rate_limited' || kind === 'server') {
    const retryAfter = parseRetryAfter(headers, nowMs);
    if (retryAfter !== undefined) failure.retryAfter = retryAfter;
  }
  return failure;
}
