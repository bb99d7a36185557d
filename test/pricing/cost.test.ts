// Cost per request (pkg/proxy/dispatch/usage.ts) for each usage mix, against figures computed by hand, and the
// estimate used when the provider reports no usage (pkg/proxy/dispatch/estimate.ts).
import { describe, expect, it } from 'vitest';
import { listPricing, mergePricing } from '../../pkg/pricing/defaults.ts';
import { jsonUsage, responseTextChars, streamedTextChars } from '../../pkg/proxy/dispatch/estimate.ts';
import { costUSD } from '../../pkg/proxy/dispatch/usage.ts';
import type { TargetPrice } from '../../pkg/proxy/runtime-table.ts';

// Claude Sonnet 4.5 list price per 1M: input 3, output 15, cache hit 0.30, 5-minute cache write 3.75 (per token /1e6).
const SONNET: TargetPrice = { input: 3e-6, output: 15e-6, cachedInput: 0.3e-6, cacheWrite: 3.75e-6, reasoning: 15e-6 };
// A made-up price with reasoning priced apart, to see that field used.
const APART: TargetPrice = { input: 1e-6, output: 4e-6, cachedInput: 0.5e-6, cacheWrite: 1e-6, reasoning: 10e-6 };

describe('costUSD per usage mix', () => {
  it('plain input and output', () => {
    // 1000 × 3 + 200 × 15 = 3000 + 3000 = 6000 µ$ per 1M → 0.006 USD
    expect(costUSD({ inputTokens: 1000, outputTokens: 200, totalTokens: 1200 }, SONNET)).toBe(0.006);
  });

  it('cached input is charged at the cache-hit price only', () => {
    // 1000 input of which 800 cached: 200 × 3 + 800 × 0.3 + 100 × 15 = 600 + 240 + 1500 = 2340 → 0.00234
    expect(costUSD({ inputTokens: 1000, outputTokens: 100, totalTokens: 1100, cachedInputTokens: 800 }, SONNET)).toBe(0.00234);
  });

  it('cache writes are charged at the cache-write price', () => {
    // 5000 input: 4000 written, 1000 uncached; 50 out: 1000 × 3 + 4000 × 3.75 + 50 × 15 = 3000 + 15000 + 750 = 18750
    expect(costUSD({ inputTokens: 5000, outputTokens: 50, totalTokens: 5050, cacheWriteTokens: 4000 }, SONNET)).toBe(0.01875);
  });

  it('cached, written and uncached input together', () => {
    // 10000 input = 6000 cached + 3000 written + 1000 uncached; 400 out:
    // 1000 × 3 + 6000 × 0.3 + 3000 × 3.75 + 400 × 15 = 3000 + 1800 + 11250 + 6000 = 22050
    expect(costUSD({ inputTokens: 10000, outputTokens: 400, totalTokens: 10400, cachedInputTokens: 6000, cacheWriteTokens: 3000 }, SONNET)).toBe(0.02205);
  });

  it('reasoning tokens (part of output) at the reasoning price when priced apart', () => {
    // 100 input, 1000 output of which 700 reasoning: 100 × 1 + 300 × 4 + 700 × 10 = 100 + 1200 + 7000 = 8300
    expect(costUSD({ inputTokens: 100, outputTokens: 1000, totalTokens: 1100, reasoningTokens: 700 }, APART)).toBe(0.0083);
  });

  it('reasoning at the output price when not priced apart: the same as without the split', () => {
    const u = { inputTokens: 100, outputTokens: 1000, totalTokens: 1100 };
    expect(costUSD({ ...u, reasoningTokens: 700 }, SONNET)).toBe(costUSD(u, SONNET));
  });

  it('every mix at once', () => {
    // 2000 input = 1000 cached + 500 written + 500 uncached; 300 output = 200 reasoning + 100 visible:
    // 500 × 1 + 1000 × 0.5 + 500 × 1 + 100 × 4 + 200 × 10 = 500 + 500 + 500 + 400 + 2000 = 3900
    expect(costUSD({ inputTokens: 2000, outputTokens: 300, totalTokens: 2300, cachedInputTokens: 1000, cacheWriteTokens: 500, reasoningTokens: 200 }, APART)).toBe(0.0039);
  });

  it('inconsistent counts never charge a token twice nor below zero', () => {
    // cached > input: all 100 input tokens cached; writes beyond what is left ignored; reasoning capped at output.
    // 100 × 0.3 + 10 × 15 = 30 + 150 = 180
    expect(costUSD({ inputTokens: 100, outputTokens: 10, totalTokens: 110, cachedInputTokens: 500, cacheWriteTokens: 50, reasoningTokens: 99 }, SONNET)).toBe(0.00018);
  });

  it('rounded to 1e-9 USD; null without a price', () => {
    expect(costUSD({ inputTokens: 1, outputTokens: 1, totalTokens: 2 }, { ...SONNET, input: 1e-10, output: 1e-10 })).toBe(0);
    expect(costUSD({ inputTokens: 11, outputTokens: 3, totalTokens: 14 }, { ...SONNET, input: 0.1e-6, output: 0.2e-6 })).toBe(0.0000017);
    expect(costUSD({ inputTokens: 1, outputTokens: 1, totalTokens: 2 }, null)).toBeNull();
  });
});

