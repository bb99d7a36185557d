// Sync authentication: the shared token, and TokenReview's caching, allow-list and failure handling (against a
// stand-in for the Kubernetes API; the real API server is exercised in token-review.test.ts).
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { sharedTokenAuth, tokenReviewAuth } from '../../pkg/sync/auth.ts';
import type { TokenReviewer } from '../../pkg/sync/auth.ts';

describe('sharedTokenAuth', () => {
  it('accepts exactly the token; refuses others, prefixes, extensions and the empty string', async () => {
    const auth = sharedTokenAuth('s3cret-token');
    expect(await auth.verify('s3cret-token')).toBe('shared-token');
    for (const bad of ['', 's3cret', 's3cret-token ', 's3cret-token-more', 'S3CRET-TOKEN']) expect(await auth.verify(bad), bad).toBeNull();
  });

  it('refuses to be built with an empty token', () => {
    expect(() => sharedTokenAuth('  ')).toThrow(/empty/);
  });
});

interface FakeApi extends TokenReviewer {
  calls: k8s.V1TokenReview[];
  fail: boolean;
}

function fakeApi(users: Record<string, string>): FakeApi {
  const api: FakeApi = {
    calls: [],
    fail: false,
    async createTokenReview({ body }) {
      api.calls.push(body);
      await new Promise((r) => setTimeout(r, 5));
      if (api.fail) throw Object.assign(new Error(`HTTP-Code: 503 token=${body.spec.token}`), { code: 503 });
      const username = users[body.spec.token];
      return { ...body, status: username === undefined ? { authenticated: false } : { authenticated: true, user: { username } } };
    },
  };
  return api;
}

const kc = new k8s.KubeConfig();

describe('tokenReviewAuth', () => {
  it('returns the reviewed identity, caches it for ttlMs and refusals for negativeTtlMs', async () => {
    let now = 0;
    const api = fakeApi({ good: 'system:serviceaccount:sw:proxy' });
    const auth = tokenReviewAuth(kc, { reviewer: api, clock: () => now, ttlMs: 1000, negativeTtlMs: 100 });
    expect(await auth.verify('good')).toBe('system:serviceaccount:sw:proxy');
    expect(await auth.verify('good')).toBe('system:serviceaccount:sw:proxy');
    expect(await auth.verify('bad')).toBeNull();
    expect(await auth.verify('bad')).toBeNull();
    expect(api.calls).toHaveLength(2);
    now = 150;
    await auth.verify('bad');
    await auth.verify('good');
    expect(api.calls).toHaveLength(3);
    now = 1001;
    await auth.verify('good');
    expect(api.calls).toHaveLength(4);
    expect(await auth.verify('')).toBeNull();
  });

  it('concurrent checks of one token share one review', async () => {
    const api = fakeApi({ good: 'u' });
    const auth = tokenReviewAuth(kc, { reviewer: api });
    const results = await Promise.all(Array.from({ length: 10 }, () => auth.verify('good')));
    expect(results.every((r) => r === 'u')).toBe(true);
    expect(api.calls).toHaveLength(1);
  });

  it('with allow, only the listed identities pass; audiences are sent in the review', async () => {
    const api = fakeApi({ a: 'system:serviceaccount:sw:proxy', b: 'system:serviceaccount:other:app' });
    const auth = tokenReviewAuth(kc, { reviewer: api, allow: ['system:serviceaccount:sw:proxy'], audiences: ['switchyard-sync'] });
    expect(await auth.verify('a')).toBe('system:serviceaccount:sw:proxy');
    expect(await auth.verify('b')).toBeNull();
    expect(api.calls[0]?.spec.audiences).toEqual(['switchyard-sync']);
  });

  it('an API failure rejects (the server answers 503) without the token in the error, and is not cached', async () => {
    const api = fakeApi({ tok: 'u' });
    const auth = tokenReviewAuth(kc, { reviewer: api });
    api.fail = true;
    const err = await auth.verify('tok').catch((e: unknown) => e);
    expect(String(err)).toMatch(/TokenReview failed \(503\)/);
    expect(String(err)).not.toContain('tok)');
    expect(String(err)).not.toContain('token=');
    api.fail = false;
    expect(await auth.verify('tok')).toBe('u');
  });
});
