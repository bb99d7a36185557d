// Server plumbing the fake upstreams share: a loopback HTTP server that closes its open connections on close(),
// request bodies read whole, and an event stream written as a test asks (cut short, split into pieces, slowed down).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LoopbackServer {
  /** e.g. http://127.0.0.1:1234 */
  readonly origin: string;
  /** Destroys the open connections (streams in flight included) and stops listening. */
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 at a free port; a request whose handler throws has its connection destroyed. */
export async function startLoopbackServer(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The whole body of a request (or of an upstream answer). */
export async function readBody(msg: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of msg) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** JSON.parse, or undefined where the text is not JSON (empty included). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The body as text and, where it is JSON, parsed. */
export async function readJsonBody(req: IncomingMessage): Promise<{ rawBody: string; body: unknown }> {
  const rawBody = (await readBody(req)).toString('utf8');
  return { rawBody, body: parseJson(rawBody) };
}

/** How a fake writes a stream's events (the fields of its fault or behaviour option). */
export interface StreamDelivery {
  /** Stop after this many events, written one by one; `end` closes cleanly, `destroy` resets the socket. */
  readonly cutAfterEvents?: number;
  readonly cutMode?: 'end' | 'destroy';
  /** Rewrite the stream's text before sending (uncut streams only). */
  readonly transform?: (text: string) => string;
  /** Write the bytes in pieces of this many bytes (uncut streams only). */
  readonly splitEvery?: number;
  /** Wait this long between pieces, and after each event of a cut stream. */
  readonly gapMs?: number;
}

function write(res: ServerResponse, chunk: string | Uint8Array): Promise<void> {
  return new Promise<void>((resolve) => res.write(chunk, () => resolve()));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Writes `events` (the head is already sent) as `d` asks and ends the response, or resets it (a `destroy` cut). */
export async function sendEvents(res: ServerResponse, events: readonly (string | Uint8Array)[], d: StreamDelivery | undefined): Promise<void> {
  const gapMs = d?.gapMs ?? 0;
  if (d?.cutAfterEvents !== undefined) {
    for (const e of events.slice(0, d.cutAfterEvents)) {
      await write(res, e);
      if (gapMs > 0) await sleep(gapMs);
    }
    if (d.cutMode === 'destroy') return void res.socket?.destroy();
    return void res.end();
  }
  const joined = Buffer.concat(events.map((e) => (typeof e === 'string' ? Buffer.from(e) : e)));
  const bytes = d?.transform === undefined ? joined : Buffer.from(d.transform(joined.toString('utf8')));
  const step = d?.splitEvery ?? bytes.length;
  for (let o = 0; o < bytes.length; o += step) {
    if (o > 0 && gapMs > 0) await sleep(gapMs);
    await write(res, bytes.subarray(o, o + step));
  }
  res.end();
}
