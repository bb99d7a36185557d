// OpenAI chat answers (provider side) → canonical: the `chat.completion` body and in-band error objects.
// `reasoning_content` (DeepSeek, vLLM, SGLang) or `reasoning` (OpenRouter, Groq, Ollama) becomes a thinking part; a `refusal`
// becomes text with stopReason refusal.
import { statusKind } from '../../providers/openai/errors.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import type { CanonicalResponse, StreamError, TextPart, ThinkingPart, ToolUsePart } from '../../canonical/types.ts';
import { canonicalUsage, stopReasonOf } from './shared.ts';

type Obj = Record<string, unknown>;

/** Turns an upstream message into one safe to show the client (the adapter binds the provider's sanitiser). */
export type Sanitize = (message: string) => string;

const MAX_MESSAGE_CHARS = 1024;
const KEY_PATTERN = /\b(?:sk|pk|rk|gsk|xai|key|api[_-]?key)[-_][A-Za-z0-9_*.-]{6,}/gi;
const BEARER_PATTERN = /\bBearer\s+[A-Za-z0-9_*.~+/=-]+/gi;

/** Without the provider at hand: key-looking tokens and bearer values removed, length capped. */
export const defaultSanitize: Sanitize = (message) => {
  const out = message.replace(BEARER_PATTERN, 'Bearer [redacted]').replace(KEY_PATTERN, '[redacted]');
  return out.length > MAX_MESSAGE_CHARS ? `${out.slice(0, MAX_MESSAGE_CHARS - 1)}…` : out;
};

export function invalidUpstream(message: string, cause?: unknown): UpstreamFailureError {
  return new UpstreamFailureError({ kind: 'invalid', message }, cause);
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** True for `{"error":{…}}` / `{"object":"error"}` bodies. */
export function isErrorBody(v: Obj): boolean {
  return obj(v.error) !== undefined || typeof v.error === 'string' || v.object === 'error';
}

/**
 * An in-band error classified like pkg/providers/openai/errors.ts does for OpenAI upstreams: a numeric status
 * (`code` or `status`) by HTTP class, otherwise by the type/code words (rate_limit, authentication, invalid_request…).
 */
export function streamErrorOf(v: Obj, sanitize: Sanitize): StreamError {
  const e = obj(v.error) ?? v;
  const message = sanitize(str(e.message) ?? str(v.error) ?? 'The upstream provider reported an error.');
  const tag = str(e.code) ?? str(e.type);
  const status = typeof e.code === 'number' ? e.code : typeof e.status === 'number' ? e.status : undefined;
  let kind: StreamError['kind'] = 'server';
  const words = `${str(e.code) ?? ''} ${str(e.type) ?? ''}`.toLowerCase();
  if (words.includes('rate_limit') || words.includes('insufficient_quota')) kind = 'rate_limited';
  else if (words.includes('authentication') || words.includes('invalid_api_key') || words.includes('permission')) kind = 'auth';
  else if (words.includes('invalid_request') || words.includes('context_length')) kind = 'client';
  else if (status !== undefined && status >= 400) {
    const k = statusKind(status);
    kind = k === 'connect' || k === 'tls' ? 'server' : k;
  }
  const out: { -readonly [K in keyof StreamError]: StreamError[K] } = { kind, message };
  if (tag !== undefined) out.upstreamType = sanitize(tag).slice(0, 128);
  return out;
}

/** Parsed tool call arguments; a model that wrote something other than a JSON object makes the answer invalid. */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw invalidUpstream('The upstream provider sent tool call arguments that are not JSON.', err);
  }
  const o = obj(v);
  if (o === undefined) throw invalidUpstream('The upstream provider sent tool call arguments that are not a JSON object.');
  return o;
}

export function decodeChatResponse(body: unknown): CanonicalResponse {
  const root = obj(body);
  if (root === undefined) throw invalidUpstream('The upstream provider sent an answer that is not a JSON object.');
  if (isErrorBody(root)) {
    const e = streamErrorOf(root, defaultSanitize);
    throw new UpstreamFailureError({ kind: e.kind, message: e.message, ...(e.upstreamType === undefined ? {} : { upstreamCode: e.upstreamType }) });
  }
  const choices = root.choices;
  const choice = Array.isArray(choices) ? obj(choices[0]) : undefined;
  const message = obj(choice?.message);
  if (choice === undefined || message === undefined) throw invalidUpstream('The upstream provider sent an answer without a message.');
  const content: (TextPart | ToolUsePart | ThinkingPart)[] = [];
  const reasoning = str(message.reasoning_content) ?? str(message.reasoning);
  if (reasoning !== undefined) content.push({ type: 'thinking', text: reasoning });
  const text = message.content;
  if (typeof text === 'string' && text !== '') content.push({ type: 'text', text });
  const refusal = str(message.refusal);
  if (refusal !== undefined) content.push({ type: 'text', text: refusal });
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  for (const c of calls) {
    const call = obj(c);
    const fn = obj(call?.function);
    const name = str(fn?.name);
    if (call === undefined || fn === undefined || name === undefined) throw invalidUpstream('The upstream provider sent a malformed tool call.');
    const args = fn.arguments;
    const input = typeof args === 'string' ? parseToolArguments(args) : (obj(args) ?? {});
    content.push({ type: 'tool_use', id: str(call.id) ?? `call_${content.length}`, name, input });
  }
  const out: { -readonly [K in keyof CanonicalResponse]: CanonicalResponse[K] } = {
    id: str(root.id) ?? '',
    model: str(root.model) ?? '',
    content,
    stopReason: refusal !== undefined ? 'refusal' : stopReasonOf(choice.finish_reason),
    usage: canonicalUsage(root.usage),
  };
  if (typeof root.created === 'number') out.created = root.created;
  return out;
}
