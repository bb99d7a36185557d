// Rate-limit header values formatted the way OpenAI sends them (Go durations: "12ms", "1s", "6m0s").
import { describe, expect, it } from 'vitest';
import { rateLimitHeaders, resetDuration, retryAfterSeconds } from '../../pkg/quota/headers.ts';

describe('resetDuration', () => {
  it.each([
    [0, '0s'],
    [-5, '0s'],
    [12, '12ms'],
    [999.2, '1000ms'],
    [1000, '1s'],
    [1001, '2s'],
    [59_000, '59s'],
    [60_000, '1m0s'],
    [360_000, '6m0s'],
    [2_550_000, '42m30s'],
    [3_600_000, '1h0m0s'],
    [31 * 86_400_000, '744h0m0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(resetDuration(ms)).toBe(text);
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up and is at least 1', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(30_000)).toBe(30);
    expect(retryAfterSeconds(30_001)).toBe(31);
  });
});

describe('rateLimitHeaders', () => {
  it('writes the requests and tokens triples; remaining never below 0, always whole', () => {
    expect(rateLimitHeaders({ limit: 3, remaining: -2, resetMs: 30_000 }, { limit: 300, remaining: 12.7, resetMs: 500 })).toEqual({
      'x-ratelimit-limit-requests': '3',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '30s',
      'x-ratelimit-limit-tokens': '300',
      'x-ratelimit-remaining-tokens': '12',
      'x-ratelimit-reset-tokens': '500ms',
    });
    expect(rateLimitHeaders(null, null)).toEqual({});
  });
});
