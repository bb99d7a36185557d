// Usage extraction from OpenAI `usage` objects (chat, stream usage chunk, embeddings, Responses API).
import type { Usage } from '../types.ts';

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Usage as the provider reported it; total_tokens is taken from the provider when present. Null when absent or malformed. */
export function usageFromOpenAI(usage: unknown): Usage | null {
  const input = num(field(usage, 'prompt_tokens'));
  if (input === undefined) return null;
  const output = num(field(usage, 'completion_tokens')) ?? 0;
  const total = num(field(usage, 'total_tokens')) ?? input + output;
  // DeepSeek reports cache hits as prompt_cache_hit_tokens instead of prompt_tokens_details.cached_tokens.
  const cached = num(field(field(usage, 'prompt_tokens_details'), 'cached_tokens')) ?? num(field(usage, 'prompt_cache_hit_tokens'));
  const reasoning = num(field(field(usage, 'completion_tokens_details'), 'reasoning_tokens'));
  const out: { -readonly [K in keyof Usage]: Usage[K] } = { inputTokens: input, outputTokens: output, totalTokens: total };
  if (cached !== undefined) out.cachedInputTokens = cached;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

/** Usage of the Responses API (input_tokens, output_tokens and their details). Null when absent or malformed. */
export function usageFromResponses(usage: unknown): Usage | null {
  const input = num(field(usage, 'input_tokens'));
  if (input === undefined) return null;
  const output = num(field(usage, 'output_tokens')) ?? 0;
  const total = num(field(usage, 'total_tokens')) ?? input + output;
  const cached = num(field(field(usage, 'input_tokens_details'), 'cached_tokens'));
  const reasoning = num(field(field(usage, 'output_tokens_details'), 'reasoning_tokens'));
  const out: { -readonly [K in keyof Usage]: Usage[K] } = { inputTokens: input, outputTokens: output, totalTokens: total };
  if (cached !== undefined) out.cachedInputTokens = cached;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}
