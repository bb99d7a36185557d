// Non-stream response translation for OpenAI-dialect upstreams: validate, extract usage, pass the bytes through.
import { UpstreamFailureError } from '../types.ts';
import type { AttemptContext, TranslatedResponse } from '../types.ts';
import { inBandFailure } from './errors.ts';
import { usageFromOpenAI } from './usage.ts';

const decoder = new TextDecoder();

export function invalidResponse(message: string, cause?: unknown): UpstreamFailureError {
  return new UpstreamFailureError({ kind: 'invalid', message }, cause);
}

/** Parses a 2xx body; throws UpstreamFailureError('invalid') unless it is a JSON object of the expected shape. */
export function translateOpenAIResponse(ctx: AttemptContext, body: Uint8Array): TranslatedResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(body));
  } catch (err) {
    throw invalidResponse('The upstream provider sent a response that is not valid JSON.', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidResponse('The upstream provider sent a response that is not a JSON object.');
  }
  const obj = parsed as Record<string, unknown>;
  const listKey = ctx.op === 'embeddings' ? 'data' : 'choices';
  if (!Array.isArray(obj[listKey])) {
    if (typeof obj.error === 'object' && obj.error !== null) throw new UpstreamFailureError(inBandFailure(obj, ctx.target.provider));
    throw invalidResponse(`The upstream provider sent a response without "${listKey}".`);
  }
  return { body, usage: usageFromOpenAI(obj.usage) };
}
