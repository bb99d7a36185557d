// Cluster-wide quotas when the operator cannot be reached (issue 8 point 5, ADR 0020), with real synced proxies and
// the real sync server answering reports with allowances. A proxy counts the operator unreachable 3 report intervals
// after its last answer (staleAfterMs). Until then, and in fail-closed mode for good, it admits up to its last cap;
// in fail-open mode it then enforces each whole limit alone (cluster-wide at most proxies × limit, the documented
// bound), and once the operator answers again the absolute usage it reports holds everyone to the limit again.
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterAllowance } from '../../pkg/quota/cluster-allowance.ts';
import type { QuotaFailMode } from '../../pkg/quota/cluster-allowance.ts';
import type { SyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import { QuotaSpec } from '../../pkg/api/quota.ts';
import { apiKey } from '../proxy/harness.ts';
import { startProxy, startSyncServer, until } from './support/harness.ts';
import type { ProxyHarness, SyncServerHarness } from './support/harness.ts';
import { NS, fakeProvider, route, tableOf } from './support/tables.ts';

const KEY = 'sk-swy-failmode-alice-0123456789';
const LIMIT = 20;
const INTERVAL = 300;
const SPEC = { subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1h', requests: LIMIT }] };
const QUOTA = `${NS}/hourly`;

const TABLE = tableOf([
  fakeProvider('fake'),
  route('chat', 'chat', [{ provider: 'fake' }]),
  apiKey('alice', KEY, { user: 'alice' }),
  { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name: 'hourly', namespace: NS }, spec: SPEC },
], 1);

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.allSettled(open.splice(0).reverse().map((x) => x.close()));
});

