// Ingress for OpenAI Chat Completions (POST /v1/chat/completions): the gateway's hot path. Validation reads only the
// fields the gateway itself needs (model, messages, stream, stream_options); unknown fields are forwarded as-is.
// `obviouslyValid` is a cheap pre-check that skips zod for ordinary bodies (narrower than the schema, never wider).
import { z } from 'zod';
import type { ClientCodec } from '../../canonical/codec.ts';
import { clientCodec } from '../../dialects/openai-chat/index.ts';
import { openaiChatIngress, openaiChatRequest } from '../shared/openai-ingress.ts';
import { checkSchema, isPlainObject, requireObject } from '../shared/validate.ts';
import type { Ingress, IngressRequest } from '../types.ts';

export const StreamOptions = z.looseObject({ include_usage: z.boolean().optional() });

export const ChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: StreamOptions.nullable().optional(),
});

function isOptionalBoolean(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'boolean';
}

/** True only for bodies ChatRequest certainly accepts (a property test checks it is never wider). */
export function obviouslyValidChat(b: Record<string, unknown>): boolean {
  if (typeof b.model !== 'string' || b.model === '') return false;
  if (!Array.isArray(b.messages) || b.messages.length === 0 || !isOptionalBoolean(b.stream)) return false;
  const so = b.stream_options;
  return so === undefined || so === null || (isPlainObject(so) && (so.include_usage === undefined || typeof so.include_usage === 'boolean'));
}

export function parseChat(body: unknown): IngressRequest {
  const obj = requireObject(body);
  if (!obviouslyValidChat(obj)) checkSchema(ChatRequest, obj);
  return openaiChatRequest('openai-chat', obj);
}

export function createOpenAIChatIngress(codec: ClientCodec | null = clientCodec): Ingress {
  return openaiChatIngress({ api: 'openai-chat', path: '/v1/chat/completions', parse: parseChat, codec });
}
