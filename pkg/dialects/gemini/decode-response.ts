// Provider side: a GenerateContentResponse (2xx body) → the canonical response, and the pieces the stream decoder
// shares (usage, finish reasons, parts). Only the first candidate is read (requests never ask for more).
//
// Usage: promptTokenCount already includes cachedContentTokenCount, so it is the canonical inputTokens (plus
// toolUsePromptTokenCount, the prompt of server-side tools); thoughtsTokenCount is reported apart from
// candidatesTokenCount and billed as output, so outputTokens = candidates + thoughts and reasoningTokens = thoughts.
// Finish reasons: STOP → end_turn (tool_use when the answer calls a function: Gemini says STOP there too),
// MAX_TOKENS → max_tokens, the safety family → content_filter; a prompt blocked before generation
// (promptFeedback.blockReason, no candidates) is an empty answer stopped by content_filter.
import type { CanonicalResponse, CanonicalUsage, StopReason } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import { thinkingSignature, toolCallId } from './signatures.ts';
import type { WirePart } from './wire.ts';

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

/** usageMetadata → canonical usage; null when absent. */
export function canonicalUsage(u: unknown): CanonicalUsage | null {
  if (!isObj(u)) return null;
  const thoughts = count(u.thoughtsTokenCount);
  const cached = count(u.cachedContentTokenCount);
  return {
    inputTokens: count(u.promptTokenCount) + count(u.toolUsePromptTokenCount),
    outputTokens: count(u.candidatesTokenCount) + thoughts,
    ...(cached > 0 ? { cachedInputTokens: cached } : {}),
    ...(thoughts > 0 ? { reasoningTokens: thoughts } : {}),
  };
}

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'IMAGE_RECITATION']);

/** A candidate's finishReason → canonical; `calledTool` when the answer holds a function call. */
export function canonicalStopReason(reason: unknown, calledTool: boolean): StopReason {
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (typeof reason === 'string' && FILTERED.has(reason)) return 'content_filter';
  return calledTool ? 'tool_use' : 'end_turn';
}

/** True when the prompt itself was blocked (no candidates; promptFeedback.blockReason set). */
export function promptBlocked(body: Obj): boolean {
  const fb = body.promptFeedback;
  return isObj(fb) && typeof fb.blockReason === 'string' && fb.blockReason !== '' && fb.blockReason !== 'BLOCKED_REASON_UNSPECIFIED';
}

/** The parts of the first candidate (empty when none). Throws 'invalid' when they are not objects. */
export function candidateParts(candidate: Obj | undefined): readonly WirePart[] {
  const content = candidate?.content;
  if (!isObj(content) || content.parts === undefined) return [];
  if (!Array.isArray(content.parts) || !content.parts.every(isObj)) invalid('The upstream answer has content parts that are not objects.');
  return content.parts as readonly WirePart[];
}

export function firstCandidate(body: Obj): Obj | undefined {
  const c = body.candidates;
  if (c === undefined) return undefined;
  if (!Array.isArray(c)) invalid('The upstream answer has "candidates" that is not an array.');
  const first: unknown = c[0];
  if (first !== undefined && !isObj(first)) invalid('The upstream answer has a candidate that is not an object.');
  return first;
}

type Content = CanonicalResponse['content'][number];

export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isObj(body) || (body.candidates === undefined && !isObj(body.promptFeedback))) invalid('The upstream answer is not a Gemini GenerateContentResponse.');
  const responseId = typeof body.responseId === 'string' ? body.responseId : '';
  const candidate = firstCandidate(body);
  const content: Content[] = [];
  let calls = 0;
  for (const p of candidateParts(candidate)) {
    const last = content.at(-1);
    if (isObj(p.functionCall) && typeof p.functionCall.name === 'string') {
      const fc = p.functionCall;
      const id = toolCallId({ id: typeof fc.id === 'string' ? fc.id : undefined, signature: p.thoughtSignature }, calls, responseId);
      content.push({ type: 'tool_use', id, name: fc.name, input: isObj(fc.args) ? fc.args : {} });
      calls += 1;
    } else if (typeof p.text === 'string' && p.thought === true) {
      const signature = typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '' ? { signature: thinkingSignature(p.thoughtSignature) } : {};
      content.push({ type: 'thinking', text: p.text, ...signature });
    } else if (typeof p.text === 'string' && p.text !== '') {
      // A signature on a plain text part is not required back (only function calls' are): dropped.
      if (last?.type === 'text') content[content.length - 1] = { type: 'text', text: last.text + p.text };
      else content.push({ type: 'text', text: p.text });
    }
    // inlineData answers (image output), executableCode and codeExecutionResult have no canonical form.
  }
  const stopReason: StopReason = candidate === undefined && promptBlocked(body) ? 'content_filter' : canonicalStopReason(candidate?.finishReason, calls > 0);
  return {
    id: responseId,
    model: typeof body.modelVersion === 'string' ? body.modelVersion : '',
    content,
    stopReason,
    usage: canonicalUsage(body.usageMetadata),
  };
}
