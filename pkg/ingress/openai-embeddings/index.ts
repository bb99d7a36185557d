// Ingress for OpenAI Embeddings (POST /v1/embeddings): model + input (string, strings, tokens or token arrays).
// Passed through to providers that serve it natively; for the others (descriptor translatedApis) the body goes through
// the canonical embeddings form (pkg/canonical/embeddings.ts), which takes text only: token-id input gets 400 there.
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { openAIEmbeddingsCodec } from '../../canonical/embeddings.ts';
import { openaiErrorResponse, openaiStreamErrorEvent } from '../shared/openai-envelope.ts';
import { NO_HEADERS, checkSchema, requireObject } from '../shared/validate.ts';
import type { Ingress, IngressRequest } from '../types.ts';

const EmbeddingsInput = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number()).min(1),
  z.array(z.array(z.number()).min(1)).min(1),
]);

export const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1),
  input: EmbeddingsInput,
});

function isStringArray(v: readonly unknown[]): boolean {
  for (const x of v) if (typeof x !== 'string') return false;
  return true;
}

/** True only for bodies EmbeddingsRequest certainly accepts. */
export function obviouslyValidEmbeddings(b: Record<string, unknown>): boolean {
  if (typeof b.model !== 'string' || b.model === '') return false;
  const input = b.input;
  return typeof input === 'string' || (Array.isArray(input) && input.length > 0 && isStringArray(input));
}

export function parseEmbeddings(body: unknown): IngressRequest {
  const obj = requireObject(body);
  if (!obviouslyValidEmbeddings(obj)) checkSchema(EmbeddingsRequest, obj);
  return { api: 'openai-embeddings', op: 'embeddings', body: obj, model: obj.model as string, stream: false, wantsUsage: false, forwardHeaders: NO_HEADERS };
}

export function createOpenAIEmbeddingsIngress(): Ingress {
  return {
    api: 'openai-embeddings',
    path: '/v1/embeddings',
    op: 'embeddings',
    parse: (body: unknown, _headers: IncomingHttpHeaders) => parseEmbeddings(body),
    codec: null,
    embeddingsCodec: openAIEmbeddingsCodec,
    errorResponse: (e) => openaiErrorResponse(e),
    streamErrorEvent: openaiStreamErrorEvent,
    streamContentType: 'text/event-stream',
  };
}
