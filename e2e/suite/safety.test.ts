// e2e, safe by default (design §7, issue 6) on a real API server with one operator and two proxies started with
// `--auth required`: deleting every API-key Secret never opens the gateway, and an update the API server accepts but
// the compiler rejects leaves the object's last accepted generation serving while its status says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_LABEL } from '../../pkg/api/secret.ts';
import { chat, getJson, metricValue } from './harness/http.ts';
import { applyManifests, deleteObject, ensureNamespace, provider, readCondition, readObject, route, secret } from './harness/objects.ts';
import { useWorld } from './harness/suite.ts';
import { startKeyedUpstream } from './harness/upstream.ts';
import type { KeyedUpstream } from './harness/upstream.ts';
import { waitFor } from './harness/wait.ts';

const NS = 'safety';
const KEY_A = 'sk-safety-a-0123456789';
const KEY_B = 'sk-safety-b-0123456789';
const world = useWorld({ name: 'safety', operators: 1, proxies: 2, auth: 'required' });
let upstream: KeyedUpstream;

beforeAll(async () => {
  upstream = await startKeyedUpstream(['sk-upstream-1']);
});
afterAll(async () => {
  await upstream?.close();
});

function apiKey(name: string, key: string) {
  return secret(NS, name, { key, team: 'safety' }, { [API_KEY_LABEL]: 'true' });
}

