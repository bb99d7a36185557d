// Ingress for the OpenAI Responses API (POST /v1/responses): model, input (a string or a list of items), stream.
// The stateful fields (previous_response_id, store: true, background: true, conversation, prompt) are NOT refused
// here: a route to OpenAI passes them through. The codec refuses them when it decodes a request for translation
// (pkg/dialects/openai-responses statefulFieldRefusal), which is the hook every translated path goes through.
// Responses always report usage (response.completed), so wantsUsage is true. Errors use the OpenAI envelope; the
// stream error event is the Responses `error` event.
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/openai-responses/index.ts';
import { openaiErrorResponse } from '../shared/openai-envelope.ts';
import { NO_HEADERS, checkSchema, requireObject } from '../shared/validate.ts';
import type { Ingress, IngressError, IngressRequest } from '../types.ts';

export const ResponsesRequest = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]),
  stream: z.boolean().nullable().optional(),
});

export function parseResponses(body: unknown): IngressRequest {
  const obj = requireObject(body);
  checkSchema(ResponsesRequest, obj);
  return { api: 'openai-responses', op: 'chat', body: obj, model: obj.model as string, stream: obj.stream === true, wantsUsage: true, forwardHeaders: NO_HEADERS };
}

/** The Responses stream's terminal `error` event (ResponseErrorEvent; no sequence number: the core does not count). */
export function responsesStreamErrorEvent(e: IngressError): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', code: e.code, message: e.message, param: e.param })}\n\n`;
}

export function createOpenAIResponsesIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return {
    api: 'openai-responses',
    path: '/v1/responses',
    op: 'chat',
    parse: (body: unknown, _headers: IncomingHttpHeaders) => parseResponses(body),
    codec,
    errorResponse: (e) => openaiErrorResponse(e),
    streamErrorEvent: responsesStreamErrorEvent,
    streamContentType: 'text/event-stream; charset=utf-8',
  };
}
