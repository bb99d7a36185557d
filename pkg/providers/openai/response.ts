// Non-stream response translation for OpenAI-dialect upstreams: validate, extract usage, pass the bytes through.
import { UpstreamFailureError } from '../types.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { TableProvider } from '../../table/types.ts';
import type { TranslatedResponse } from '../types.ts';
import { inBandFailure } from './errors.ts';
import { usageFromOpenAI, usageFromResponses } from './usage.ts';

const decoder = new TextDecoder();

export function invalidResponse(message: string, cause?: unknown): UpstreamFailureError {
  return new UpstreamFailureError({ kind: 'invalid', message }, cause);
}

const LIST_KEY: Readonly<Partial<Record<ClientApi, string>>> = { 'openai-embeddings': 'data', 'openai-responses': 'output' };

/** Parses a 2xx body of `api`; throws UpstreamFailureError('invalid') unless it is a JSON object of the expected shape. */
export function translateOpenAIResponse(api: ClientApi, provider: TableProvider, body: Uint8Array): TranslatedResponse {
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
  const listKey = LIST_KEY[api] ?? 'choices';
  if (!Array.isArray(obj[listKey])) {
    if (typeof obj.error === 'object' && obj.error !== null) throw new UpstreamFailureError(inBandFailure(obj, provider));
    throw invalidResponse(`The upstream provider sent a response without "${listKey}".`);
  }
  return { body, usage: api === 'openai-responses' ? usageFromResponses(obj.usage) : usageFromOpenAI(obj.usage) };
}