describe('list price and overrides', () => {
  it('list price of a dated OpenAI snapshot and of a groq preset model; none for a self-hosted preset', () => {
    expect(listPricing('openai', undefined, 'gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6, cachedInput: 0.075 });
    expect(listPricing('openai-compatible', 'groq', 'llama-3.3-70b-versatile')).toEqual({ input: 0.59, output: 0.79 });
    expect(listPricing('openai-compatible', 'vllm', 'llama-3.3-70b-versatile')).toBeUndefined();
    expect(listPricing('anthropic', undefined, 'claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    expect(listPricing('fake', undefined, 'gpt-4o-mini')).toBeUndefined();
  });

  it('the Provider\'s own pricing wins field by field', () => {
    const list = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };
    expect(mergePricing({ input: 2 }, list)).toEqual({ input: 2, output: 15, cachedInput: 0.3, cacheWrite: 3.75 });
    expect(mergePricing({ cachedInput: 0, reasoning: 20 }, list)).toEqual({ input: 3, output: 15, cachedInput: 0, cacheWrite: 3.75, reasoning: 20 });
    expect(mergePricing({ input: 1, output: 2 }, undefined)).toEqual({ input: 1, output: 2 });
    expect(mergePricing(undefined, undefined)).toBeUndefined();
  });
});

describe('usage estimated when the provider reports none', () => {
  it('counts answer text in every dialect\'s JSON body', () => {
    expect(responseTextChars('{"choices":[{"message":{"role":"assistant","content":"abcdefgh"}}]}')).toBe(8);
    expect(responseTextChars('{"content":[{"type":"text","text":"abcd"}],"usage":null}')).toBe(4);
    expect(responseTextChars('{"choices":[{"text":"abc\\"d"}]}')).toBe(6);
  });

  it('keeps reported usage; otherwise estimates from prompt and answer and marks it', () => {
    const reported = { inputTokens: 5, outputTokens: 6, totalTokens: 11 };
    expect(jsonUsage(reported, null, '{}')).toBe(reported);
    const body = { messages: [{ role: 'user', content: 'x'.repeat(40) }] };
    const answer = new TextEncoder().encode('{"choices":[{"message":{"content":"' + 'y'.repeat(13) + '"}}]}');
    // 40 prompt chars → 10 tokens; 13 answer chars → ceil(13 / 4) = 4 tokens.
    expect(jsonUsage(null, body, answer)).toEqual({ inputTokens: 10, outputTokens: 4, totalTokens: 14, estimated: true });
  });
});

describe('streamed answer text in every client dialect', () => {
  it('OpenAI chat content and arguments; legacy completions text', () => {
    expect(streamedTextChars('data: {"choices":[{"delta":{"content":"abcd"}}]}\n\n')).toBe(4);
    expect(streamedTextChars('data: {"choices":[{"text":"abcdef","index":0}]}\n\n')).toBe(6);
  });

  it('Anthropic text and tool-input deltas', () => {
    const sse = 'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
      + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"abcde"}}\n\n'
      + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":1"}}\n\n';
    expect(streamedTextChars(sse)).toBe(5 + 8);
  });

  it('Responses: deltas only, not the text repeated by .done and response.completed', () => {
    const sse = 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"m","output_index":0,"content_index":0,"delta":"abc"}\n\n'
      + 'event: response.output_text.done\ndata: {"type":"response.output_text.done","item_id":"m","output_index":0,"content_index":0,"text":"abc"}\n\n'
      + 'event: response.completed\ndata: {"type":"response.completed","response":{"output":[{"content":[{"type":"output_text","text":"abc"}]}]}}\n\n';
    expect(streamedTextChars(sse)).toBe(3);
  });
});
