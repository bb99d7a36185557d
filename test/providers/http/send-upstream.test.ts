// sendUpstream over a real undici Pool and a real node:http server on loopback: the dispatch handler
// (upstream-exchange.ts) keeps request()'s semantics — head, body, backpressure, early return, dump, abort at any
// point, deadlines mapped to failures — and gives its connection slot back exactly once in every case.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendUpstream } from '../../../pkg/providers/http/send.ts';
import { attachSlots } from '../../../pkg/providers/http/slots.ts';
import { UpstreamFailureError } from '../../../pkg/providers/types.ts';
import type { UpstreamRequest } from '../../../pkg/providers/types.ts';
import type { TableTimeouts } from '../../../pkg/table/types.ts';

const MiB = 1024 * 1024;
let server: http.Server;
let origin = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '/';
      if (url === '/small') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-thing': 'a' });
        res.end('{"ok":true}');
      } else if (url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(64 * 1024, 120);
        let sent = 0;
        const pump = (): void => {
          while (sent < 8 * MiB) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      } else if (url === '/silent-head') {
        // never answers
      } else if (url === '/cut') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.socket?.destroy(), 20);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const T: TableTimeouts = { connectMs: 1000, firstByteMs: 0, idleMs: 0, totalMs: 0 };
const req = (path: string): UpstreamRequest => ({ origin, path, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', stream: false });

async function readAll(body: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const c of body) n += c.length;
  return n;
}

describe('sendUpstream (undici dispatch handler)', () => {
  it('resolves at the head with status and lower-case headers, then the body', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const res = await sendUpstream(pool, req('/small'), T, new AbortController().signal);
    expect(res.status).toBe(200);
    expect(res.headers['x-thing']).toBe('a');
    const chunks: Buffer[] = [];
    for await (const c of res.body) chunks.push(Buffer.from(c));
    expect(Buffer.concat(chunks).toString()).toBe('{"ok":true}');
    await pool.close();
  });

  it('reads 8 MiB through a slow reader with backpressure and gives the slot back once', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const slots = attachSlots(pool, 1);
    const res = await sendUpstream(pool, req('/big'), T, new AbortController().signal);
    expect(slots.inUse).toBe(1);
    let n = 0;
    for await (const c of res.body) {
      n += c.length;
      if (n % (MiB) < 65536) await new Promise((r) => setTimeout(r, 5));
    }
    expect(n).toBe(8 * MiB);
    expect(slots.inUse).toBe(0);
    await pool.close();
  });

  it('leaving the loop early aborts the request and frees the slot; the pool still works', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const slots = attachSlots(pool, 1);
    const res = await sendUpstream(pool, req('/big'), T, new AbortController().signal);
    for await (const c of res.body) if (c.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
    expect(slots.inUse).toBe(0);
    const again = await sendUpstream(pool, req('/small'), T, new AbortController().signal);
    expect(await readAll(again.body)).toBe(11);
    await pool.close();
  });

  it('dump() of a body over the limit aborts it; of a small body keeps the connection', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const slots = attachSlots(pool, 1);
    const big = await sendUpstream(pool, req('/big'), T, new AbortController().signal);
    await big.dump();
    expect(slots.inUse).toBe(0);
    const small = await sendUpstream(pool, req('/small'), T, new AbortController().signal);
    await small.dump();
    expect(slots.inUse).toBe(0);
    expect(await readAll((await sendUpstream(pool, req('/small'), T, new AbortController().signal)).body)).toBe(11);
    await pool.close();
  });

  it('an abort before the head rejects with the signal reason and frees the slot', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const slots = attachSlots(pool, 1);
    const ac = new AbortController();
    const p = sendUpstream(pool, req('/silent-head'), T, ac.signal);
    const reason = new Error('client went away');
    setTimeout(() => ac.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
    expect(slots.inUse).toBe(0);
    await pool.close();
  });

  it('an abort while the body is read rejects next() with the signal reason', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const ac = new AbortController();
    const res = await sendUpstream(pool, req('/big'), T, ac.signal);
    const reason = new Error('drain deadline');
    await expect((async () => {
      for await (const c of res.body) if (c.length > 0) ac.abort(reason);
    })()).rejects.toBe(reason);
    await pool.close();
  });

  it('an already aborted signal never dispatches', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const slots = attachSlots(pool, 1);
    const ac = new AbortController();
    ac.abort(new Error('gone'));
    await expect(sendUpstream(pool, req('/small'), T, ac.signal)).rejects.toThrow('gone');
    expect(slots.inUse).toBe(0);
    await pool.close();
  });

  it('maps a first-byte deadline (head) and a connection cut (body) to upstream failures', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const head = sendUpstream(pool, req('/silent-head'), { ...T, firstByteMs: 100 }, new AbortController().signal);
    await expect(head).rejects.toBeInstanceOf(UpstreamFailureError);
    await expect(head).rejects.toMatchObject({ failure: { kind: 'timeout', delivery: 'uncertain' } });
    const cut = await sendUpstream(pool, req('/cut'), T, new AbortController().signal);
    const err = await readAll(cut.body).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamFailureError);
    expect((err as UpstreamFailureError).failure.kind).not.toBe('client');
    await pool.close();
  });

  it('a refused connection is a pre-dispatch connect failure', async () => {
    const pool = new Pool('http://127.0.0.1:9', { connections: 1 });
    await expect(sendUpstream(pool, { ...req('/small'), origin: 'http://127.0.0.1:9' }, T, new AbortController().signal))
      .rejects.toMatchObject({ failure: { kind: 'connect', delivery: 'pre-dispatch' } });
    await pool.close();
  });
});
