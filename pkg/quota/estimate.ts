// The admission estimate of one request: prompt tokens counted with gpt-tokenizer (o200k_base, pure JS — exact for
// current OpenAI models, a close estimate for others) plus the output cap the client asked for. Only routes with a
// token or cost limit pay for it. Counted text: message contents (strings and text parts), system/instructions,
// prompt and input; a fixed per-message overhead covers role and framing tokens.
// The tokenizer's table costs about 70 MB of RSS and 0.3 s of CPU to load, so it is loaded only when a routing table
// has a token or cost limit: loadTokenizer() runs while that table is built (QuotaStage's constructor), never on
// the request path (ADR 0025). It is a synchronous require: an `await import()` would run the same 0.3 s of module
// evaluation on the event loop, only a tick later.
import { createRequire } from 'node:module';

type CountTokens = (text: string, options: { disallowedSpecial: Set<string> }) => number;
let countTokens: CountTokens | null = null;

/** Loads the o200k_base tokenizer once (idempotent). Call it where a table that needs estimates is built. */
export function loadTokenizer(): CountTokens {
  countTokens ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as { countTokens: CountTokens }).countTokens;
  return countTokens;
}

/** Whether the tokenizer is loaded (tests, startup memory checks). */
export function tokenizerLoaded(): boolean {
  return countTokens !== null;
}

/** Output tokens reserved when the request sets no cap (max_tokens / max_completion_tokens / max_output_tokens). */
export const DEFAULT_OUTPUT_RESERVE = 1024;
/** Tokens a chat format adds per message (role, separators). */
const PER_MESSAGE = 4;
/** Longest text tokenized exactly; past it, 1 token per 4 characters (a megabyte prompt must not stall the loop). */
const MAX_EXACT_CHARS = 200_000;
const NO_SPECIAL = new Set<string>();

export interface TokenEstimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

function collect(v: unknown, depth: number, out: string[]): void {
  if (typeof v === 'string') {
    out.push(v);
    return;
  }
  if (depth > 6 || typeof v !== 'object' || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) collect(x, depth + 1, out);
    return;
  }
  const o = v as Record<string, unknown>;
  collect(o.content, depth + 1, out);
  collect(o.text, depth + 1, out);
}

export function countText(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > MAX_EXACT_CHARS) return Math.ceil(text.length / 4);
  return (countTokens ?? loadTokenizer())(text, { disallowedSpecial: NO_SPECIAL });
}

function outputCap(body: Readonly<Record<string, unknown>>): number {
  for (const k of ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const) {
    const v = body[k];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  }
  return DEFAULT_OUTPUT_RESERVE;
}

/** The estimate for a request body in any client dialect; embeddings reserve no output. */
export function estimateRequest(body: Readonly<Record<string, unknown>>, embeddings: boolean): TokenEstimate {
  const parts: string[] = [];
  collect(body.system, 0, parts);
  collect(body.instructions, 0, parts);
  collect(body.messages, 0, parts);
  collect(body.prompt, 0, parts);
  collect(body.input, 0, parts);
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  const inputTokens = countText(parts.join('\n')) + PER_MESSAGE * messages;
  return { inputTokens, outputTokens: embeddings ? 0 : outputCap(body) };
}
