// The sync server on loopback: body validation and limits, proxy bookkeeping, heartbeats, leadership, and
// back-pressure (a proxy that does not read gets the newest snapshot next, not a backlog).
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tableHash } from '../../pkg/compiler/index.ts';
import type { SyncAuth } from '../../pkg/sync/auth.ts';
import type { AckMessage, ReportMessage } from '../../pkg/sync/protocol.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { TOKEN, startSyncServer, until } from './support/harness.ts';
import type { SyncServerHarness } from './support/harness.ts';
import { fakeProvider, route, tableOf } from './support/tables.ts';

const servers: SyncServerHarness[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.allSettled(servers.splice(0).map((s) => s.close()));
});

async function server(o: Parameters<typeof startSyncServer>[0] = {}): Promise<SyncServerHarness> {
  const s = await startSyncServer(o);
  servers.push(s);
  return s;
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const post = (h: SyncServerHarness, path: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${h.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

function table(version: number, pad = 0): RoutingTable {
  const t = tableOf([fakeProvider('f'), route('chat', 'chat', [{ provider: 'f' }])], version);
  if (pad === 0) return t;
  const id = 'default/f';
  const p = t.providers[id];
  if (p === undefined) throw new Error('no provider');
  const content = { ...t, providers: { [id]: { ...p, headers: { 'x-pad': randomBytes(pad).toString('base64') } } } };
  return { ...content, hash: tableHash(content) };
}

/** A raw HTTP/1.1 snapshot stream whose reading the test controls. */
function rawStream(h: SyncServerHarness, proxy: string, have = 0): { socket: Socket; text: () => Buffer } {
  const { port } = new URL(h.url);
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(`GET /sync/v1/snapshots?proxy=${proxy}&have=${have} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n\r\n`);
  return { socket, text: () => Buffer.concat(chunks) };
}

/** The body of a chunked HTTP/1.1 response received so far: complete chunks only (a chunk may split a line). */
function dechunk(raw: Buffer): string {
  let at = raw.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0 || eol + 2 + size > raw.length) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The complete NDJSON messages received so far (a last line still arriving is left out). */
function messages(raw: Buffer): { type: string; version: number }[] {
  const lines = dechunk(raw).split('\n');
  lines.pop(); // unterminated: still arriving (or empty after the last newline)
  return lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; version: number });
}

describe('sync server', () => {
  it('validates ACK and report bodies (400), the stream query (400), and caps body sizes (413)', async () => {
    const h = await server({ maxReportBytes: 2048 });
    const ack: AckMessage = { proxy: 'p1', version: 1, hash: 'ab', ok: true };
    expect((await post(h, '/sync/v1/acks', ack)).status).toBe(204);
    expect((await post(h, '/sync/v1/acks', { ...ack, ok: 'yes' })).status).toBe(400);
    expect((await post(h, '/sync/v1/acks', { ...ack, proxy: 'bad id with spaces' })).status).toBe(400);
    expect((await post(h, '/sync/v1/acks', { ...ack, extra: 1 })).status).toBe(400);
    expect((await post(h, '/sync/v1/acks', '{not json')).status).toBe(400);
    const report: ReportMessage = { proxy: 'p1', version: 1, intervalMs: 2000, targets: [{ provider: 'ns/p', model: 'm', requests: 2, errors: 1, latencyMsSum: 10 }], usage: [] };
    const answered = await post(h, '/sync/v1/reports', report);
    expect(answered.status).toBe(200); // the operator's answer: this proxy's quota allowances (none: no quotas)
    expect(await answered.json()).toEqual({ allowances: { proxies: 1, grants: [] } });
    const errorsOverRequests = { ...report, targets: [{ provider: 'ns/p', model: 'm', requests: 1, errors: 2, latencyMsSum: 0 }] };
    const bad = await post(h, '/sync/v1/reports', errorsOverRequests);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('errors cannot exceed requests');
    const big = { ...report, targets: Array.from({ length: 100 }, (_, i) => ({ provider: 'ns/p', model: `m${i}`, requests: 1, errors: 0, latencyMsSum: 1 })) };
    expect((await post(h, '/sync/v1/reports', big)).status).toBe(413);
    const q = await fetch(`${h.url}/sync/v1/snapshots?proxy=${encodeURIComponent('a b')}`, { headers: auth });
    expect(q.status).toBe(400);
  });

  it('ACKs and NACKs update proxies() and reach onAck; a NACK keeps the acknowledged version', async () => {
    const h = await server();
    const seen: string[] = [];
    h.server.onAck((a, s) => seen.push(`${a.proxy}:${a.version}:${a.ok}:${s.version}`));
    await post(h, '/sync/v1/acks', { proxy: 'p1', version: 3, hash: 'h3', ok: true });
    await post(h, '/sync/v1/acks', { proxy: 'p1', version: 4, hash: 'h4', ok: false, error: 'bad checksum' });
    expect(seen).toEqual(['p1:3:true:3', 'p1:4:false:3']);
    expect(h.server.proxies()).toMatchObject([{ id: 'p1', identity: 'shared-token', connected: false, version: 3, hash: 'h3', lastAckOk: false, lastError: 'bad checksum' }]);
  });

  it('sends the latest snapshot at connect when `have` differs, a heartbeat when it matches, then heartbeats', async () => {
    const h = await server({ heartbeatMs: 50 });
    const v2 = table(2);
    h.server.publish(v2);
    const behind = rawStream(h, 'behind', 1);
    const current = rawStream(h, 'current', 2);
    await until(() => messages(behind.text()).filter((m) => m.type === 'heartbeat').length >= 2, 'heartbeats');
    await until(() => messages(current.text()).filter((m) => m.type === 'heartbeat').length >= 2, 'heartbeats');
    expect(messages(behind.text())[0]).toMatchObject({ type: 'snapshot', version: 2 });
    expect(messages(current.text()).every((m) => m.type === 'heartbeat' && m.version === 2)).toBe(true);
    expect(h.server.proxies().find((p) => p.id === 'current')).toMatchObject({ connected: true, version: 2, hash: v2.hash, lastAckOk: true });
  });

  it('back-pressure: a proxy that does not read gets the newest snapshot next, not every version in between', async () => {
    const h = await server({ heartbeatMs: 20 });
    const s = rawStream(h, 'slow');
    await until(() => h.server.proxies().some((p) => p.connected), 'the stream');
    s.socket.pause();
    for (let v = 1; v <= 12; v++) h.server.publish(table(v, 1_500_000));
    await new Promise((r) => setTimeout(r, 100));
    s.socket.resume();
    await until(() => messages(s.text()).some((m) => m.type === 'snapshot' && m.version === 12), 'v12', 8000);
    const snapshots = messages(s.text()).filter((m) => m.type === 'snapshot').map((m) => m.version);
    expect(snapshots.at(-1)).toBe(12);
    expect(snapshots.length).toBeLessThan(6);
  }, 20_000);

  it('a stream that stays blocked past stalledStreamMs is cut; the proxy shows as disconnected', async () => {
    const h = await server({ heartbeatMs: 30, stalledStreamMs: 100 });
    const s = rawStream(h, 'stuck');
    await until(() => h.server.proxies().some((p) => p.connected), 'the stream');
    s.socket.pause();
    for (let v = 1; v <= 3; v++) h.server.publish(table(v, 1_500_000));
    await until(() => h.server.proxies().every((p) => !p.connected), 'the cut', 5000);
    expect(h.logs.lines.some((l) => l.includes('not reading its snapshot stream'))).toBe(true);
  });

  it('a second stream for one proxy id replaces the first; disconnected proxies are forgotten after forgetAfterMs', async () => {
    let now = 1_000_000;
    const h = await server({ heartbeatMs: 20, forgetAfterMs: 60_000, clock: () => now });
    const first = rawStream(h, 'twin');
    await until(() => h.server.proxies().some((p) => p.connected), 'first');
    const second = rawStream(h, 'twin');
    await until(() => first.text().toString('latin1').endsWith('\r\n0\r\n\r\n'), 'the first response to end');
    expect(h.server.proxies()).toMatchObject([{ id: 'twin', connected: true }]);
    second.socket.destroy();
    await until(() => h.server.proxies().every((p) => !p.connected), 'disconnection');
    now += 30_000;
    await new Promise((r) => setTimeout(r, 60));
    expect(h.server.proxies()).toHaveLength(1);
    now += 31_000;
    await until(() => h.server.proxies().length === 0, 'forgetting');
  });

  it('publish is fenced: a lower version throws, the same version and hash is a no-op; a follower does not publish', async () => {
    const h = await server();
    h.server.publish(table(5));
    expect(() => h.server.publish(table(4))).toThrow(/refusing to publish version 4/);
    h.server.publish(table(5));
    expect(h.server.latest?.version).toBe(5);
    h.server.setLeader(false);
    expect(h.server.latest).toBeNull();
    h.server.publish(table(6));
    expect(h.server.latest).toBeNull();
    expect((await post(h, '/sync/v1/acks', { proxy: 'p', version: 1, hash: '', ok: true })).status).toBe(503);
    expect((await post(h, '/sync/v1/reports', { proxy: 'p', version: 1, intervalMs: 1, targets: [], usage: [] })).status).toBe(503);
  });

  it('an authority that cannot answer gives 503 (the proxy retries), not 401', async () => {
    const down: SyncAuth = { verify: async () => { throw new Error('TokenReview failed (503)'); } };
    const h = await server({ auth: down });
    const res = await fetch(`${h.url}/sync/v1/snapshots?proxy=p`, { headers: auth });
    expect(res.status).toBe(503);
  });
});
