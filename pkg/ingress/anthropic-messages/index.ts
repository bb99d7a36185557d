// Ingress for Anthropic Messages (POST /v1/messages): model, messages (at least one), max_tokens (required, a
// positive integer), stream. Errors leave in Anthropic's envelope with a request-id header; `anthropic-version` and
// `anthropic-beta` are captured for native passthrough. Anthropic always reports usage, so wantsUsage is true.
import type { IncomingHttpHeaders } from 'node:http';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/anthropic-messages/index.ts';
import { pickHeaders } from '../shared/validate.ts';
import type { Ingress, IngressRequest } from '../types.ts';
import { anthropicErrorResponse, anthropicStreamErrorEvent } from './envelope.ts';
import { ANTHROPIC_FORWARD_HEADERS, checkMaxTokens, checkMessages, checkModel, checkStream, requireAnthropicObject } from './validate.ts';

export function parseMessages(body: unknown, headers: IncomingHttpHeaders): IngressRequest {
  const b = requireAnthropicObject(body);
  const model = checkModel(b);
  checkMessages(b);
  checkMaxTokens(b);
  const stream = checkStream(b);
  return { api: 'anthropic-messages', op: 'chat', body: b, model, stream, wantsUsage: true, forwardHeaders: pickHeaders(headers, ANTHROPIC_FORWARD_HEADERS) };
}

export function createAnthropicMessagesIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return {
    api: 'anthropic-messages',
    path: '/v1/messages',
    op: 'chat',
    parse: parseMessages,
    codec,
    errorResponse: anthropicErrorResponse,
    streamErrorEvent: anthropicStreamErrorEvent,
    streamContentType: 'text/event-stream; charset=utf-8',
  };
}