async function chat(p: SyncedProxy): Promise<Response> {
  const res = await fetch(`${p.dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
  });
  await res.arrayBuffer();
  return res;
}

/** Sends requests one at a time until the first refusal (which must be 429 quota_exceeded); returns the admitted count. */
async function admitUntilRefused(p: SyncedProxy, max = 100): Promise<number> {
  for (let n = 0; n < max; n++) {
    const res = await chat(p);
    if (res.status === 429) return n;
    expect(res.status).toBe(200);
  }
  throw new Error(`no refusal after ${max} requests`);
}

const allowanceOf = (p: SyncedProxy): ClusterAllowance => p.holder.quotaLedger.allowance as ClusterAllowance;
const hourStart = (): number => Math.floor(Date.now() / 3_600_000) * 3_600_000;
const capOf = (p: SyncedProxy): number | undefined => allowanceOf(p).capsOf(QUOTA, '1h', hourStart())?.requests;
const usedOf = (p: SyncedProxy): number => p.holder.quotaLedger.usage(Date.now()).find((u) => u.quota === QUOTA)?.figures.requests ?? 0;

async function cluster(mode: QuotaFailMode): Promise<{ op: SyncServerHarness; proxies: ProxyHarness[] }> {
  // The whole test must sit in one 1h window.
  const left = 3_600_000 - (Date.now() % 3_600_000);
  if (left < 15_000) await new Promise((r) => setTimeout(r, left + 200));
  const op = await startSyncServer();
  open.push(op);
  op.server.publish(TABLE);
  const proxies: ProxyHarness[] = [];
  for (const id of ['a', 'b']) {
    const p = await startProxy([op.url], { proxyId: `${mode}-${id}`, quotaFailMode: mode, sync: { reportIntervalMs: INTERVAL, backoff: { initialMs: 40, maxMs: 200 }, idleTimeoutMs: 3000 } });
    open.push(p);
    proxies.push(p);
  }
  for (const p of proxies) await until(async () => (await p.ready()) === 200, 'a table', 5_000);
  // The first proxy was alone at first and got the whole limit; once it confirms a smaller cap the other gets room.
  await until(() => proxies.every((p) => (capOf(p.proxy) ?? 0) >= 1 && (capOf(p.proxy) ?? 0) < LIMIT), 'a share on each proxy', 5_000);
  return { op, proxies };
}

/** Stops the operator's sync server; returns when it stopped. */
async function stopOperator(op: SyncServerHarness): Promise<number> {
  await op.close();
  return performance.now();
}

describe('operator unreachable: fail-open and fail-closed proxies', () => {
  it('open: the last cap holds for 3 report intervals, then each proxy enforces the whole limit alone (≤ proxies × limit); back to the limit once the operator answers', async () => {
    const { op, proxies } = await cluster('open');
    const [a, b] = proxies.map((p) => p.proxy) as [SyncedProxy, SyncedProxy];
    expect((await chat(a)).status).toBe(200);
    expect((await chat(a)).status).toBe(200);
    const port = Number(new URL(op.url).port);
    const stoppedAt = await stopOperator(op);

    // Within 3 report intervals of its last answer the proxy still applies its cap.
    const capA = capOf(a) ?? 0;
    expect(capA).toBeLessThan(LIMIT);
    const fresh = await admitUntilRefused(a);
    expect(allowanceOf(a).stale()).toBe(false); // the burst took less than the 3 intervals (checked, not assumed)
    expect(usedOf(a)).toBe(capA);
    expect(2 + fresh).toBe(capA);

    // Past staleAfterMs: the whole limit, on each proxy alone.
    await until(() => allowanceOf(a).stale() && allowanceOf(b).stale(), 'both proxies to count the operator unreachable', 5_000);
    const staleAfter = performance.now() - stoppedAt;
    expect(staleAfter).toBeLessThan(3 * INTERVAL + 500);
    await admitUntilRefused(a);
    await admitUntilRefused(b);
    expect(usedOf(a)).toBe(LIMIT);
    expect(usedOf(b)).toBe(LIMIT);
    console.log(`fail-open: cap ${capA} held until stale (${Math.round(staleAfter)} ms after the operator stopped, 3 × ${INTERVAL} ms); then ${usedOf(a)} + ${usedOf(b)} admitted = proxies × limit (${2 * LIMIT})`);

    // The operator is back (same address, same table): the proxies report what they used, absolute, and are held to
    // the limit again: the cluster has used 2 × LIMIT, so nobody is granted anything before the window resets.
    const back = await startSyncServer({ port });
    open.push(back);
    back.server.publish(TABLE);
    await until(() => !allowanceOf(a).stale() && !allowanceOf(b).stale(), 'answers from the operator again', 5_000);
    expect(back.quotaUsage.statusOf(QUOTA, QuotaSpec.parse(SPEC)).usage[0]).toMatchObject({ used: 2 * LIMIT, limit: LIMIT, remaining: 0 });
    const refusal = await chat(a);
    expect(refusal.status).toBe(429);
    // Refused by the limit itself: wait for the reset (≥ 15 s away here), not the 1 s of a share refusal.
    expect(Number(refusal.headers.get('retry-after'))).toBeGreaterThan(10);
    expect((await chat(b)).status).toBe(429);
  });

  it('closed: after the operator is gone each proxy admits exactly up to its last cap, and the cluster stays within the limit', async () => {
    const { op, proxies } = await cluster('closed');
    const [a, b] = proxies.map((p) => p.proxy) as [SyncedProxy, SyncedProxy];
    expect((await chat(b)).status).toBe(200);
    await stopOperator(op);
    await until(() => allowanceOf(a).stale() && allowanceOf(b).stale(), 'both proxies to count the operator unreachable', 5_000);
    const caps = [capOf(a) ?? 0, capOf(b) ?? 0] as const;
    expect(caps[0] + caps[1]).toBeLessThanOrEqual(LIMIT);
    await admitUntilRefused(a);
    await admitUntilRefused(b);
    expect([usedOf(a), usedOf(b)]).toEqual(caps);
    expect(usedOf(a) + usedOf(b)).toBeLessThanOrEqual(LIMIT);
    console.log(`fail-closed: caps ${JSON.stringify(caps)} → admitted ${usedOf(a) + usedOf(b)} of ${LIMIT} while the operator was gone`);
  });
});
