// Sync endpoints run inside the test process, for the stale/corrupt push cases (C4): a real SyncServer (the
// operator's own implementation) that publishes whatever table the test gives it, and a raw NDJSON server that sends
// hand-made, broken snapshot lines. Both record the ACKs/NACKs proxies send back.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { pino } from 'pino';
import { compile } from '../../../pkg/compiler/index.ts';
import { sharedTokenAuth } from '../../../pkg/sync/auth.ts';
import { encodeSnapshot } from '../../../pkg/sync/protocol.ts';
import type { AckMessage, SnapshotMessage } from '../../../pkg/sync/protocol.ts';
import { createSyncServer } from '../../../pkg/sync/server.ts';
import type { SyncServer } from '../../../pkg/sync/server.ts';
import type { RoutingTable } from '../../../pkg/table/types.ts';

export interface TestSyncServer {
  readonly url: string;
  readonly sync: SyncServer;
  close(): Promise<void>;
}

/** A leading SyncServer on 127.0.0.1:`port` that accepts `token`. */
export async function startTestSyncServer(token: string, port: number): Promise<TestSyncServer> {
  const app = Fastify({ logger: false });
  const sync = createSyncServer({ auth: sharedTokenAuth(token), logger: pino({ level: 'silent' }), leader: true, heartbeatMs: 1_000 });
  sync.register(app);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${port}`,
    sync,
    async close() {
      sync.close();
      await app.close();
    },
  };
}

/** A small valid table (one built-in fake provider, one route for `model`) at `version`. */
export function smallTable(version: number, model: string): RoutingTable {
  const objects = [
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'c4', namespace: 'c4', generation: 1 }, spec: { type: 'fake' } },
    { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name: 'c4', namespace: 'c4', generation: 1 }, spec: { model, targets: [{ provider: 'c4' }] } },
  ];
  const { table } = compile(objects, { version });
  if (!table.models[model]) throw new Error(`smallTable: ${model} did not compile`);
  return table;
}

/** Snapshot lines that must be refused: a wrong checksum and a truncated payload. */
export function brokenSnapshots(version: number, model: string): { badChecksum: SnapshotMessage; truncated: SnapshotMessage } {
  const good = encodeSnapshot(smallTable(version, model));
  const otherHash = encodeSnapshot(smallTable(version, `${model}-other`)).hash;
  return {
    badChecksum: { ...good, hash: otherHash },
    truncated: { ...encodeSnapshot(smallTable(version + 1, model)), data: good.data.slice(0, Math.floor(good.data.length / 2)) },
  };
}

export interface RawSyncServer {
  readonly url: string;
  /** ACK/NACK bodies received. */
  readonly acks: readonly AckMessage[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  try {
    return JSON.parse(Buffer.concat(parts).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Answers every snapshot stream with `lines` (then heartbeats), checks the bearer token, records ACKs. */
export async function startRawSyncServer(token: string, port: number, lines: readonly object[], heartbeatVersion: number): Promise<RawSyncServer> {
  const acks: AckMessage[] = [];
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/sync/v1/snapshots') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const l of lines) res.write(`${JSON.stringify(l)}\n`);
      streams.add(res);
      const timer = setInterval(() => res.write(`${JSON.stringify({ type: 'heartbeat', version: heartbeatVersion })}\n`), 1_000);
      res.on('close', () => {
        clearInterval(timer);
        streams.delete(res);
      });
      return;
    }
    void body(req).then((b) => {
      if (path === '/sync/v1/acks' && b !== undefined) acks.push(b as AckMessage);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    acks,
    async close() {
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
