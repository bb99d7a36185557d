// Unit tests for the attempt budget's pure parts (ADR 0023): full jitter, Retry-After (seconds, HTTP-date,
// retry-after-ms) and provider reset headers, the capped target block, which failures retry the same target,
// fallback `on`, transport failure classes, and the connection slots behind the pool-acquire timeout.
import { describe, expect, it } from 'vitest';
import { mapUpstreamError } from '../../pkg/providers/http/errors.ts';
import { openAIResetHint, parseResetDuration, parseRetryAfter } from '../../pkg/providers/http/retry-after.ts';
import { ConnectionSlots, POOL_ACQUIRE_TIMEOUT } from '../../pkg/providers/http/slots.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import type { UpstreamFailure } from '../../pkg/providers/types.ts';
import {
  MAX_BLOCK_MS, backoffMs, blockedUntil, fallbackUse, isContextLength, retriesSameTarget, retryDelayMs,
} from '../../pkg/proxy/dispatch/retry-policy.ts';
import type { TableRetry } from '../../pkg/table/types.ts';

const RETRY: TableRetry = { attempts: 3, baseBackoffMs: 100, maxBackoffMs: 1000, on429: true, on5xx: true, onTimeout: true, onConnect: true };
const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('full jitter', () => {
  it('is uniform below min(max, base·2^n)', () => {
    expect(backoffMs(0, RETRY, () => 0.999)).toBe(99);
    expect(backoffMs(2, RETRY, () => 0.5)).toBe(200);
    expect(backoffMs(10, RETRY, () => 0.999)).toBe(999);
    expect(backoffMs(3, RETRY, () => 0)).toBe(0);
  });
});

