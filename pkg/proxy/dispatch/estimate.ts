// Token estimates for a stream cut short before the provider reported usage (ADR 0014): one token per 4 characters
// (UTF-16 code units, rounded up) of the text seen — the streamed answer text and tool-call arguments for output
// (streamedTextChars), the messages' text (or the prompt / input strings) for input. Rough by design: a cut stream still costs
// money, and an estimate marked as such beats a silent zero. The same estimate covers an answer whose provider reports
// no usage at all (issue 8): a complete stream without a usage event, or a JSON body without a usage object — the
// access log marks it `usageEstimated: true` and its cost is computed from the estimate.
import type { Usage } from '../../providers/types.ts';

/**
 * Where answer text sits in a stream chunk, per client dialect: OpenAI chat `content` and tool-call `arguments`,
 * legacy completions and Anthropic text deltas `text`, Anthropic tool-input deltas `partial_json`. A Responses stream
 * (its events are typed `response.*`) repeats its text in `.done` and `response.completed` events, so only its
 * `delta` strings count (text and function-call argument deltas). Reasoning text is not counted.
 */
const MARKERS = ['"content":"', '"arguments":"', '"text":"', '"partial_json":"'] as const;
const RESPONSES_MARKERS = ['"delta":"'] as const;
/** A complete JSON answer holds its text once, under `content`, `arguments` or `text`, whatever the dialect. */
const BODY_MARKERS = ['"content":"', '"arguments":"', '"text":"'] as const;

/** Characters of answer text in SSE chunks of any client dialect (escapes count as written). */
export function streamedTextChars(sse: string): number {
  return markedChars(sse, sse.includes('"type":"response.') ? RESPONSES_MARKERS : MARKERS);
}

/** Characters of answer text in a complete JSON response body (any client dialect). */
export function responseTextChars(body: string): number {
  return markedChars(body, BODY_MARKERS);
}

function markedChars(sse: string, markers: readonly string[]): number {
  let total = 0;
  for (const marker of markers) {
    let i = sse.indexOf(marker);
    while (i !== -1) {
      let j = i + marker.length;
      const start = j;
      for (; j < sse.length; j++) {
        const c = sse.charCodeAt(j);
        if (c === 92) j++; // backslash: skip the escaped character
        else if (c === 34) break; // closing quote
      }
      total += Math.min(j, sse.length) - start;
      i = sse.indexOf(marker, j + 1);
    }
  }
  return total;
}

export function estimateTokensFromChars(chars: number): number {
  return chars <= 0 ? 0 : Math.ceil(chars / 4);
}

function textChars(v: unknown, depth: number): number {
  if (typeof v === 'string') return v.length;
  if (depth > 4 || typeof v !== 'object' || v === null) return 0;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + textChars(x, depth + 1), 0);
  const o = v as Record<string, unknown>;
  return textChars(o.content, depth + 1) + textChars(o.text, depth + 1);
}

/** Characters of prompt text in an OpenAI-dialect request body (messages, prompt or input). */
export function promptChars(body: Readonly<Record<string, unknown>>): number {
  return textChars(body.messages, 0) + textChars(body.prompt, 0) + textChars(body.input, 0);
}

/**
 * The usage of a stream cut short: the provider's own when it sent any (not estimated), otherwise an estimate from
 * the prompt and the text streamed so far.
 */
export function cutShortUsage(reported: Usage | null, body: Readonly<Record<string, unknown>> | null, streamedChars: number): Usage {
  if (reported !== null) return reported;
  const inputTokens = body === null ? 0 : estimateTokensFromChars(promptChars(body));
  const outputTokens = estimateTokensFromChars(streamedChars);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
}

/** The usage of a complete JSON answer: the provider's own, otherwise an estimate from the prompt and the answer text. */
export function jsonUsage(reported: Usage | null, body: Readonly<Record<string, unknown>> | null, response: string | Uint8Array): Usage {
  if (reported !== null) return reported;
  const text = typeof response === 'string' ? response : Buffer.from(response.buffer, response.byteOffset, response.byteLength).toString('utf8');
  return cutShortUsage(null, body, responseTextChars(text));
}
