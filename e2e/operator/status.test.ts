// Status on a real kube-apiserver, with the whole operator (informers, reconciler, real sync server, Lease) and one
// real synced proxy in this process: conditions and observedGeneration (C5, C11), Programmed from the proxy's ACK,
// semantic errors isolated to their object (C5), a Secret missing then created (C7), no status write loop (C11).
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  applyAll, condition, metricValue, provider, readObject, route, secret, sleep, waitFor,
} from './harness.ts';
import type { ObjectView } from './harness.ts';
import { useOperatorWorld } from './world.ts';

const NS = 'team-a';
const TOKEN = 'e2e-sync-token-0123456789';

const w = useOperatorWorld({ namespace: NS, token: TOKEN, identity: 'status-op', proxyId: 'proxy-1', authMode: 'open' });

const get = (kind: string, name: string): Promise<ObjectView | undefined> => readObject(w.env.kube, kind, NS, name);

async function metrics(): Promise<string> {
  return (await fetch(`${w.op.adminUrl}/metrics`)).text();
}

async function chat(model: string): Promise<number> {
  const res = await fetch(`${w.proxy.dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Every condition carries the object's generation, and so does the status. */
function generationsMatch(o: ObjectView | undefined): boolean {
  return o !== undefined && o.observedGeneration === o.generation && o.conditions.length > 0 && o.conditions.every((c) => c.observedGeneration === o.generation);
}

describe('operator status on a real API server', () => {
  it('writes Accepted, ResolvedRefs, Programmed ("acknowledged by 1/1 proxy") and observedGeneration', async () => {
    await applyAll(w.env.kube, [
      provider(NS, 'fake', { type: 'fake', models: [{ name: 'fake-small' }], fake: { outputTokens: 4 } }),
      route(NS, 'chat', { model: 'chat-model', targets: [{ provider: 'fake', model: 'fake-small' }] }),
    ]);
    const t0 = performance.now();
    const r = await waitFor('chat Programmed=True', async () => {
      const o = await get('ModelRoute', 'chat');
      return condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    }, 15_000);
    console.log(`status e2e: apply → Programmed=True in ${Math.round(performance.now() - t0)} ms`);
    expect(condition(r, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(condition(r, 'ResolvedRefs')).toMatchObject({ status: 'True' });
    expect(condition(r, 'Programmed')?.message).toMatch(/^version \d+ acknowledged by 1\/1 proxy$/);
    expect(generationsMatch(r)).toBe(true);
    const p = await waitFor('provider status', async () => {
      const o = await get('Provider', 'fake');
      return condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    });
    expect(condition(p, 'Healthy')).toMatchObject({ status: 'Unknown', reason: 'NoTraffic' });
    expect(generationsMatch(p)).toBe(true);
    expect(await chat('chat-model')).toBe(200);
  });

  it('C5 an unresolved reference gives ResolvedRefs=False on that route only (500 route_misconfigured until fixed); its neighbour keeps serving', async () => {
    await applyAll(w.env.kube, [route(NS, 'broken', { model: 'broken-model', targets: [{ provider: 'missing', model: 'x' }] })]);
    const b = await waitFor('broken to report its unresolved reference, programmed', async () => {
      const o = await get('ModelRoute', 'broken');
      return condition(o, 'ResolvedRefs')?.status === 'False' && condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    });
    expect(condition(b, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'ProviderNotFound' });
    // Accepted (C7): the route keeps its name in the table with no targets, so clients get an error naming it, not
    // 404; a missing Provider is configuration, not an outage: 500 route_misconfigured without Retry-After.
    expect(condition(b, 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(generationsMatch(b)).toBe(true);
    const c = await get('ModelRoute', 'chat');
    expect(condition(c, 'Accepted')?.status).toBe('True');
    expect(await chat('chat-model')).toBe(200);
    expect(await chat('broken-model')).toBe(500);
  });

  it('C11 a spec change moves observedGeneration; lastTransitionTime stays while the status value holds', async () => {
    const before = await get('ModelRoute', 'chat');
    const acceptedAt = condition(before, 'Accepted')?.lastTransitionTime;
    expect(acceptedAt).toBeDefined();
    await sleep(1_100); // times are stored to the second: a rewrite would show
    await applyAll(w.env.kube, [route(NS, 'chat', { model: 'chat-model', aliases: ['chat-alias'], targets: [{ provider: 'fake', model: 'fake-small' }] })]);
    const after = await waitFor('observedGeneration to follow', async () => {
      const o = await get('ModelRoute', 'chat');
      return o !== undefined && o.generation > (before?.generation ?? 0) && generationsMatch(o) && condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    });
    expect(condition(after, 'Accepted')?.lastTransitionTime).toBe(acceptedAt);
    expect(await chat('chat-alias')).toBe(200);
  });

  it('C7 a Provider whose Secret is missing is not resolved (nor its route); creating the Secret fixes both', async () => {
    await applyAll(w.env.kube, [
      provider(NS, 'openai', { type: 'openai', auth: { secretRef: { name: 'openai-key', key: 'apiKey' } }, models: [{ name: 'gpt-x' }] }),
      route(NS, 'gpt', { model: 'gpt', targets: [{ provider: 'openai', model: 'gpt-x' }] }),
    ]);
    const p = await waitFor('the Provider to report the missing Secret', async () => {
      const o = await get('Provider', 'openai');
      return condition(o, 'ResolvedRefs')?.status === 'False' ? o : undefined;
    });
    expect(condition(p, 'ResolvedRefs')?.reason).toBe('SecretNotFound');
    const r = await waitFor('the route to report the unresolved Provider', async () => {
      const o = await get('ModelRoute', 'gpt');
      return o !== undefined && o.conditions.length > 0 ? o : undefined;
    });
    expect(condition(r, 'ResolvedRefs')).toMatchObject({ status: 'False', reason: 'SecretNotFound' }); // the Provider waits for its Secret (ADR 0011)
    expect(w.proxy.holder.table?.providers[`${NS}/openai`]).toBeUndefined();

    await applyAll(w.env.kube, [secret(NS, 'openai-key', { apiKey: 'sk-e2e-not-a-real-key' })]);
    await waitFor('the Provider to resolve', async () => condition(await get('Provider', 'openai'), 'ResolvedRefs')?.status === 'True');
    await waitFor('the route to be accepted and programmed', async () => {
      const o = await get('ModelRoute', 'gpt');
      return condition(o, 'Accepted')?.status === 'True' && condition(o, 'Programmed')?.status === 'True';
    });
    await waitFor('the proxy to hold the credential', () => w.proxy.holder.table?.providers[`${NS}/openai`]?.credential !== null && w.proxy.holder.table?.providers[`${NS}/openai`] !== undefined);
  });

  it('C11 no status write loop: with no spec change, 0 writes and 0 reconciles over 5 s', async () => {
    await w.op.status.idle();
    await sleep(1_000);
    await w.op.status.idle();
    const names = ['chat', 'broken', 'gpt'];
    const rv = async (): Promise<string[]> => Promise.all([
      ...names.map(async (n) => (await get('ModelRoute', n))?.resourceVersion ?? ''),
      ...['fake', 'openai'].map(async (n) => (await get('Provider', n))?.resourceVersion ?? ''),
    ]);
    const m0 = await metrics();
    const rv0 = await rv();
    await sleep(5_000);
    const m1 = await metrics();
    const writes = (t: string): number => metricValue(t, 'switchyard_operator_status_writes_total');
    const reconciles = (t: string): number => metricValue(t, 'switchyard_operator_reconciles_total');
    expect(writes(m1) - writes(m0)).toBe(0);
    expect(reconciles(m1) - reconciles(m0)).toBe(0);
    expect(await rv()).toEqual(rv0);
    expect(writes(m1)).toBeGreaterThan(0);
    expect(metricValue(m1, 'switchyard_operator_leader')).toBe(1);
    expect(metricValue(m1, 'switchyard_operator_connected_proxies')).toBe(1);
    expect(metricValue(m1, 'switchyard_operator_ack_lag_seconds_count')).toBeGreaterThan(0);
    expect(metricValue(m1, 'switchyard_operator_table_version')).toBe(w.op.reconciler.latest()?.published?.version);
  });

  it('C11 a status changed by someone else is put back without a reconcile', async () => {
    const m0 = await metrics();
    const path = `${await w.env.kube.collectionPath('switchyard.dev/v1alpha1', 'ModelRoute', NS)}/chat/status`;
    const res = await w.env.kube.request('PATCH', path, { status: { conditions: [] } }, 'application/merge-patch+json');
    expect(res.status).toBe(200);
    await waitFor('the operator to restore the status', async () => generationsMatch(await get('ModelRoute', 'chat')));
    await w.op.status.idle();
    const m1 = await metrics();
    expect(metricValue(m1, 'switchyard_operator_reconciles_total') - metricValue(m0, 'switchyard_operator_reconciles_total')).toBe(0);
    expect(metricValue(m1, 'switchyard_operator_status_writes_total', { result: 'ok' }) - metricValue(m0, 'switchyard_operator_status_writes_total', { result: 'ok' })).toBe(1);
  });

  it('a provider failing on the proxy is ejected from the next table and gets Healthy=False; its neighbour stays Healthy', async () => {
    await applyAll(w.env.kube, [
      // Local outlier ejection off: this tests the operator's global ejection, which sees only the attempts a proxy
      // makes (with local ejection on, a proxy stops trying after 5 failures and reports too few to judge).
      provider(NS, 'flaky', { type: 'fake', models: [{ name: 'fake-small' }], fake: { failureRate: 1 }, outlierDetection: { consecutiveFailures: 0 } }),
      route(NS, 'mixed', { model: 'mixed', targets: [{ provider: 'flaky', model: 'fake-small', weight: 1 }, { provider: 'fake', model: 'fake-small', weight: 1 }] }),
    ]);
    await waitFor('mixed to be programmed', async () => condition(await get('ModelRoute', 'mixed'), 'Programmed')?.status === 'True');
    for (let i = 0; i < 40; i++) await chat('mixed');
    const t0 = performance.now();
    const flaky = await waitFor('flaky Healthy=False', async () => {
      const o = await get('Provider', 'flaky');
      return condition(o, 'Healthy')?.status === 'False' ? o : undefined;
    }, 15_000);
    console.log(`status e2e: traffic → Healthy=False in ${Math.round(performance.now() - t0)} ms`);
    expect(condition(flaky, 'Healthy')?.reason).toBe('Ejected');
    expect(condition(flaky, 'Healthy')?.message).toMatch(/ejected: .*%/);
    expect(condition(await get('Provider', 'fake'), 'Healthy')).toMatchObject({ status: 'True', reason: 'Healthy' });
    await waitFor('the ejected target to leave the proxy\'s table', () => {
      const r = w.proxy.holder.table?.routes.find((x) => x.name === 'mixed');
      return r !== undefined && r.targets.every((t) => t.provider !== `${NS}/flaky`) && r.targets.length === 1;
    });
    for (let i = 0; i < 5; i++) expect(await chat('mixed')).toBe(200);
  });
});
