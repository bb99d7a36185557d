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
 * `delta` strings count (text and function-call argument deltas). Reasoning text is not counted. Keys are written
 * with their opening quote so `"reasoning_content"` never matches `"content`.
 */
const KEYS = ['"content', '"arguments', '"text', '"partial_json'] as const;
const RESPONSES_KEYS = ['"delta'] as const;
/** A complete JSON answer holds its text once, under `content`, `arguments` or `text`, whatever the dialect. */
const BODY_KEYS = ['"content', '"arguments', '"text'] as const;

/** Characters of answer text in SSE chunks of any client dialect (escapes count as written). */
export function streamedTextChars(sse: string): number {
  return keyedChars(sse, sse.includes('"type":"response.') ? RESPONSES_KEYS : KEYS);
}

/** Characters of answer text in a complete JSON response body (any client dialect). */
export function responseTextChars(body: string): number {
  return keyedChars(body, BODY_KEYS);
}

/** Index of the closing quote of the JSON string whose content starts at `j` (or the text's length). */
function stringEnd(s: string, j: number): number {
  for (; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 92) j++; // backslash: skip the escaped character
    else if (c === 34) break; // closing quote
  }
  return Math.min(j, s.length);
}

/**
 * Characters inside the string values of the given keys. One pass over the `":"` joints (a key followed by a string
 * value), skipping each value whole; the key before each joint is compared with the few wanted (hot path: one scan
 * per chunk, whatever the number of keys).
 */
function keyedChars(text: string, keys: readonly string[]): number {
  let total = 0;
  let i = text.indexOf('":"');
  while (i !== -1) {
    const start = i + 3;
    const end = stringEnd(text, start);
    for (const k of keys) {
      if (text.startsWith(k, i - k.length)) {
        total += end - start;
        break;
      }
    }
    i = text.indexOf('":"', end + 1);
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
export function cutShortUsage(reported: Usage | null, body: Readonly<Record<string, unknown>> | null, streamedChars: number, complete = true): Usage {
  if (reported !== null) {
    if (complete) return reported;
    // A stream cut short may carry only the usage of its start (Anthropic's message_start says 1 output token): what
    // was delivered counts at least as its estimate, and the figure is marked estimated.
    const delivered = estimateTokensFromChars(streamedChars);
    if (delivered <= reported.outputTokens) return reported;
    return { ...reported, outputTokens: delivered, totalTokens: reported.inputTokens + delivered, estimated: true };
  }
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
