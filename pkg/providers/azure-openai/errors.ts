// Error classification for Azure OpenAI: OpenAI's (pkg/providers/openai/errors.ts: 401/403 → auth, 429 → rate_limited
// with Retry-After or retry-after-ms, 5xx → server, 4xx → client with the provider's code and message) plus what
// Azure adds: a prompt blocked by the content filter (content-filter.ts), context-window overflows marked
// "context_length_exceeded" when Azure names them only in the message, and Entra access tokens (JWTs) removed from
// any message.
import type { UpstreamFailure, UpstreamResponse } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { classifyOpenAIError } from '../openai/errors.ts';
import { contentFilterError, contentFilterMessage } from './content-filter.ts';

export const CONTEXT_LENGTH_CODE = 'context_length_exceeded';
export const CONTENT_FILTER_CODE = 'content_filter';

const CONTEXT_LENGTH = /maximum context length|context[_ ]length|too many tokens|reduce the length of the messages/i;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

/** Removes bearer tokens of the JWT shape (Entra access tokens). */
export function redactTokens(text: string): string {
  return text.replace(JWT, '[redacted]');
}

export function classifyAzureError(provider: TableProvider, status: number, headers: UpstreamResponse['headers'], body: Uint8Array, nowMs: number): UpstreamFailure {
  const base = classifyOpenAIError(provider, status, headers, body, nowMs);
  const out: { -readonly [K in keyof UpstreamFailure]: UpstreamFailure[K] } = { ...base };
  if (out.message !== undefined) out.message = redactTokens(out.message);
  if (base.kind !== 'client') return out;
  const filtered = contentFilterError(parseJson(body));
  if (filtered !== undefined) {
    return { kind: 'client', status, upstreamCode: CONTENT_FILTER_CODE, message: contentFilterMessage(filtered), param: typeof base.param === 'string' ? base.param : 'prompt' };
  }
  if (base.upstreamCode !== CONTEXT_LENGTH_CODE && CONTEXT_LENGTH.test(base.message ?? '')) out.upstreamCode = CONTEXT_LENGTH_CODE;
  return out;
}
