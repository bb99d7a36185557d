// Operator ⇄ proxy sync on loopback, without Kubernetes: a real sync server on Fastify, real proxies (the
// composition `switchyard proxy` runs: data plane + table holder + sync client) and a fake OpenAI upstream.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReportMessage } from '../../pkg/sync/protocol.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { TOKEN, chat, startProxy, startSyncServer, until } from './support/harness.ts';
import type { ProxyHarness, SyncServerHarness } from './support/harness.ts';
import { route, tableOf, upstreamProvider } from './support/tables.ts';

const UPSTREAM_KEY = 'sk-upstream-W8rT2mQ9xLp4';

let upstream: FakeOpenAI;
let dir: string;
const open: { close(): Promise<void> }[] = [];

function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}

/** Table version `version` serving the given client models, each through the fake upstream. */
function tableWith(version: number, models: readonly string[], upstreamModel = 'gpt-up'): RoutingTable {
  return tableOf([
    ...upstreamProvider('up', upstream.url, UPSTREAM_KEY),
    ...models.map((m) => route(m, m, [{ provider: 'up', model: m === 'broken' ? 'status-500' : upstreamModel }])),
  ], version);
}

const acked = (h: SyncServerHarness, proxyId: string, version: number): boolean =>
  h.server.proxies().some((p) => p.id === proxyId && p.version === version && p.lastAckOk);

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  dir = await mkdtemp(join(tmpdir(), 'swy-sync-'));
});

afterEach(async () => {
  await Promise.allSettled(open.splice(0).reverse().map((x) => x.close()));
});

afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sync: operator → proxies', () => {
  it('C3 a proxy is not ready before its first table; after it, it is ready and serves the table', async () => {
    const op = track(await startSyncServer());
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'first' }));
    await until(() => op.server.proxies().some((s) => s.connected), 'the proxy to connect');
    expect(await p.ready()).toBe(503);
    expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(503);
    expect(p.banner.join('')).toContain(op.url);

    op.server.publish(tableWith(1, ['chat']));
    await until(() => acked(op, 'first', 1), 'the ACK of v1');
    expect(await p.ready()).toBe(200);
    const res = await chat(p.proxy.dataUrl, 'chat');
    expect(res.status).toBe(200);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it('publish v2: every connected proxy acknowledges it within 1 s and serves it', async () => {
    const op = track(await startSyncServer());
    op.server.publish(tableWith(1, ['chat']));
    const proxies: ProxyHarness[] = [];
    for (let i = 0; i < 3; i++) proxies.push(track(await startProxy([op.url], { authMode: 'open', proxyId: `p${i}` })));
    await until(() => ['p0', 'p1', 'p2'].every((id) => acked(op, id, 1)), 'three proxies on v1');

    const started = performance.now();
    op.server.publish(tableWith(2, ['chat', 'chat-2']));
    await until(() => ['p0', 'p1', 'p2'].every((id) => acked(op, id, 2)), 'three ACKs of v2', 1000);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(1000);
    for (const p of proxies) {
      expect(p.proxy.holder.table?.version).toBe(2);
      expect((await chat(p.proxy.dataUrl, 'chat-2')).status).toBe(200);
    }
  });

  it('C4 a stale version N−1 offered after N is refused and NACKed; the proxy keeps serving N', async () => {
    const op = track(await startSyncServer());
    op.server.publish(tableWith(5, ['chat']));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'stale' }));
    await until(() => acked(op, 'stale', 5), 'v5');
    const nacks: string[] = [];
    op.server.onAck((ack) => {
      if (!ack.ok) nacks.push(`${ack.version}:${ack.error ?? ''}`);
    });

    // A new leader whose version is behind (a fencing failure): the proxy must not go backwards.
    op.server.setLeader(false);
    op.server.setLeader(true);
    op.server.publish(tableWith(4, ['chat', 'older']));
    await until(() => nacks.length > 0, 'the NACK of v4');
    expect(nacks[0]).toMatch(/^4:stale snapshot: version 4 is older than version 5/);
    expect(p.proxy.holder.table?.version).toBe(5);
    expect(op.server.proxies().find((s) => s.id === 'stale')).toMatchObject({ version: 5, lastAckOk: false });
    expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(200);
    expect((await chat(p.proxy.dataUrl, 'older')).status).toBe(404);
  });

  it('the operator gone: the proxy keeps serving; back on the same address: it resyncs', async () => {
    const op = track(await startSyncServer());
    const port = (op.app.server.address() as AddressInfo).port;
    op.server.publish(tableWith(1, ['chat']));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'survivor' }));
    await until(() => acked(op, 'survivor', 1), 'v1');
    await op.close();

    await until(() => !p.proxy.sync.status().connected, 'the proxy to notice');
    await until(() => p.logs.lines.some((l) => l.includes('sync stream failed') && l.includes('ECONNREFUSED')), 'a refused reconnection');
    for (let i = 0; i < 5; i++) expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(200);
    expect(await p.ready()).toBe(200);

    const back = track(await startSyncServer({ port }));
    back.server.publish(tableWith(2, ['chat', 'chat-2']));
    await until(() => acked(back, 'survivor', 2), 'the resync to v2', 3000);
    expect((await chat(p.proxy.dataUrl, 'chat-2')).status).toBe(200);
  });

  it('a follower answers 503 {reason: not leader}; losing leadership closes streams and proxies keep serving', async () => {
    const follower = track(await startSyncServer({ leader: false }));
    const res = await fetch(`${follower.url}/sync/v1/snapshots?proxy=x&have=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ reason: 'not leader' });

    const op = track(await startSyncServer());
    op.server.publish(tableWith(1, ['chat']));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'demoted' }));
    await until(() => acked(op, 'demoted', 1), 'v1');
    op.server.setLeader(false);
    await until(() => op.server.proxies().every((s) => !s.connected), 'the stream to close');
    expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(200);
  });

  it('rotates to the next URL when the first is a follower', async () => {
    const follower = track(await startSyncServer({ leader: false }));
    const op = track(await startSyncServer());
    op.server.publish(tableWith(1, ['chat']));
    const p = track(await startProxy([follower.url, op.url], { authMode: 'open', proxyId: 'rotator' }));
    await until(() => acked(op, 'rotator', 1), 'v1 from the second URL');
    expect(p.proxy.sync.status().url).toBe(op.url);
  });

  it('C3 boots from a snapshot file with no operator; a corrupted file is refused and the proxy stays not ready', async () => {
    const file = join(dir, 'table.json');
    const op = track(await startSyncServer());
    op.server.publish(tableWith(7, ['chat']));
    const writer = track(await startProxy([op.url], { authMode: 'open', proxyId: 'writer', snapshotOut: file }));
    await until(() => acked(op, 'writer', 7), 'v7');
    await until(async () => (await stat(file).catch(() => null))?.isFile(), 'the snapshot file');
    await writer.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const dead = 'http://127.0.0.1:9';
    const booted = track(await startProxy([dead], { authMode: 'open', proxyId: 'booted', bootstrapFile: file }));
    expect(await booted.ready()).toBe(200);
    expect(booted.proxy.holder.table?.version).toBe(7);
    expect((await chat(booted.proxy.dataUrl, 'chat')).status).toBe(200);

    const text = await readFile(file, 'utf8');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, text.replace('"chat"', '"chat-tampered"'));
    const refused = track(await startProxy([dead], { authMode: 'open', proxyId: 'refused', bootstrapFile: bad }));
    expect(await refused.ready()).toBe(503);
    expect(refused.logs.lines.some((l) => l.includes('bootstrap snapshot refused') && l.includes('does not match its hash'))).toBe(true);
  });

  it('reports arrive every ~200 ms with per-target requests, errors and latency', async () => {
    const op = track(await startSyncServer());
    const reports: ReportMessage[] = [];
    op.server.onReport((r) => reports.push(r));
    op.server.publish(tableWith(1, ['chat', 'broken']));
    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'reporter' }));
    await until(() => acked(op, 'reporter', 1), 'v1');
    for (let i = 0; i < 3; i++) expect((await chat(p.proxy.dataUrl, 'chat')).status).toBe(200);
    expect((await chat(p.proxy.dataUrl, 'broken')).status).toBeGreaterThanOrEqual(500);

    const sum = (model: string) => reports.flatMap((r) => r.targets).filter((t) => t.provider === 'default/up' && t.model === model)
      .reduce((a, t) => ({ requests: a.requests + t.requests, errors: a.errors + t.errors, latency: a.latency + t.latencyMsSum }), { requests: 0, errors: 0, latency: 0 });
    await until(() => sum('gpt-up').requests === 3 && sum('status-500').requests > 0, 'reports with the counts');
    expect(sum('gpt-up')).toMatchObject({ requests: 3, errors: 0 });
    expect(sum('gpt-up').latency).toBeGreaterThan(0);
    const broken = sum('status-500');
    expect(broken.errors).toBe(broken.requests);
    expect(reports.every((r) => r.proxy === 'reporter' && r.usage.length === 0)).toBe(true);
  });

  it('401 without a token or with a wrong one; a proxy with a wrong token stays not ready; no token or key is logged', async () => {
    const op = track(await startSyncServer());
    op.server.publish(tableWith(1, ['chat']));
    const url = `${op.url}/sync/v1/snapshots?proxy=x&have=0`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const ack = await fetch(`${op.url}/sync/v1/acks`, {
      method: 'POST', headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' },
      body: JSON.stringify({ proxy: 'x', version: 1, hash: '', ok: true }),
    });
    expect(ack.status).toBe(401);

    const p = track(await startProxy([op.url], { authMode: 'open', proxyId: 'intruder', token: 'not-the-token' }));
    await until(() => p.logs.lines.some((l) => l.includes('HTTP 401')), 'the 401 to be logged');
    expect(await p.ready()).toBe(503);
    expect(op.server.proxies().some((s) => s.id === 'intruder')).toBe(false);

    const good = track(await startProxy([op.url], { authMode: 'open', proxyId: 'legit' }));
    await until(() => acked(op, 'legit', 1), 'v1');
    const all = [...op.logs.lines, ...p.logs.lines, ...good.logs.lines].join('\n');
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(UPSTREAM_KEY);
    expect(all).not.toContain('not-the-token');
  });
});
