// What the OpenAI chat-style ingresses (chat, legacy completions, responses) share: the request they extract from a
// validated body (model, stream, whether usage is wanted) and the Ingress they are (the OpenAI error envelope, the
// chat stream's error event unless the API has its own).
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCodec } from '../../canonical/codec.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { Ingress, IngressError, IngressRequest } from '../types.ts';
import { openaiErrorResponse, openaiStreamErrorEvent } from './openai-envelope.ts';
import { NO_HEADERS, includeUsage } from './validate.ts';

/**
 * The request of a validated chat-style body. Usage is wanted when the API always reports it (`alwaysUsage`), else
 * only on a stream whose stream_options.include_usage is true.
 */
export function openaiChatRequest(api: ClientApi, obj: Record<string, unknown>, alwaysUsage = false): IngressRequest {
  const stream = obj.stream === true;
  return {
    api, op: 'chat', body: obj, model: obj.model as string, stream,
    wantsUsage: alwaysUsage || (stream && includeUsage(obj.stream_options)), forwardHeaders: NO_HEADERS,
  };
}

export interface OpenAIChatIngressSpec {
  readonly api: ClientApi;
  readonly path: string;
  readonly parse: (body: unknown) => IngressRequest;
  readonly codec: ClientCodec | null;
  /** Default: the chat dialect's `data: {"error":…}` event. */
  readonly streamErrorEvent?: (e: IngressError) => string;
  /** Default: text/event-stream. */
  readonly streamContentType?: string;
}

export function openaiChatIngress(spec: OpenAIChatIngressSpec): Ingress {
  const parse = spec.parse;
  return {
    api: spec.api,
    path: spec.path,
    op: 'chat',
    parse: (body: unknown, _headers: IncomingHttpHeaders) => parse(body),
    codec: spec.codec,
    errorResponse: (e) => openaiErrorResponse(e),
    streamErrorEvent: spec.streamErrorEvent ?? openaiStreamErrorEvent,
    streamContentType: spec.streamContentType ?? 'text/event-stream',
  };
}
