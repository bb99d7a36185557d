// The bare-Node pass-through floor: the least any Node gateway must do per request, and nothing else.
// node:http server → read the body → JSON.parse it (model, stream) → forward the client's bytes with an undici
// Pool → JSON.parse the answer and read its usage (streams: forward each chunk as it arrives and parse the `data:`
// lines for usage) → answer the client. No auth, routing, metrics, logging or translation: `npm run bench`
// reports the gateway as a percentage of this process's throughput, measured in the same run on the same core.
// Run alone: `node bench/floor.ts --upstream http://127.0.0.1:PORT [--port N] [--connections 128]`; prints one
// JSON line {"port":N} once listening (the request path is forwarded unchanged to the upstream origin); exits on SIGTERM/SIGINT and with --exit-on-stdin-close.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

interface Usage {
  prompt: number;
  completion: number;
}

/** Tokens read from the responses (kept so the parse cannot be optimised away; printed on exit with --verbose). */
const totals: Usage = { prompt: 0, completion: 0 };

function readUsage(u: unknown): void {
  if (typeof u !== 'object' || u === null) return;
  const o = u as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  totals.prompt += num(o.prompt_tokens) + num(o.input_tokens);
  totals.completion += num(o.completion_tokens) + num(o.output_tokens);
}

/** Usage from the complete `data:` lines of an SSE buffer; returns the unconsumed tail. */
function scanSse(text: string): string {
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return text.slice(start);
    if (text.startsWith('data: {', start)) {
      const ev = JSON.parse(text.slice(start + 6, nl)) as Record<string, unknown>;
      readUsage(ev.usage);
      const msg = ev.message;
      if (typeof msg === 'object' && msg !== null) readUsage((msg as Record<string, unknown>).usage);
    }
    start = nl + 1;
  }
}

const BAD_GATEWAY = Buffer.from('{"error":{"message":"upstream failed","type":"api_error"}}');

function fail(res: http.ServerResponse, status: number, body: Buffer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body.length) });
  res.end(body);
}

export function createFloor(upstream: string, connections: number): { server: http.Server; pool: Pool } {
  const pool = new Pool(new URL(upstream).origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks);
      let stream: boolean;
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { model?: unknown; stream?: unknown };
        if (typeof parsed.model !== 'string') throw new Error('no model');
        stream = parsed.stream === true;
      } catch {
        fail(res, 400, Buffer.from('{"error":{"message":"invalid JSON body","type":"invalid_request_error"}}'));
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const version = req.headers['anthropic-version'];
      if (typeof version === 'string') headers['anthropic-version'] = version;
      pool.request({ path: req.url ?? '/', method: 'POST', headers, body } satisfies Dispatcher.RequestOptions)
        .then(async (up) => {
          const type = String(up.headers['content-type'] ?? 'application/json');
          if (stream && type.startsWith('text/event-stream')) {
            res.writeHead(up.statusCode, { 'content-type': type, 'cache-control': 'no-cache' });
            let tail = '';
            const dec = new StringDecoder('utf8');
            for await (const c of up.body as AsyncIterable<Buffer>) {
              res.write(c);
              tail = scanSse(tail + dec.write(c));
            }
            res.end();
            return;
          }
          const out = Buffer.from(await up.body.arrayBuffer());
          if (up.statusCode < 300) readUsage((JSON.parse(out.toString('utf8')) as { usage?: unknown }).usage);
          res.writeHead(up.statusCode, { 'content-type': type, 'content-length': String(out.length) });
          res.end(out);
        })
        .catch(() => fail(res, 502, BAD_GATEWAY));
    });
  };
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, handle);
  server.keepAliveTimeout = 120_000;
  server.maxRequestsPerSocket = 0;
  return { server, pool };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' },
      connections: { type: 'string', default: '128' }, 'exit-on-stdin-close': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  if (values.upstream === undefined) throw new Error('--upstream is required (e.g. http://127.0.0.1:PORT)');
  const { server, pool } = createFloor(values.upstream, Number(values.connections));
  const stop = (): void => {
    if (values.verbose) process.stderr.write(`floor: usage read ${totals.prompt} prompt + ${totals.completion} completion tokens\n`);
    server.closeAllConnections();
    server.close();
    void pool.destroy();
    process.exit(0);
  };
  server.listen(Number(values.port), values.host, () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  if (values['exit-on-stdin-close']) process.stdin.on('end', stop).on('error', stop).resume();
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

if (import.meta.main) main();
