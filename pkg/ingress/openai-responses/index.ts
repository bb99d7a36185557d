// Ingress for the OpenAI Responses API (POST /v1/responses): model, input (a string or a list of items), stream.
// The stateful fields (previous_response_id, store: true, background: true, conversation, prompt) are NOT refused
// here: a route to OpenAI passes them through. The codec refuses them when it decodes a request for translation
// (pkg/dialects/openai-responses statefulFieldRefusal), which is the hook every translated path goes through.
// Responses always report usage (response.completed), so wantsUsage is true. Errors use the OpenAI envelope; the
// stream error event is the Responses `error` event.
import { z } from 'zod';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/openai-responses/index.ts';
import { openaiChatIngress, openaiChatRequest } from '../shared/openai-ingress.ts';
import { checkSchema, requireObject } from '../shared/validate.ts';
import type { Ingress, IngressError, IngressRequest } from '../types.ts';

export const ResponsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]),
  stream: z.boolean().nullable().optional(),
});

export function parseResponses(body: unknown): IngressRequest {
  const obj = requireObject(body);
  checkSchema(ResponsesRequest, obj);
  return openaiChatRequest('openai-responses', obj, true);
}

/** The Responses stream's terminal `error` event (ResponseErrorEvent; no sequence number: the core does not count). */
export function responsesStreamErrorEvent(e: IngressError): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', code: e.code, message: e.message, param: e.param })}\n\n`;
}

export function createOpenAIResponsesIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return openaiChatIngress({
    api: 'openai-responses', path: '/v1/responses', parse: parseResponses, codec,
    streamErrorEvent: responsesStreamErrorEvent, streamContentType: 'text/event-stream; charset=utf-8',
  });
}
