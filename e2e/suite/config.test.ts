// e2e, configuration: crds/ installed on a real API server, manifests applied with kubectl semantics, one operator
// process and three proxy processes. What platform teams apply reaches every proxy; what the API server refuses is
// refused with a field path (C5); what is valid but wrong is reported in status while its neighbours keep serving;
// a missing Secret is reported and then picked up (C7); status is right and quiet (C11).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, metricValue } from './harness/http.ts';
import { nonSuccess, startLoad, summarize } from './harness/load.ts';
import {
  applyManifests, conditionsLine, deleteObject, describeResponse, ensureNamespace, provider, readCondition, readObject,
  refusal, route, secret,
} from './harness/objects.ts';
import { useWorld } from './harness/suite.ts';
import { startKeyedUpstream } from './harness/upstream.ts';
import type { KeyedUpstream } from './harness/upstream.ts';
import { waitFor } from './harness/wait.ts';
import type { DebugTable } from './harness/world.ts';

const NS = 'team-a';
const world = useWorld({ name: 'config', operators: 1, proxies: 3, auth: 'open' });
let upstream: KeyedUpstream;

beforeAll(async () => {
  upstream = await startKeyedUpstream(['sk-team-a-1']);
});
afterAll(async () => {
  await upstream?.close();
});

function hasModel(model: string): (t: DebugTable) => boolean {
  return (t) => Object.hasOwn(t.models, model);
}

