// Unit tests for the pure hot-path pieces: target order, backoff, body guards, failure mapping, cost, request ids.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { isJsonContentType } from '../../pkg/proxy/body/content-type.ts';
import { exceedsDepth, findForbidden } from '../../pkg/proxy/body/json-guard.ts';
import { ChatRequest, obviouslyValidChat } from '../../pkg/ingress/openai-chat/index.ts';
import { EmbeddingsRequest, obviouslyValidEmbeddings, parseEmbeddings } from '../../pkg/ingress/openai-embeddings/index.ts';
import { failureToError, leaksCredential } from '../../pkg/proxy/dispatch/failure-map.ts';
import { pickIndex, planTargets } from '../../pkg/proxy/dispatch/plan.ts';
import { backoffMs, isRetryable } from '../../pkg/proxy/dispatch/run.ts';
import { costUSD } from '../../pkg/proxy/dispatch/usage.ts';
import { isSafeRequestId } from '../../pkg/proxy/request-id.ts';
import type { RuntimeRoute } from '../../pkg/proxy/runtime-table.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import type { TableProvider, TableRetry } from '../../pkg/table/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { compileTable, provider, route } from './harness.ts';

const pools = createUpstreamPools();
afterAll(async () => {
  await pools.destroy();
});

function routeOf(spec: Record<string, unknown>): RuntimeRoute {
  const h = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger: createLogger({ level: 'silent' }) });
  h.load(compileTable([
    ...provider('a', 'http://127.0.0.1:9/v1'), ...provider('b', 'http://127.0.0.1:9/v1'), ...provider('c', 'http://127.0.0.1:9/v1'),
    route('r', { model: 'r', ...spec }),
  ]));
  const r = h.current?.routes.get('r');
  if (r === undefined) throw new Error('no route');
  return r;
}

const names = (plan: readonly { providerId: string }[]): string[] => plan.map((t) => t.providerId.replace('default/', ''));

describe('target plan', () => {
  it('weighted: the draw picks by cumulative weight, the rest follow by weight as failover', () => {
    const r = routeOf({ targets: [{ provider: 'a', weight: 1 }, { provider: 'b', weight: 3 }, { provider: 'c', weight: 6 }], fallback: [{ provider: 'a', model: 'fb' }] });
    expect(names(planTargets(r, () => 0))).toEqual(['c', 'b', 'a', 'a']); // [0, 0.6) → c
    expect(names(planTargets(r, () => 0.65))).toEqual(['b', 'c', 'a', 'a']); // [0.6, 0.9) → b
    expect(names(planTargets(r, () => 0.95))).toEqual(['a', 'c', 'b', 'a']);
    expect(planTargets(r, () => 0).at(-1)?.bound.model).toBe('fb');
  });

  it('weighted: picks are proportional to weight', () => {
    const r = routeOf({ targets: [{ provider: 'a', weight: 1 }, { provider: 'b', weight: 3 }] });
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 1000; i++) counts[names(planTargets(r, () => i / 1000))[0] as 'a' | 'b']++;
    expect(counts).toEqual({ a: 250, b: 750 });
  });

  it('priority: lowest level first, weighted within a level', () => {
    const r = routeOf({ strategy: 'priority', targets: [{ provider: 'a', priority: 2 }, { provider: 'b', priority: 1, weight: 1 }, { provider: 'c', priority: 1, weight: 1 }] });
    expect(names(planTargets(r, () => 0.1))).toEqual(['b', 'c', 'a']);
    expect(names(planTargets(r, () => 0.9))).toEqual(['c', 'b', 'a']);
  });

  it('a single-target route has a static plan (no allocation per request)', () => {
    const r = routeOf({ targets: [{ provider: 'a' }], fallback: [{ provider: 'b' }] });
    expect(planTargets(r, () => 0.5)).toBe(r.staticPlan);
    expect(pickIndex({ targets: [], cumulative: [], totalWeight: 0 }, 0.3)).toBe(0);
  });
});

describe('retry policy', () => {
  const retry: TableRetry = { attempts: 3, baseBackoffMs: 100, maxBackoffMs: 350, on429: true, on5xx: true, onTimeout: false, onConnect: true };
  it('full jitter within min(max, base·2^n)', () => {
    expect(backoffMs(0, retry, () => 0.999)).toBe(99);
    expect(backoffMs(1, retry, () => 0.5)).toBe(100);
    expect(backoffMs(5, retry, () => 0.999)).toBe(349);
    expect(backoffMs(2, retry, () => 0)).toBe(0);
  });
  it('retries only the enabled kinds', () => {
    expect(['rate_limited', 'server', 'timeout', 'connect', 'auth', 'client', 'invalid', 'tls'].filter((k) => isRetryable(k as never, retry))).toEqual(['rate_limited', 'server', 'connect']);
  });
});

