// Ingress for POST /v1/messages/count_tokens: the Messages body without max_tokens (model, messages, system, tools…),
// never streamed. It is served only by native passthrough to an Anthropic-family upstream (the JSON answer
// `{input_tokens}` is forwarded as received); a route whose targets do not all speak the Messages API natively is
// answered by the handler with 400 invalid_request_error "count_tokens is only available for Anthropic models"
// (no estimate: a number from another tokenizer would look authoritative and be wrong). No codec: never translated.
import type { IncomingHttpHeaders } from 'node:http';
import { pickHeaders } from '../shared/validate.ts';
import type { Ingress, IngressRequest } from '../types.ts';
import { anthropicErrorResponse, anthropicStreamErrorEvent } from './envelope.ts';
import { ANTHROPIC_FORWARD_HEADERS, checkMessages, checkModel, requireAnthropicObject } from './validate.ts';

export const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';

export const COUNT_TOKENS_ONLY_ANTHROPIC = 'count_tokens is only available for Anthropic models';

export function parseCountTokens(body: unknown, headers: IncomingHttpHeaders): IngressRequest {
  const b = requireAnthropicObject(body);
  const model = checkModel(b);
  checkMessages(b);
  return {
    api: 'anthropic-messages', op: 'chat', body: b, model, stream: false, wantsUsage: false,
    forwardHeaders: pickHeaders(headers, ANTHROPIC_FORWARD_HEADERS), countTokens: true,
  };
}

export function createAnthropicCountTokensIngress(): Ingress {
  return {
    api: 'anthropic-messages',
    path: COUNT_TOKENS_PATH,
    op: 'chat',
    parse: parseCountTokens,
    codec: null,
    errorResponse: anthropicErrorResponse,
    streamErrorEvent: anthropicStreamErrorEvent,
    streamContentType: 'text/event-stream; charset=utf-8',
  };
}
