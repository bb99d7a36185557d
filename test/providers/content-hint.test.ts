// The honest-stream head hold asks "does this event carry content?" before the head goes out. The substring scans
// (openAIContentHint, deltaHasContent) answer without JSON.parse when they can; they must never contradict a parse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deltaHasContent } from '../../pkg/providers/anthropic/anthropic-messages.ts';
import { isOpenAIContentChunk, openAIContentHint } from '../../pkg/providers/openai/stream.ts';

const chunk = (delta: unknown): string => JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] });

describe('openAIContentHint', () => {
  it('answers without a parse for text and role-free heads, and says maybe for a role chunk with empty content', () => {
    expect(openAIContentHint(chunk({ content: 'Hi' }))).toBe('yes');
    expect(openAIContentHint(JSON.stringify({ choices: [{ text: 'Hi', index: 0 }] }))).toBe('yes');
    expect(openAIContentHint(chunk({ role: 'assistant' }))).toBe('no');
    expect(openAIContentHint(chunk({ role: 'assistant', content: '' }))).toBe('maybe');
    expect(openAIContentHint(chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] }))).toBe('maybe');
  });

  it('is not fooled by content keys inside a string value', () => {
    expect(openAIContentHint(chunk({ role: 'assistant', x: '{"content":"not a key"}' }))).not.toBe('yes');
  });

  it('never contradicts the parse (property over deltas with content, text, reasoning, refusal, tool calls)', () => {
    const value = fc.oneof(fc.constant(''), fc.string(), fc.constant(null), fc.constant('{"content":"x"}'));
    const delta = fc.record({
      role: fc.constant('assistant'), content: value, reasoning_content: value, refusal: value,
      tool_calls: fc.oneof(fc.constant([]), fc.constant([{ index: 0, function: { arguments: '{"text":"a"}' } }])),
    }, { requiredKeys: [] });
    fc.assert(fc.property(delta, (d) => {
      const data = chunk(d);
      const hint = openAIContentHint(data);
      const parsed = isOpenAIContentChunk(JSON.parse(data) as Record<string, unknown>);
      if (hint === 'yes') expect(parsed).toBe(true);
      if (hint === 'no') expect(parsed).toBe(false);
    }), { numRuns: 500 });
  });
});

describe('deltaHasContent (Anthropic content_block_delta)', () => {
  const delta = (d: unknown): string => JSON.stringify({ type: 'content_block_delta', index: 0, delta: d });
  it('recognises non-empty text, thinking and partial_json deltas, and leaves the rest to the parse', () => {
    expect(deltaHasContent(delta({ type: 'text_delta', text: 'Hi' }))).toBe(true);
    expect(deltaHasContent(delta({ type: 'thinking_delta', thinking: 'hmm' }))).toBe(true);
    expect(deltaHasContent(delta({ type: 'input_json_delta', partial_json: '{"a' }))).toBe(true);
    expect(deltaHasContent(delta({ type: 'text_delta', text: '' }))).toBe(false);
    expect(deltaHasContent(delta({ type: 'input_json_delta', partial_json: '' }))).toBe(false);
    expect(deltaHasContent(delta({ type: 'signature_delta', signature: '"text":"x' }))).toBe(false);
  });
});