describe('e2e safety: operator + 2 proxies with --auth required', () => {
  it('deleting every API-key Secret leaves every proxy answering 401, never open; a new key serves again', async () => {
    const w = world();
    await ensureNamespace(w.kube, NS);
    await applyManifests(w.kube, [
      { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'builtin', namespace: NS }, spec: { type: 'fake', fake: { outputTokens: 3 } } },
      route(NS, 'safe', 'safe-model', [{ provider: 'builtin' }]),
      apiKey('key-a', KEY_A),
      apiKey('key-b', KEY_B),
    ]);
    for (const p of w.proxies) {
      const ok = await waitFor(async () => {
        const r = await chat(p.dataUrl, 'safe-model', KEY_A);
        return r.status === 200 ? r : undefined;
      }, { what: `${p.id}: safe-model answers 200 with key-a`, timeoutMs: 20_000 });
      expect(ok.status).toBe(200);
      expect((await chat(p.dataUrl, 'safe-model')).status).toBe(401);
      expect((await chat(p.dataUrl, 'safe-model', 'sk-not-a-key')).status).toBe(401);
    }

    await deleteObject(w.kube, apiKey('key-a', KEY_A));
    await deleteObject(w.kube, apiKey('key-b', KEY_B));
    for (const p of w.proxies) {
      await waitFor(async () => (await chat(p.dataUrl, 'safe-model', KEY_A)).status === 401, { what: `${p.id}: key-a refused after its Secret is deleted` });
      for (const key of [undefined, KEY_A, KEY_B, '']) {
        const r = await chat(p.dataUrl, 'safe-model', key);
        expect(`${r.status} ${r.code}`, `${p.id} key=${String(key)}: ${JSON.stringify(r.body)}`).toMatch(/^401 (missing|invalid)_api_key$/);
      }
      const metrics = await w.metrics(p.adminUrl);
      expect(metricValue(metrics, 'switchyard_auth_locked_out')).toBe(1);
      expect(metricValue(metrics, 'switchyard_api_keys')).toBe(0);
      expect(metricValue(metrics, 'switchyard_auth_mode', { mode: 'required' })).toBe(1);
      const ready = await getJson(`${p.adminUrl}/readyz`);
      expect(JSON.stringify(ready.body)).toContain('required');
      // Logs are flushed every 250 ms: wait for the line rather than reading the tail once.
      await waitFor(async () => /"level":"warn"[^\n]*holds no API keys/.test(p.proc.tail(400)), { what: `${p.id}: a WARN line for a table without keys` });
    }

    await applyManifests(w.kube, [apiKey('key-b', KEY_B)]);
    for (const p of w.proxies) {
      await waitFor(async () => (await chat(p.dataUrl, 'safe-model', KEY_B)).status === 200, { what: `${p.id}: key-b serves again` });
      expect((await chat(p.dataUrl, 'safe-model')).status).toBe(401);
      expect(metricValue(await w.metrics(p.adminUrl), 'switchyard_auth_locked_out')).toBe(0);
    }
  }, 90_000);

  it('an update the API server accepts but the compiler rejects keeps the last accepted generation serving', async () => {
    const w = world();
    await applyManifests(w.kube, [
      secret(NS, 'upstream-key', { apiKey: 'sk-upstream-1' }),
      provider(NS, 'keyed', { baseURL: upstream.url, secretName: 'upstream-key' }),
      route(NS, 'kept', 'kept-model', [{ provider: 'keyed', model: 'gpt-4o-mini' }]),
    ]);
    for (const p of w.proxies) {
      let last = '';
      await waitFor(async () => {
        const r = await chat(p.dataUrl, 'kept-model', KEY_B);
        last = `${r.status} ${JSON.stringify(r.body)}`;
        return r.status === 200;
      }, { what: `${p.id}: kept-model answers 200` }).catch((err: unknown) => {
        throw new Error(`${String(err)}; last answer: ${last}`);
      });
    }
    // Credentials in spec.headers: the CRD's schema allows any header name, the compiler refuses this one (it belongs
    // in a Secret). Generation 2 is stored; generation 1 must keep serving.
    const bad = provider(NS, 'keyed', { baseURL: upstream.url, secretName: 'upstream-key' });
    (bad.spec as Record<string, unknown>).headers = { Authorization: 'Bearer sk-in-a-header' };
    await applyManifests(w.kube, [bad]);
    const accepted = await waitFor(async () => {
      const c = await readCondition(w.kube, 'Provider', NS, 'keyed', 'Accepted');
      return c?.status === 'False' && c.observedGeneration === 2 ? c : undefined;
    }, { what: 'Provider keyed Accepted=False at generation 2' });
    expect(accepted.reason).toBe('Invalid');
    expect(accepted.message).toMatch(/generation 1/);
    expect(accepted.message).not.toContain('sk-in-a-header');
    expect((await readObject(w.kube, 'Provider', NS, 'keyed'))?.generation).toBe(2);
    const before = upstream.byKey.get('sk-upstream-1') ?? 0;
    for (const p of w.proxies) {
      const r = await chat(p.dataUrl, 'kept-model', KEY_B);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    expect((upstream.byKey.get('sk-upstream-1') ?? 0) - before).toBe(w.proxies.length);
    expect(upstream.byKey.get('sk-in-a-header') ?? 0).toBe(0);
    const opMetrics = await w.metrics(w.operators[0]?.adminUrl ?? '');
    expect(metricValue(opMetrics, 'switchyard_operator_last_good_objects')).toBe(1);

    // Fixing it serves the new generation; deleting the Provider takes the route's target away for real.
    await applyManifests(w.kube, [provider(NS, 'keyed', { baseURL: upstream.url, secretName: 'upstream-key' })]);
    await waitFor(async () => {
      const c = await readCondition(w.kube, 'Provider', NS, 'keyed', 'Accepted');
      return c?.status === 'True' && c.observedGeneration === 3;
    }, { what: 'Provider keyed Accepted=True at generation 3' });
    await deleteObject(w.kube, provider(NS, 'keyed', { baseURL: '' }));
    for (const p of w.proxies) {
      const r = await waitFor(async () => {
        const x = await chat(p.dataUrl, 'kept-model', KEY_B);
        return x.status === 200 ? undefined : x;
      }, { what: `${p.id}: kept-model stops serving once its Provider is deleted` });
      expect(`${r.status} ${r.code}`, JSON.stringify(r.body)).toBe('500 route_misconfigured');
      expect(r.retryAfter).toBeNull();
    }
  }, 90_000);
});
