// Token estimates for streams cut short (ADR 0014): characters of streamed text / 4, rounded up.
import { describe, expect, it } from 'vitest';
import { cutShortUsage, promptChars, streamedTextChars } from '../../pkg/proxy/dispatch/estimate.ts';
import { errorCodeOf, safeDetail } from '../../pkg/proxy/upstream-failure-log.ts';
import type { TableProvider } from '../../pkg/table/types.ts';

describe('streamedTextChars', () => {
  it('counts the content and tool-call argument strings of SSE chunks, not the framing', () => {
    const sse = 'data: {"choices":[{"delta":{"content":"Hello"}}]}\n\ndata: {"choices":[{"delta":{"content":" wo\\"rld"}}]}\n\n';
    expect(streamedTextChars(sse)).toBe(5 + 8); // " wo\\"rld": the escaped quote counts as written (2 characters)
    expect(streamedTextChars('data: {"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{\\"a\\":1}"}}]}}]}\n\n')).toBe(9);
    expect(streamedTextChars('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n')).toBe(0);
    expect(streamedTextChars('data: {"choices":[{"delta":{"reasoning_content":"think"}}]}\n\n')).toBe(0);
  });
});

describe('cutShortUsage', () => {
  it('keeps reported usage, otherwise estimates from the prompt text and the streamed characters', () => {
    const reported = { inputTokens: 11, outputTokens: 2, totalTokens: 13 };
    expect(cutShortUsage(reported, null, 400)).toBe(reported);
    const body = { messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: [{ type: 'text', text: 'efghi' }] }] };
    expect(promptChars(body)).toBe(9);
    expect(cutShortUsage(null, body, 21)).toEqual({ inputTokens: 3, outputTokens: 6, totalTokens: 9, estimated: true });
    expect(cutShortUsage(null, null, 0)).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0, estimated: true });
  });

  it('a stream cut short whose reported usage is only its start (Anthropic message_start: 1 output token) counts what was delivered, marked estimated', () => {
    const start = { inputTokens: 11, outputTokens: 1, totalTokens: 12 };
    expect(cutShortUsage(start, null, 400, false)).toEqual({ inputTokens: 11, outputTokens: 100, totalTokens: 111, estimated: true });
    expect(cutShortUsage(start, null, 400, true)).toBe(start); // a complete stream's own figures stand
    const full = { inputTokens: 11, outputTokens: 500, totalTokens: 511 };
    expect(cutShortUsage(full, null, 400, false)).toBe(full); // reported beyond the estimate: kept as reported
  });
});

describe('failure details', () => {
  const provider = { id: 'default/p', credential: { kind: 'header', header: 'authorization', value: 'Bearer abcdefghijklmnopqrstuv' } } as unknown as TableProvider;

  it('strips key-shaped tokens, drops text overlapping the credential, keeps one capped line', () => {
    expect(safeDetail('bad key sk-proj-1234567890abcdef here', provider)).toBe('bad key [redacted] here');
    expect(safeDetail('token ijklmnopqrst rejected', provider)).toBeUndefined();
    expect(safeDetail('line one\nline two', provider)).toBe('line one line two');
    expect(safeDetail('x'.repeat(500), provider)?.length).toBe(200);
    expect(safeDetail('', provider)).toBeUndefined();
  });

  it('finds the error code on an error or its causes', () => {
    const inner = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    expect(errorCodeOf(new Error('outer', { cause: inner }))).toBe('ECONNREFUSED');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 23 }))).toBeUndefined();
    expect(errorCodeOf(undefined)).toBeUndefined();
  });
});