describe('Retry-After and reset headers', () => {
  it('parses delay-seconds, an HTTP-date and retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after': '30' }, NOW)).toBe(30);
    expect(parseRetryAfter({ 'retry-after': new Date(NOW + 12_500).toUTCString() }, NOW)).toBe(12);
    expect(parseRetryAfter({ 'retry-after': 'Thu, 03 Dec 2026 11:59:00 GMT' }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '30' }, NOW)).toBe(2);
    expect(parseRetryAfter({ 'retry-after': 'soon' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
  });

  it('parses OpenAI reset durations', () => {
    expect(parseResetDuration('1s')).toBe(1000);
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseResetDuration('20ms')).toBe(20);
    expect(parseResetDuration('soon')).toBeUndefined();
    expect(parseResetDuration('10')).toBeUndefined();
  });

  it('takes the latest reset of an exhausted limit, else the earliest', () => {
    expect(openAIResetHint({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-tokens': '40s', 'x-ratelimit-remaining-tokens': '10' })).toBe(2);
    expect(openAIResetHint({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-tokens': '40s', 'x-ratelimit-remaining-tokens': '0' })).toBe(40);
    expect(openAIResetHint({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '500ms' })).toBe(1);
    expect(openAIResetHint({})).toBeUndefined();
  });
});

describe('retry decisions', () => {
  const rateLimited = (s: number): UpstreamFailure => ({ kind: 'rate_limited', status: 429, retryAfter: s });

  it('waits at least Retry-After, and moves on when it is over the cap', () => {
    expect(retryDelayMs(0, rateLimited(1), RETRY, 2000, () => 0)).toBe(1000);
    expect(retryDelayMs(0, { kind: 'server', status: 503 }, RETRY, 2000, () => 0.5)).toBe(50);
    expect(retryDelayMs(0, rateLimited(30), RETRY, 2000, () => 0)).toBeNull();
  });

  it('blocks a rate-limited target for its hint, at most MAX_BLOCK_MS', () => {
    expect(blockedUntil(rateLimited(30), NOW)).toBe(NOW + 30_000);
    expect(blockedUntil(rateLimited(1e9), NOW)).toBe(NOW + MAX_BLOCK_MS);
    expect(blockedUntil({ kind: 'server', status: 503, retryAfter: 30 }, NOW)).toBe(0);
    expect(blockedUntil({ kind: 'rate_limited', status: 429 }, NOW)).toBe(0);
  });

  it('never retries an uncertain failure, a full pool or a client error on the same target', () => {
    expect(retriesSameTarget({ kind: 'server', status: 503 }, RETRY)).toBe(true);
    expect(retriesSameTarget({ kind: 'connect', delivery: 'pre-dispatch' }, RETRY)).toBe(true);
    expect(retriesSameTarget({ kind: 'timeout', delivery: 'uncertain' }, RETRY)).toBe(false);
    expect(retriesSameTarget({ kind: 'server', delivery: 'uncertain' }, RETRY)).toBe(false);
    expect(retriesSameTarget(POOL_ACQUIRE_TIMEOUT, RETRY)).toBe(false);
    expect(retriesSameTarget({ kind: 'client', status: 400 }, RETRY)).toBe(false);
    expect(retriesSameTarget({ kind: 'server', status: 500 }, { ...RETRY, on5xx: false })).toBe(false);
  });

  it('recognises context length and reads fallback `on`', () => {
    expect(isContextLength({ kind: 'client', status: 400, upstreamCode: 'context_length_exceeded' })).toBe(true);
    expect(isContextLength({ kind: 'client', status: 400, upstreamCode: 'invalid_request_error' })).toBe(false);
    expect(isContextLength({ kind: 'server', upstreamCode: 'context_length_exceeded' })).toBe(false);
    expect(fallbackUse(undefined)).toEqual({ error: true, contextLength: false });
    expect(fallbackUse(['context-length'])).toEqual({ error: false, contextLength: true });
    expect(fallbackUse(['error', 'context-length'])).toEqual({ error: true, contextLength: true });
  });
});

describe('failure classes from the transport', () => {
  const of = (code: string, phase: 'head' | 'body' = 'head'): UpstreamFailure =>
    (mapUpstreamError(Object.assign(new Error('x'), { code }), undefined, phase) as UpstreamFailureError).failure;

  it('nothing sent before a connection: pre-dispatch', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED']) expect(of(code).delivery, code).toBe('pre-dispatch');
  });

  it('after sending: uncertain', () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']) expect(of(code).delivery, code).toBe('uncertain');
    expect(of('UND_ERR_BODY_TIMEOUT', 'body').delivery).toBe('uncertain');
    expect(of('ECONNRESET', 'body').delivery).toBe('uncertain');
  });

  it('a garbage answer is an answer', () => {
    expect(of('HPE_INVALID_CONSTANT').delivery).toBeUndefined();
  });
});

describe('connection slots', () => {
  it('hands slots out up to the size, then FIFO to waiters as they are released', async () => {
    const slots = new ConnectionSlots(2);
    const ctl = new AbortController();
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(true);
    expect(slots.tryAcquire()).toBe(false);
    const order: string[] = [];
    const a = slots.acquire(0, ctl.signal).then(() => order.push('a'));
    const b = slots.acquire(0, ctl.signal).then(() => order.push('b'));
    expect(slots.waiting).toBe(2);
    slots.release();
    await a;
    expect(order).toEqual(['a']);
    slots.release();
    await b;
    expect(order).toEqual(['a', 'b']);
    expect(slots.inUse).toBe(2);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it('times out with a pre-dispatch failure and does not take the slot', async () => {
    const slots = new ConnectionSlots(1);
    expect(slots.tryAcquire()).toBe(true);
    const t0 = performance.now();
    const err = await slots.acquire(50, new AbortController().signal).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(err).toBeInstanceOf(UpstreamFailureError);
    expect((err as UpstreamFailureError).failure).toBe(POOL_ACQUIRE_TIMEOUT);
    expect(slots.waiting).toBe(0);
    slots.release();
    expect(slots.inUse).toBe(0);
    expect(slots.tryAcquire()).toBe(true);
  });

  it('an aborted waiter rejects with the abort reason and is skipped on release', async () => {
    const slots = new ConnectionSlots(1);
    slots.tryAcquire();
    const ctl = new AbortController();
    const p = slots.acquire(0, ctl.signal).catch((e: unknown) => e);
    const reason = new Error('client gone');
    ctl.abort(reason);
    expect(await p).toBe(reason);
    slots.release();
    expect(slots.inUse).toBe(0);
  });
});
