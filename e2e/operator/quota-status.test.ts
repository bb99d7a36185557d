// Quota.status on a real kube-apiserver (issue 8 point 5): the whole operator and one real synced proxy in this
// process; requests through the proxy reach Quota.status.usage within a few report intervals, Exceeded turns True
// when the limit is used up, the printer columns show it through the Table API (what kubectl get reads), and a
// steady state writes nothing.
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { API, applyAll, condition, provider, readObject, route, secret, sleep, waitFor } from './harness.ts';
import { useOperatorWorld } from './world.ts';

const NS = 'team-q';
const TOKEN = 'e2e-sync-token-quota-0123456789';
const KEY = 'sk-swy-e2e-quota-alice-0123456789';
const LIMIT = 3;

const w = useOperatorWorld({ namespace: NS, token: TOKEN, identity: 'quota-op', proxyId: 'quota-proxy', authMode: 'required', operator: { quotaStatusIntervalMs: 500 } });

interface UsageView { window: string; limitType: string; used: number; limit: number; remaining: number; resetAt: string }
interface QuotaView { resourceVersion: string; usage: UsageView[]; summary?: string; subject?: string }

async function quotaStatus(name: string): Promise<QuotaView | undefined> {
  const res = await w.env.kube.get(`${await w.env.kube.collectionPath(API, 'Quota', NS)}/${name}`);
  if (res.status !== 200) return undefined;
  const body = res.body as { metadata: { resourceVersion: string }; status?: { usage?: UsageView[]; summary?: string; subject?: string } };
  return { resourceVersion: body.metadata.resourceVersion, usage: body.status?.usage ?? [], ...body.status };
}

async function chat(): Promise<number> {
  const res = await fetch(`${w.proxy.dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'chat-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('Quota.status on a real API server', () => {
  it('usage reaches the count, Exceeded=True at the limit, printer columns through the Table API, no idle writes', async () => {
    // Keep the test inside one 1m window: start early in a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 30_000) await sleep(60_000 - intoMinute + 200);
    await applyAll(w.env.kube, [
      provider(NS, 'fake', { type: 'fake', models: [{ name: 'fake-small' }], fake: { outputTokens: 4 } }),
      route(NS, 'chat', { model: 'chat-model', targets: [{ provider: 'fake', model: 'fake-small' }] }),
      secret(NS, 'alice', { key: KEY, user: 'alice' }, { 'switchyard.dev/api-key': 'true' }),
      { apiVersion: API, kind: 'Quota', metadata: { name: 'alice-rpm', namespace: NS }, spec: { subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1m', requests: LIMIT }] } },
    ]);
    await waitFor('Quota Programmed=True', async () => condition(await readObject(w.env.kube, 'Quota', NS, 'alice-rpm'), 'Programmed')?.status === 'True', 20_000);
    const idle = await waitFor('usage 0/3 written', async () => {
      const q = await quotaStatus('alice-rpm');
      return q?.usage[0]?.used === 0 ? q : undefined;
    }, 10_000);
    expect(idle.subject).toBe('key:alice');
    expect(condition(await readObject(w.env.kube, 'Quota', NS, 'alice-rpm'), 'Exceeded')).toMatchObject({ status: 'False', reason: 'WithinLimits' });

    expect(await chat()).toBe(200);
    expect(await chat()).toBe(200);
    const t0 = performance.now();
    const two = await waitFor('usage 2', async () => {
      const q = await quotaStatus('alice-rpm');
      return q?.usage[0]?.used === 2 ? q : undefined;
    }, 10_000);
    console.log(`quota status e2e: 2 requests → status.usage 2 in ${Math.round(performance.now() - t0)} ms`);
    expect(two.usage[0]).toMatchObject({ window: '1m', limitType: 'requests', limit: LIMIT, remaining: 1 });
    expect(two.summary).toBe('2/3 requests/1m');
    expect(Date.parse(two.usage[0]?.resetAt ?? '') - Date.now()).toBeLessThanOrEqual(60_000);

    expect(await chat()).toBe(200);
    expect(await chat()).toBe(429); // refused: the refusal reserves nothing and is not counted
    const exceeded = await waitFor('Exceeded=True', async () => {
      const o = await readObject(w.env.kube, 'Quota', NS, 'alice-rpm');
      return condition(o, 'Exceeded')?.status === 'True' ? o : undefined;
    }, 10_000);
    expect(condition(exceeded, 'Exceeded')?.reason).toBe('LimitReached');
    expect(condition(exceeded, 'Exceeded')?.message).toContain('requests per 1m (3/3');
    expect(condition(exceeded, 'Exceeded')?.observedGeneration).toBe(exceeded.generation);
    expect(exceeded.observedGeneration).toBe(exceeded.generation);
    const full = await quotaStatus('alice-rpm');
    expect(full?.usage[0]).toMatchObject({ used: LIMIT, remaining: 0 });

    // kubectl get quotas: the API server renders the CRD's additionalPrinterColumns as a Table.
    const c = w.env.cluster;
    const res = await fetch(`${c.server}${await w.env.kube.collectionPath(API, 'Quota', NS)}`, {
      headers: { authorization: `Bearer ${c.token}`, accept: 'application/json;as=Table;g=meta.k8s.io;v=v1' },
      dispatcher: c.dispatcher,
    });
    expect(res.status).toBe(200);
    const table = await res.json() as { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.kind).toBe('Table');
    const names = table.columnDefinitions.map((d) => d.name);
    expect(names).toEqual(['Name', 'Subject', 'Used', 'Remaining', 'Accepted', 'Exceeded', 'Age']);
    const row = table.rows[0]?.cells ?? [];
    const cell = (n: string): unknown => row[names.indexOf(n)];
    expect([cell('Name'), cell('Subject'), cell('Used'), cell('Remaining'), cell('Accepted'), cell('Exceeded')])
      .toEqual(['alice-rpm', 'key:alice', '3/3 requests/1m', 0, 'True', 'True']);

    // Steady state: nothing changes, nothing is written.
    const before = await quotaStatus('alice-rpm');
    await sleep(2_000);
    const after = await quotaStatus('alice-rpm');
    if (Date.now() % 60_000 > 2_500) expect(after?.resourceVersion).toBe(before?.resourceVersion);
  }, 120_000);
});
