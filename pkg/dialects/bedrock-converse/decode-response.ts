// Provider side: a Converse answer (2xx body) → the canonical response, and the pieces the stream decoder shares
// (usage and stop reason mapping). Bedrock reports no response id or model in the body: both stay empty and the
// client codecs fill them from the request id and the client's model name.
//
// Usage: Bedrock's inputTokens counts only the input neither read from nor written to the prompt cache (as
// Anthropic's input_tokens does); canonical inputTokens is the whole prompt = inputTokens + cacheReadInputTokens +
// cacheWriteInputTokens. Bedrock does not break reasoning tokens out of outputTokens.
import type { CanonicalResponse, CanonicalUsage, StopReason } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';

type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalid(message: string): never {
  throw new UpstreamFailureError({ kind: 'invalid', message });
}

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/** A TokenUsage object → canonical usage; null when it is not an object. */
export function canonicalUsage(u: unknown): CanonicalUsage | null {
  if (!isObj(u)) return null;
  const read = count(u.cacheReadInputTokens);
  const write = count(u.cacheWriteInputTokens);
  return {
    inputTokens: count(u.inputTokens) + read + write,
    outputTokens: count(u.outputTokens),
    ...(read > 0 ? { cachedInputTokens: read } : {}),
    ...(write > 0 ? { cacheWriteTokens: write } : {}),
  };
}

/**
 * Converse stop reasons → canonical. guardrail_intervened and content_filtered → content_filter;
 * model_context_window_exceeded → max_tokens; malformed_model_output / malformed_tool_use (the model produced
 * something Bedrock could not parse) and unknown values → end_turn.
 */
export function canonicalStopReason(r: unknown): StopReason {
  switch (r) {
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
      return r;
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

/** additionalModelResponseFields.stop_sequence (asked for on Anthropic models when stop sequences are set). */
export function stopSequenceOf(fields: unknown): string | undefined {
  return isObj(fields) && typeof fields.stop_sequence === 'string' ? fields.stop_sequence : undefined;
}

type Content = CanonicalResponse['content'][number];

function block(raw: unknown): Content | null {
  if (!isObj(raw)) invalid('A Converse content block is not an object.');
  if (typeof raw.text === 'string') return { type: 'text', text: raw.text };
  const tu = raw.toolUse;
  if (isObj(tu) && typeof tu.toolUseId === 'string' && typeof tu.name === 'string') {
    return { type: 'tool_use', id: tu.toolUseId, name: tu.name, input: isObj(tu.input) ? tu.input : {} };
  }
  const rc = raw.reasoningContent;
  if (isObj(rc)) {
    const rt = rc.reasoningText;
    if (isObj(rt) && typeof rt.text === 'string') return { type: 'thinking', text: rt.text, ...(typeof rt.signature === 'string' && rt.signature !== '' ? { signature: rt.signature } : {}) };
    if (typeof rc.redactedContent === 'string') return { type: 'redacted_thinking', data: rc.redactedContent };
  }
  return null; // citationsContent, images and blocks added later carry nothing canonical
}

export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isObj(body) || !isObj(body.output)) invalid('The upstream answer is not a Converse response.');
  const message = body.output.message;
  if (!isObj(message) || !Array.isArray(message.content)) invalid('The Converse response has no output message.');
  const content = message.content.map(block).filter((b): b is Content => b !== null);
  const stopSequence = stopSequenceOf(body.additionalModelResponseFields);
  return {
    id: '',
    model: '',
    content,
    stopReason: canonicalStopReason(body.stopReason),
    ...(stopSequence !== undefined ? { stopSequence } : {}),
    usage: canonicalUsage(body.usage),
  };
}
