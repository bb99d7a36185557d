// Ingress for OpenAI legacy Completions (POST /v1/completions): model, prompt (a string, strings, tokens or token
// arrays, as the API takes them), stream, stream_options. Passed through to providers that have the endpoint;
// translated through pkg/dialects/openai-completions for the others (an ingress built with `codec: null` instead
// makes the handler refuse a request that would need translation with 400 unsupported_operation).
import { z } from 'zod';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/openai-completions/index.ts';
import { StreamOptions } from '../openai-chat/index.ts';
import { openaiChatIngress, openaiChatRequest } from '../shared/openai-ingress.ts';
import { checkSchema, requireObject } from '../shared/validate.ts';
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
  return openaiChatRequest('openai-completions', obj);
}

export function createOpenAICompletionsIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return openaiChatIngress({ api: 'openai-completions', path: '/v1/completions', parse: parseCompletions, codec });
}
