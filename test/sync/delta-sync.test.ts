// Table deltas end to end on loopback (ADR 0024): a real sync server, real proxies (data plane + table holder + sync
// client) and a fake OpenAI upstream. A changed route arrives as a delta, the proxy serves it, and the runtime routes
// that did not change are the very same objects; a proxy that does not ask for deltas gets snapshots; a delta that
// does not apply is NACKed and the proxy resyncs from a snapshot.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { chat, startProxy, startSyncServer, until } from './support/harness.ts';
import type { SyncServerHarness } from './support/harness.ts';
import { route, tableOf, upstreamProvider } from './support/tables.ts';

let upstream: FakeOpenAI;
const open: { close(): Promise<void> }[] = [];

function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}

/** Version `version`: models m0..m{n-1} through the fake upstream; `changed` maps a model to its upstream model. */
function table(version: number, n: number, changed: Readonly<Record<string, string>> = {}): RoutingTable {
  const models = Array.from({ length: n }, (_, i) => `m${i}`);
  return tableOf([
    ...upstreamProvider('up', upstream.url, 'sk-upstream-delta-Q7'),
    ...upstreamProvider('other', upstream.url, 'sk-upstream-other-Q8'),
    ...models.map((m) => route(m, m, [{ provider: m === 'm0' ? 'other' : 'up', model: changed[m] ?? 'gpt-base' }])),
  ], version);
}

const acked = (h: SyncServerHarness, proxyId: string, version: number): boolean =>
  h.server.proxies().some((p) => p.id === proxyId && p.version === version && p.lastAckOk);

/** How many of the published versions went out as deltas, from the server's log. */
function publishedDeltas(h: SyncServerHarness): number[] {
  return h.logs.records().filter((r) => r.msg === 'routing table published').map((r) => Number(r.deltas));
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});

afterEach(async () => {
  await Promise.allSettled(open.splice(0).reverse().map((x) => x.close()));
});

afterAll(async () => {
  await upstream.close();
});

describe('sync with table deltas', () => {
  it('a changed route arrives as a delta, is served, and every unchanged runtime route is the same object', async () => {
    const op = track(await startSyncServer());
    op.server.publish(table(1, 30));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'delta-1' }));
    await until(() => acked(op, 'delta-1', 1), 'the ACK of v1');
    const before = p.proxy.holder.current;
    expect(before).not.toBeNull();

    op.server.publish(table(2, 30, { m7: 'gpt-changed' }));
    await until(() => acked(op, 'delta-1', 2), 'the ACK of v2');
    expect(publishedDeltas(op)).toEqual([0, 1]);
    const after = p.proxy.holder.current;
    expect(after?.hash).toBe(table(2, 30, { m7: 'gpt-changed' }).hash);
    for (let i = 0; i < 30; i++) {
      const same = after?.routes.get(`m${i}`) === before?.routes.get(`m${i}`);
      expect(same, `m${i}`).toBe(i !== 7);
    }
    const res = await chat(p.proxy.dataUrl, 'm7');
    expect(res.status).toBe(200);
    expect((upstream.requests.at(-1)?.body as { model?: string }).model).toBe('gpt-changed');
    expect((await chat(p.proxy.dataUrl, 'm0')).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe('Bearer sk-upstream-other-Q8');
  });

  it('a route added and one removed arrive as one delta; the proxy serves the new one and no longer knows the removed one', async () => {
    const op = track(await startSyncServer());
    op.server.publish(table(1, 5));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'delta-2' }));
    await until(() => acked(op, 'delta-2', 1), 'the ACK of v1');
    const models = ['m0', 'm1', 'm2', 'm3', 'm5'];
    const v2 = tableOf([
      ...upstreamProvider('up', upstream.url, 'sk-upstream-delta-Q7'),
      ...upstreamProvider('other', upstream.url, 'sk-upstream-other-Q8'),
      ...models.map((m) => route(m, m, [{ provider: m === 'm0' ? 'other' : 'up', model: 'gpt-base' }])),
    ], 2);
    op.server.publish(v2);
    await until(() => acked(op, 'delta-2', 2), 'the ACK of v2');
    expect(publishedDeltas(op)).toEqual([0, 1]);
    expect(p.proxy.holder.table?.hash).toBe(v2.hash);
    expect((await chat(p.proxy.dataUrl, 'm5')).status).toBe(200);
    expect((await chat(p.proxy.dataUrl, 'm4')).status).toBe(404);
  });

  it('a proxy that does not announce deltas gets snapshots and serves every version', async () => {
    const op = track(await startSyncServer());
    op.server.publish(table(1, 5));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'old', sync: { deltas: false, reportIntervalMs: 200, backoff: { initialMs: 40, maxMs: 200 }, idleTimeoutMs: 3000 } }));
    await until(() => acked(op, 'old', 1), 'the ACK of v1');
    const before = p.proxy.holder.current;
    op.server.publish(table(2, 5, { m3: 'gpt-3' }));
    await until(() => acked(op, 'old', 2), 'the ACK of v2');
    expect(publishedDeltas(op)).toEqual([0, 0]);
    // A snapshot brings new objects: every route is rebuilt, as before deltas.
    expect(p.proxy.holder.current?.routes.get('m1')).not.toBe(before?.routes.get('m1'));
    expect((await chat(p.proxy.dataUrl, 'm3')).status).toBe(200);
    expect((upstream.requests.at(-1)?.body as { model?: string }).model).toBe('gpt-3');
  });

  it('a delta whose base the proxy does not serve is NACKed; the proxy reconnects with have=0 and loads the snapshot', async () => {
    const op = track(await startSyncServer());
    op.server.publish(table(1, 5));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'drift' }));
    await until(() => acked(op, 'drift', 1), 'the ACK of v1');
    // The proxy's table drifts from what the operator sent (as after a refused load): the next delta cannot apply.
    p.proxy.holder.load(table(1, 4));
    const v2 = table(2, 5, { m2: 'gpt-2' });
    op.server.publish(v2);
    await until(() => acked(op, 'drift', 2), 'the ACK of v2 after the resync', 5000);
    expect(p.proxy.holder.table?.hash).toBe(v2.hash);
    const nack = op.logs.records().find((r) => r.msg === 'proxy refused a snapshot (NACK)');
    expect(String(nack?.error)).toMatch(/not the delta's base/);
    expect(p.logs.records().some((r) => r.msg === 'a delta did not apply; reconnecting for the whole snapshot')).toBe(true);
    expect((await chat(p.proxy.dataUrl, 'm4')).status).toBe(200);
  });
});