describe('body guards', () => {
  it('content types', () => {
    expect(['application/json', 'Application/JSON; charset=utf-8', 'application/json ;x=1'].every(isJsonContentType)).toBe(true);
    expect([undefined, '', 'text/json', 'application/jsonp', 'application/json+x'].some(isJsonContentType)).toBe(false);
  });

  it('A4 depth scan: counts objects and arrays, skips strings and escapes, stops early', () => {
    const b = (s: string): Buffer => Buffer.from(s);
    expect(exceedsDepth(b('[[[]]]'), 3)).toBe(false);
    expect(exceedsDepth(b('[[[[]]]]'), 3)).toBe(true);
    expect(exceedsDepth(b('{"a":"[[[[[\\"[[[[","b":[{}]}'), 3)).toBe(false);
    const huge = Buffer.alloc(4 * 1024 * 1024, '[');
    const t0 = performance.now();
    expect(exceedsDepth(huge, 64)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(50);
  });

  it('A16 forbidden-key walk reports the path', () => {
    expect(findForbidden({ a: [{ b: 1 }, { c: { Base_Url: 'x' } }] }, false)).toEqual({ code: 'banned_param', path: 'a[1].c.Base_Url' });
    expect(findForbidden({ messages: [{ content: 'api_key is fine as a value' }] }, false)).toBeNull();
    expect(findForbidden({ s: '\ud800' }, true)).toEqual({ code: 'invalid_utf8', path: 's' });
  });
});

describe('failure mapping', () => {
  const p = { credential: { kind: 'header', header: 'authorization', value: 'Bearer sk-secret-abcdef123456' } } as unknown as TableProvider;
  it.each([
    [{ kind: 'rate_limited', retryAfter: 7 }, 429, 'upstream_rate_limited'],
    [{ kind: 'timeout' }, 504, 'upstream_timeout'],
    [{ kind: 'auth', status: 401, message: 'bad key sk-secret-abcdef123456' }, 502, 'upstream_auth_error'],
    [{ kind: 'connect' }, 502, 'no_healthy_upstream'],
    [{ kind: 'server', status: 503 }, 502, 'upstream_error'],
    [{ kind: 'invalid' }, 502, 'upstream_invalid_response'],
    [{ kind: 'tls' }, 502, 'upstream_tls_error'],
    [{ kind: 'client', status: 400, upstreamCode: 'context_length_exceeded', message: 'too long' }, 400, 'context_length_exceeded'],
    [{ kind: 'client', status: 418, upstreamCode: 'has spaces' }, 400, 'upstream_bad_request'],
  ] as const)('%j → %i %s', (failure, status, code) => {
    const e = failureToError(failure, p);
    expect(e.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.message).not.toContain('sk-secret');
  });

  it('429 carries Retry-After of at least the upstream value', () => {
    expect(failureToError({ kind: 'rate_limited', retryAfter: 30 }, p).retryAfter).toBe(30);
    expect(failureToError({ kind: 'rate_limited' }, p).retryAfter).toBe(1);
  });

  it('E11 any 8-character window of the credential is detected', () => {
    expect(leaksCredential('key ends in ef123456 ok', p)).toBe(true);
    expect(leaksCredential('nothing here', p)).toBe(false);
  });
});

describe('cost', () => {
  it('B14 cached input is charged at the cached rate only', () => {
    const price = { input: 2e-6, output: 8e-6, cachedInput: 1e-6, cacheWrite: 2e-6, reasoning: 8e-6 };
    expect(costUSD({ inputTokens: 100, outputTokens: 10, totalTokens: 110, cachedInputTokens: 40 }, price)).toBeCloseTo(60 * 2e-6 + 40 * 1e-6 + 10 * 8e-6, 15);
    expect(costUSD({ inputTokens: 1, outputTokens: 1, totalTokens: 2 }, null)).toBeNull();
  });
});

describe('request ids', () => {
  it('accepts short safe ids only', () => {
    expect(isSafeRequestId('abc-123_x.y:z')).toBe(true);
    expect(['', ' a', 'a b', 'a\r\nb', 'x'.repeat(129), '"q"', '-lead'].some(isSafeRequestId)).toBe(false);
  });
});

describe('validation fast path', () => {
  const value = fc.oneof(
    fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string(), fc.integer(), fc.constant(''),
    fc.array(fc.oneof(fc.string(), fc.integer(), fc.object())), fc.constant([]), fc.object(),
    fc.record({ include_usage: fc.oneof(fc.boolean(), fc.string(), fc.constant(undefined)) }),
  );
  const body = fc.record({ model: value, messages: value, stream: value, stream_options: value, input: value }, { requiredKeys: [] });

  it('A13 the pre-check never accepts what the zod schema rejects (property)', () => {
    fc.assert(fc.property(body, (b) => {
      const obj = b as Record<string, unknown>;
      if (obviouslyValidChat(obj)) expect(ChatRequest.safeParse(obj).success).toBe(true);
      if (obviouslyValidEmbeddings(obj)) expect(EmbeddingsRequest.safeParse(obj).success).toBe(true);
    }), { numRuns: 2000 });
  });

  it('the pre-check accepts the common shapes', () => {
    expect(obviouslyValidChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } })).toBe(true);
    expect(obviouslyValidEmbeddings({ model: 'm', input: ['a', 'b'] })).toBe(true);
    expect(parseEmbeddings({ model: 'm', input: [[1, 2]] }).model).toBe('m');
  });
});
