// Ingress for OpenAI legacy Completions (POST /v1/completions): model, prompt (a string, strings, tokens or token
// arrays, as the API takes them), stream, stream_options. Passed through to providers that have the endpoint;
// translated through pkg/dialects/openai-completions for the others (an ingress built with `codec: null` instead
// makes the handler refuse a request that would need translation with 400 unsupported_operation).
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/openai-completions/index.ts';
import { StreamOptions } from '../openai-chat/index.ts';
import { openaiErrorResponse, openaiStreamErrorEvent } from '../shared/openai-envelope.ts';
import { NO_HEADERS, checkSchema, includeUsage, requireObject } from '../shared/validate.ts';
import type { Ingress, IngressRequest } from '../types.ts';

const Prompt = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number().int()).min(1),
  z.array(z.array(z.number().int()).min(1)).min(1),
]);

export const CompletionsRequest = z.looseObject({
  model: z.string().min(1),
  prompt: Prompt,
  stream: z.boolean().nullable().optional(),
  stream_options: StreamOptions.nullable().optional(),
});

export function parseCompletions(body: unknown): IngressRequest {
  const obj = requireObject(body);
  checkSchema(CompletionsRequest, obj);
  const stream = obj.stream === true;
  return {
    api: 'openai-completions', op: 'chat', body: obj, model: obj.model as string, stream,
    wantsUsage: stream && includeUsage(obj.stream_options), forwardHeaders: NO_HEADERS,
  };
}

export function createOpenAICompletionsIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return {
    api: 'openai-completions',
    path: '/v1/completions',
    op: 'chat',
    parse: (body: unknown, _headers: IncomingHttpHeaders) => parseCompletions(body),
    codec,
    errorResponse: (e) => openaiErrorResponse(e),
    streamErrorEvent: openaiStreamErrorEvent,
    streamContentType: 'text/event-stream',
  };
}