describe('e2e config: operator + 3 proxies on a real API server', () => {
  it('installs crds/, applies manifests, and requests succeed through every proxy', async () => {
    const w = world();
    await ensureNamespace(w.kube, NS);
    await applyManifests(w.kube, `
apiVersion: v1
kind: Secret
metadata: { name: upstream-a, namespace: ${NS} }
stringData: { apiKey: sk-team-a-1 }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: upstream-a, namespace: ${NS} }
spec:
  type: openai-compatible
  baseURL: ${upstream.url}
  auth: { secretRef: { name: upstream-a, key: apiKey } }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: builtin, namespace: ${NS} }
spec: { type: fake, fake: { outputTokens: 4 } }
---
apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: chat, namespace: ${NS} }
spec:
  model: chat-model
  targets: [{ provider: upstream-a, model: gpt-4o-mini }]
---
apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: builtin, namespace: ${NS} }
spec:
  model: builtin-model
  targets: [{ provider: builtin }]
`);
    await w.waitForTables((t) => hasModel('chat-model')(t) && hasModel('builtin-model')(t), 'chat-model and builtin-model are routed');
    const before = upstream.requests;
    for (const p of w.proxies) {
      for (const model of ['chat-model', 'builtin-model']) {
        const res = await chat(p.dataUrl, model);
        expect(res.status, `${p.id} ${model}: ${JSON.stringify(res.body)}`).toBe(200);
      }
    }
    expect(upstream.requests - before).toBe(3);
    expect(upstream.unauthorized).toBe(0);
    const programmed = await waitFor(async () => {
      const c = await readCondition(w.kube, 'ModelRoute', NS, 'chat', 'Programmed');
      return c?.status === 'True' ? c : undefined;
    }, { what: 'ModelRoute chat Programmed=True' });
    expect(programmed.message).toMatch(/3\/3 prox/);
  });
  // e2e/smoke.test.ts covers negative weight, empty targets, unknown type, ftp:// and 169.254.169.254 base URLs,
  // requests+tokens on one Quota limit, negative tokens and an unknown top-level spec field. These are the rest of
  // the CEL rules and schema bounds, on create and on update.
  const invalid: { name: string; obj: () => ReturnType<typeof route>; field: string }[] = [
    { name: 'Provider preset with a type other than openai-compatible', obj: () => ({ ...provider(NS, 'c5-preset', { baseURL: 'https://x.example/v1' }), spec: { type: 'fake', preset: 'vllm' } }), field: 'spec.preset' },
    { name: 'Provider fake settings on a non-fake type', obj: () => ({ ...provider(NS, 'c5-fake', { baseURL: 'https://x.example/v1' }), spec: { type: 'openai-compatible', baseURL: 'https://x.example/v1', fake: { outputTokens: 1 } } }), field: 'spec.fake' },
    { name: 'Provider openai-compatible without baseURL or preset', obj: () => ({ ...provider(NS, 'c5-nobase', { baseURL: '' }), spec: { type: 'openai-compatible' } }), field: 'spec.baseURL' },
    { name: 'Provider baseURL hiding 169.254.169.254 as a hex number', obj: () => provider(NS, 'c5-hex', { baseURL: 'http://0xa9fea9fe/latest' }), field: 'spec.baseURL' },
    { name: 'Provider baseURL with IPv4-mapped IPv6 metadata address', obj: () => provider(NS, 'c5-v6', { baseURL: 'http://[::ffff:169.254.169.254]/v1' }), field: 'spec.baseURL' },
    { name: 'Provider header name with a space', obj: () => ({ ...provider(NS, 'c5-hdr', { baseURL: 'https://x.example/v1' }), spec: { type: 'openai-compatible', baseURL: 'https://x.example/v1', headers: { 'x bad': 'v' } } }), field: 'spec.headers' },
    { name: 'Provider models listed twice', obj: () => provider(NS, 'c5-dupmodel', { baseURL: 'https://x.example/v1', models: ['m', 'm'] }), field: 'spec.models[1]' },
    { name: 'ModelRoute targets not unique by provider and model', obj: () => route(NS, 'c5-dup', 'm', [{ provider: 'p' }, { provider: 'p', model: 'm' }]), field: 'spec.targets' },
    { name: 'ModelRoute aliases containing its own model', obj: () => route(NS, 'c5-alias', 'm', [{ provider: 'p' }], { aliases: ['m'] }), field: 'spec.aliases' },
    { name: 'ModelRoute backoff base longer than max', obj: () => route(NS, 'c5-backoff', 'm', [{ provider: 'p' }], { retry: { backoff: { base: '5s', max: '1s' } } }), field: 'spec.retry.backoff' },
    { name: 'ModelRoute access rule that names nobody', obj: () => route(NS, 'c5-access', 'm', [{ provider: 'p' }], { access: { allow: [{}] } }), field: 'spec.access.allow[0]' },
    { name: 'ModelRoute weight above 10000', obj: () => route(NS, 'c5-weight', 'm', [{ provider: 'p', weight: 10001 }]), field: 'spec.targets[0].weight' },
    { name: 'ModelRoute model name with a space', obj: () => route(NS, 'c5-name', 'bad model', [{ provider: 'p' }]), field: 'spec.model' },
  ];

  for (const c of invalid) {
    it(`C5 ${c.name} → 422 Invalid at ${c.field}`, async () => {
      const res = await world().kube.create(c.obj());
      const r = refusal(res);
      expect(r.status, describeResponse(res)).toBe(422);
      expect(r.reason).toBe('Invalid');
      expect(r.fields.some((f) => f.startsWith(c.field)), `expected a cause at ${c.field}: ${describeResponse(res)}`).toBe(true);
    });
  }

  it('C5 unknown nested field → 400 under strict field validation, naming the field path', async () => {
    const obj = route(NS, 'c5-unknown', 'm', [{ provider: 'p' }]);
    (obj.spec as { targets: Record<string, unknown>[] }).targets[0] = { provider: 'p', colour: 'blue' };
    const res = await world().kube.create(obj);
    expect(res.status, describeResponse(res)).toBe(400);
    expect(refusal(res).message).toContain('unknown field "spec.targets[0].colour"');
  });

  it('C5 an invalid update is refused (422) and the stored route keeps serving on every proxy', async () => {
    const w = world();
    const res = await w.kube.apply(route(NS, 'chat', 'chat-model', [{ provider: 'upstream-a', model: 'gpt-4o-mini', weight: -3 }]));
    expect(res.status, describeResponse(res)).toBe(422);
    expect(refusal(res).fields).toContain('spec.targets[0].weight');
    const stored = await readObject(w.kube, 'ModelRoute', NS, 'chat');
    expect(stored?.generation).toBe(1);
    for (const p of w.proxies) expect((await chat(p.dataUrl, 'chat-model')).status).toBe(200);
  });
  it('semantic errors → Accepted=False or ResolvedRefs=False with observedGeneration, while neighbours keep serving', async () => {
    const w = world();
    const load = startLoad({ urls: w.dataUrls(), models: ['chat-model', 'builtin-model'], concurrency: 4, durationMs: 45_000 });
    try {
      await applyManifests(w.kube, [
        route(NS, 'ghost', 'ghost-model', [{ provider: 'nope' }]),
        { ...provider(NS, 'anthropic-x', { baseURL: 'https://api.anthropic.example/v1' }), spec: { type: 'gemini', baseURL: 'https://api.anthropic.example/v1' } },
        route(NS, 'anth', 'anth-model', [{ provider: 'anthropic-x' }]),
        provider(NS, 'listed', { baseURL: upstream.url, secretName: 'upstream-a', models: ['only-this'] }),
        route(NS, 'unlisted', 'unlisted-model', [{ provider: 'listed', model: 'not-listed' }]),
        route(NS, 'dup-chat', 'chat-model', [{ provider: 'builtin' }]),
      ]);
      const expected: [string, string, string, string][] = [
        // Unresolved references only (no weight-0 choice): accepted and kept in the table; a reference that is wrong in
        // the configuration answers 500 route_misconfigured (ADR 0011), a missing Secret 503 (C7, below).
        ['ModelRoute', 'ghost', 'Accepted', 'True/Accepted'],
        ['ModelRoute', 'ghost', 'ResolvedRefs', 'False/ProviderNotFound'],
        ['Provider', 'anthropic-x', 'Accepted', 'False/Invalid'], // type gemini without spec.auth (every type is served now)
        ['ModelRoute', 'anth', 'ResolvedRefs', 'False/ProviderNotAccepted'],
        ['ModelRoute', 'unlisted', 'ResolvedRefs', 'False/ModelNotListed'],
        ['ModelRoute', 'dup-chat', 'Accepted', 'False/Conflict'],
      ];
      for (const [kind, name, type, want] of expected) {
        const c = await waitFor(async () => {
          const got = await readCondition(w.kube, kind, NS, name, type);
          return got !== undefined && `${got.status}/${got.reason}` === want ? got : undefined;
        }, { what: `${kind} ${name} ${type}=${want}`, timeoutMs: 20_000 });
        expect(c.observedGeneration, `${kind} ${name}`).toBe(1);
        expect(c.message.length).toBeGreaterThan(0);
      }
      for (const p of w.proxies) {
        const res = await waitFor(async () => {
          const r = await chat(p.dataUrl, 'ghost-model');
          return r.code === 'model_not_found' ? undefined : r;
        }, { what: 'ghost-model reaches the proxy' });
        expect(`${res.status} ${res.code}`).toBe('500 route_misconfigured');
        expect(res.retryAfter).toBeNull();
        expect(JSON.stringify(res.body)).toContain('ghost');
      }
      // The accepted route still wins its model: traffic for chat-model keeps reaching the upstream.
      const tables = await w.waitForTables(hasModel('chat-model'), 'chat-model is still routed');
      for (const t of tables) expect(t.models['chat-model']).toBe(`${NS}/chat`);
    } finally {
      const r = await load.stop();
      expect(nonSuccess(r), summarize(r)).toEqual([]);
      expect(Object.keys(r.okByUrl).sort()).toEqual(w.dataUrls().sort());
    }
    for (const name of ['ghost', 'anth', 'unlisted', 'dup-chat']) await deleteObject(w.kube, route(NS, name, 'x', []));
    for (const name of ['anthropic-x', 'listed']) await deleteObject(w.kube, provider(NS, name, { baseURL: '' }));
  }, 60_000);

  it('C7 Secret missing → Provider ResolvedRefs=False, routes fail over or answer 503 no_healthy_upstream; Secret created → 200', async () => {
    const w = world();
    const late = await startKeyedUpstream(['sk-late-1']);
    try {
      await applyManifests(w.kube, [
        provider(NS, 'keyless', { baseURL: late.url, secretName: 'late-secret' }),
        route(NS, 'failover', 'failover-model', [{ provider: 'keyless', model: 'gpt-4o-mini' }, { provider: 'builtin' }]),
        route(NS, 'solo', 'solo-model', [{ provider: 'keyless', model: 'gpt-4o-mini' }]),
      ]);
      const refs = await waitFor(async () => {
        const c = await readCondition(w.kube, 'Provider', NS, 'keyless', 'ResolvedRefs');
        return c?.status === 'False' ? c : undefined;
      }, { what: 'Provider keyless ResolvedRefs=False' });
      expect(refs.reason).toBe('SecretNotFound');
      expect(refs.message).toContain('late-secret');
      expect((await readCondition(w.kube, 'ModelRoute', NS, 'failover', 'ResolvedRefs'))?.reason).toBe('SecretNotFound');
      const soloRefs = await waitFor(async () => {
        const c = await readCondition(w.kube, 'ModelRoute', NS, 'solo', 'ResolvedRefs');
        return c?.status === 'False' ? c : undefined;
      }, { what: 'solo ResolvedRefs=False' });
      expect(soloRefs.reason).toBe('SecretNotFound');
      const soloAccepted = await readCondition(w.kube, 'ModelRoute', NS, 'solo', 'Accepted');
      expect(soloAccepted?.status).toBe('True');
      expect(soloAccepted?.message).toContain('503');
      // No half-configured provider is pushed: the table carries neither the provider nor a target on it; the route
      // whose only provider lacks its Secret is in the table with no targets (it keeps its model name).
      const tables = await w.waitForTables((t) => hasModel('failover-model')(t) && hasModel('solo-model')(t), 'failover-model and solo-model are routed');
      for (const t of tables) {
        expect(Object.keys(t.providers)).not.toContain(`${NS}/keyless`);
        expect(t.routes.find((r) => r.model === 'failover-model')?.targets.map((x) => x.provider)).toEqual([`${NS}/builtin`]);
        expect(t.routes.find((r) => r.model === 'solo-model')?.targets).toEqual([]);
      }
      for (const p of w.proxies) {
        for (let i = 0; i < 3; i++) expect((await chat(p.dataUrl, 'failover-model')).status).toBe(200);
        const res = await chat(p.dataUrl, 'solo-model');
        expect(`${res.status} ${res.code}`, JSON.stringify(res.body)).toBe('503 no_healthy_upstream');
        expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
      }
      expect(late.requests).toBe(0);

      await applyManifests(w.kube, [secret(NS, 'late-secret', { apiKey: 'sk-late-1' })]);
      await waitFor(async () => (await readCondition(w.kube, 'Provider', NS, 'keyless', 'ResolvedRefs'))?.status === 'True', { what: 'keyless ResolvedRefs=True' });
      await w.waitForTables((t) => (t.routes.find((r) => r.model === 'solo-model')?.targets.length ?? 0) > 0, 'solo-model has a target');
      for (const p of w.proxies) {
        const res = await chat(p.dataUrl, 'solo-model');
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      expect(late.byKey.get('sk-late-1')).toBeGreaterThanOrEqual(3);
      expect(late.unauthorized).toBe(0);
    } finally {
      for (const name of ['failover', 'solo']) await deleteObject(w.kube, route(NS, name, 'x', []));
      await deleteObject(w.kube, provider(NS, 'keyless', { baseURL: '' }));
      await late.close();
    }
  }, 60_000);

  it('C11 observedGeneration follows spec changes, lastTransitionTime only moves on a transition, no status write loop', async () => {
    const w = world();
    const op = w.operators[0];
    if (op === undefined) throw new Error('no operator');
    const before = await readObject(w.kube, 'ModelRoute', NS, 'builtin');
    const acceptedBefore = before?.conditions.find((c) => c.type === 'Accepted');
    await applyManifests(w.kube, [route(NS, 'builtin', 'builtin-model', [{ provider: 'builtin' }], { aliases: ['builtin-alias'] })]);
    const after = await waitFor(async () => {
      const v = await readObject(w.kube, 'ModelRoute', NS, 'builtin');
      const done = v !== undefined && v.generation === (before?.generation ?? 0) + 1 && v.observedGeneration === v.generation
        && v.conditions.length >= 3 && v.conditions.every((c) => c.observedGeneration === v.generation)
        && v.conditions.find((c) => c.type === 'Programmed')?.status === 'True';
      return done ? v : undefined;
    }, { what: 'ModelRoute builtin fully observed at its new generation' });
    for (const type of ['Accepted', 'ResolvedRefs', 'Programmed']) {
      expect(after.conditions.find((c) => c.type === type)?.status, conditionsLine(after)).toBe('True');
    }
    expect(after.conditions.find((c) => c.type === 'Accepted')?.lastTransitionTime).toBe(acceptedBefore?.lastTransitionTime);
    await w.waitForTables(hasModel('builtin-alias'), 'the alias is routed');

    // Quiet period: traffic (so proxies keep reporting) but no spec change → no status write, no object write.
    const load = startLoad({ urls: w.dataUrls(), models: ['builtin-model', 'chat-model'], concurrency: 2, durationMs: 15_000, thinkMs: 20 });
    await new Promise((r) => setTimeout(r, 2_500));
    const versions = async (): Promise<string> => {
      const out: string[] = [];
      for (const kind of ['ModelRoute', 'Provider']) {
        const res = await w.kube.get(await w.kube.collectionPath('switchyard.dev/v1alpha1', kind, NS));
        const items = (res.body as { items?: { metadata: { name: string; resourceVersion: string } }[] }).items ?? [];
        out.push(...items.map((i) => `${kind}/${i.metadata.name}@${i.metadata.resourceVersion}`));
      }
      return out.sort().join(' ');
    };
    const m0 = await w.metrics(op.adminUrl);
    const rv0 = await versions();
    await new Promise((r) => setTimeout(r, 10_000));
    const m1 = await w.metrics(op.adminUrl);
    const rv1 = await versions();
    const r = await load.stop();
    expect(nonSuccess(r), summarize(r)).toEqual([]);
    expect(metricValue(m1, 'switchyard_operator_status_writes_total')).toBe(metricValue(m0, 'switchyard_operator_status_writes_total'));
    expect(metricValue(m1, 'switchyard_operator_reconciles_total')).toBe(metricValue(m0, 'switchyard_operator_reconciles_total'));
    expect(rv1).toBe(rv0);
    expect(metricValue(m1, 'switchyard_operator_status_writes_total', { result: 'ok' })).toBeGreaterThan(0);
  }, 60_000);
});
