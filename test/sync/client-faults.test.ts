// The sync client against a scripted operator on loopback that sends damaged streams (C4): every bad snapshot is
// NACKed with its reason and the table in use is kept; a line over the cap or a silent stream makes it reconnect.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalJSON } from '../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { startSyncClient } from '../../pkg/sync/client.ts';
import type { SyncClient } from '../../pkg/sync/client.ts';
import { encodeSnapshot, ndjsonLine } from '../../pkg/sync/protocol.ts';
import type { AckMessage } from '../../pkg/sync/protocol.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { TOKEN, capture, until } from './support/harness.ts';
import { fakeProvider, route, tableOf } from './support/tables.ts';

interface Scripted {
  readonly url: string;
  readonly acks: AckMessage[];
  readonly queries: URLSearchParams[];
  /** Writes `text` to every open stream. */
  send(text: string): void;
  close(): Promise<void>;
}

async function scriptedOperator(onConnect?: (res: ServerResponse) => void): Promise<Scripted> {
  const acks: AckMessage[] = [];
  const queries: URLSearchParams[] = [];
  const streams = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sync/v1/snapshots') {
      queries.push(url.searchParams);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.flushHeaders();
      streams.add(res);
      res.once('close', () => streams.delete(res));
      onConnect?.(res);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (url.pathname === '/sync/v1/acks') acks.push(JSON.parse(body) as AckMessage);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    acks, queries,
    send: (text) => {
      for (const s of streams) s.write(text);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function table(version: number, models: readonly string[]): RoutingTable {
  return tableOf([fakeProvider('f'), ...models.map((m) => route(m, m, [{ provider: 'f' }]))], version);
}

/** A snapshot line for arbitrary content, with the right hash and size unless overridden. */
function crafted(version: number, content: unknown, o: { hash?: string; bytes?: number } = {}): string {
  const raw = Buffer.from(canonicalJSON(content));
  return ndjsonLine({
    type: 'snapshot', version, encoding: 'gzip+base64',
    hash: o.hash ?? createHash('sha256').update(raw).digest('hex'),
    bytes: o.bytes ?? raw.length,
    data: gzipSync(raw).toString('base64'),
  });
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function client(op: Scripted, o: { maxLineBytes?: number; idleTimeoutMs?: number } = {}): Promise<{ holder: TableHolder; sync: SyncClient; logs: ReturnType<typeof capture> }> {
  const logs = capture();
  const pools = createUpstreamPools();
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger: logs.logger });
  const sync = await startSyncClient({
    urls: [op.url], token: TOKEN, proxyId: 'victim', holder, logger: logs.logger, reportSource: { drain: () => [] },
    backoff: { initialMs: 20, maxMs: 100 }, reportIntervalMs: 60_000, ...o,
  });
  cleanup.push(async () => {
    await sync.close();
    await pools.destroy();
  });
  return { holder, sync, logs };
}

describe('sync client against damaged streams', () => {
  it('C4 truncated, garbled, mis-sized, bad-checksum and unknown-schema snapshots are NACKed; the table in use stays', async () => {
    const op = await scriptedOperator();
    cleanup.push(() => op.close());
    const { holder } = await client(op);
    await until(() => op.queries.length > 0, 'the stream');
    expect(op.queries[0]?.get('proxy')).toBe('victim');
    expect(op.queries[0]?.get('have')).toBe('0');

    const v1 = table(1, ['chat']);
    op.send(ndjsonLine(encodeSnapshot(v1)));
    await until(() => op.acks.length === 1, 'ACK v1');
    expect(op.acks[0]).toEqual({ proxy: 'victim', version: 1, hash: v1.hash, ok: true });

    const good = encodeSnapshot(table(2, ['chat', 'two']));
    const { version: _v, hash: _h, ...v2content } = table(2, ['chat', 'two']);
    const cases: [string, string, RegExp][] = [
      ['truncated data', ndjsonLine({ ...good, data: good.data.slice(0, Math.floor(good.data.length / 2)) }), /truncated or garbled/],
      ['garbled data', ndjsonLine({ ...good, version: 3, data: Buffer.from('not gzip at all').toString('base64') }), /truncated or garbled/],
      ['bad checksum', crafted(4, v2content, { hash: 'a'.repeat(64) }), /does not match hash/],
      ['wrong size', crafted(5, v2content, { bytes: 10 }), /announced 10/],
      ['unknown field', crafted(6, { ...v2content, extra: true }), /not a routing table this proxy understands/],
      ['wrong shape', crafted(7, { ...v2content, routes: 'nope' }), /routes/],
      ['cut line', `${ndjsonLine(good).slice(0, 300)}\n`, /garbled snapshot line/],
    ];
    for (const [name, line, reason] of cases) {
      const before = op.acks.length;
      op.send(line);
      await until(() => op.acks.length > before, `the NACK for ${name}`);
      const nack = op.acks.at(-1);
      expect(nack?.ok, name).toBe(false);
      expect(nack?.error, name).toMatch(reason);
      expect(holder.table?.version, name).toBe(1);
    }

    const v8 = table(8, ['chat', 'eight']);
    op.send(ndjsonLine(encodeSnapshot(v8)));
    await until(() => op.acks.at(-1)?.version === 8, 'ACK v8');
    expect(op.acks.at(-1)?.ok).toBe(true);
    expect(holder.table?.hash).toBe(v8.hash);
  });

  it('the same version and hash again is acknowledged without reloading; a lower version is NACKed as stale', async () => {
    const op = await scriptedOperator();
    cleanup.push(() => op.close());
    const { holder, logs } = await client(op);
    await until(() => op.queries.length > 0, 'the stream');
    const v3 = table(3, ['chat']);
    op.send(ndjsonLine(encodeSnapshot(v3)));
    await until(() => op.acks.length === 1, 'ACK v3');
    const loaded = () => logs.lines.filter((l) => l.includes('routing table loaded')).length;
    expect(loaded()).toBe(1);
    op.send(ndjsonLine(encodeSnapshot(v3)));
    await until(() => op.acks.length === 2, 'second ACK v3');
    expect(op.acks[1]?.ok).toBe(true);
    expect(loaded()).toBe(1);
    op.send(ndjsonLine(encodeSnapshot(table(2, ['old']))));
    await until(() => op.acks.length === 3, 'NACK v2');
    expect(op.acks[2]).toMatchObject({ version: 2, ok: false });
    expect(op.acks[2]?.error).toMatch(/stale/);
    expect(holder.table?.version).toBe(3);
  });

  it('a line longer than the cap drops the stream; the client reconnects announcing the version it has', async () => {
    const op = await scriptedOperator();
    cleanup.push(() => op.close());
    await client(op, { maxLineBytes: 4096 });
    await until(() => op.queries.length > 0, 'the stream');
    op.send(ndjsonLine(encodeSnapshot(table(1, ['chat']))));
    await until(() => op.acks.length === 1, 'ACK v1');
    op.send('x'.repeat(10_000));
    await until(() => op.queries.length >= 2, 'a reconnection');
    expect(op.queries[1]?.get('have')).toBe('1');
  });

  it('a silent stream (no heartbeat) is reopened after the idle timeout', async () => {
    const op = await scriptedOperator();
    cleanup.push(() => op.close());
    await client(op, { idleTimeoutMs: 300 });
    await until(() => op.queries.length >= 2, 'a reconnection after silence', 3000);
  });
});
