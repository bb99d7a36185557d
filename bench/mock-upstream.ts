// A minimal, fast OpenAI-compatible upstream for benchmarks, on node:http.
// POST /v1/chat/completions → a fixed small completion with usage (SSE when the body asks for "stream": true).
// Run alone: `node bench/mock-upstream.ts [--port N] [--host 127.0.0.1] [--max-lifetime S]`;
// prints one JSON line {"port":N} once listening; exits on SIGTERM/SIGINT, when the lifetime ends, and with
// --exit-on-stdin-close when its stdin pipe closes (the parent died).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';

const COMPLETION = Buffer.from(JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1700000000,
  model: 'bench-upstream',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
}));

function sseChunk(delta: Record<string, unknown>, finish: string | null, usage?: Record<string, number>): string {
  const body = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1700000000, model: 'bench-upstream',
    choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) };
  return `data: ${JSON.stringify(body)}\n\n`;
}

const STREAM = Buffer.from(
  sseChunk({ role: 'assistant', content: '' }, null) +
  ['Hello', ' from', ' the', ' bench', ' upstream', '.'].map((t) => sseChunk({ content: t }, null)).join('') +
  sseChunk({}, 'stop', { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 }) +
  'data: [DONE]\n\n',
);

const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(COMPLETION.length) };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': String(STREAM.length) };
const NOT_FOUND = Buffer.from('{"error":{"message":"not found","type":"invalid_request_error","code":"not_found"}}');

/** Cheap stream detection without parsing: the fixed responses do not depend on the request. */
function wantsStream(chunks: Buffer[]): boolean {
  const body = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks);
  return body.indexOf('"stream"') !== -1 && /"stream"\s*:\s*true/.test(body.toString('latin1'));
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(NOT_FOUND.length) });
    res.end(NOT_FOUND);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (wantsStream(chunks)) {
      res.writeHead(200, SSE_HEADERS);
      res.end(STREAM);
      return;
    }
    res.writeHead(200, JSON_HEADERS);
    res.end(COMPLETION);
  });
}

/** The mock as a server object (not listening); the caller chooses host and port. */
export function createMockUpstream(): http.Server {
  const server = http.createServer({ keepAliveTimeout: 120_000, requestTimeout: 0, headersTimeout: 60_000 }, handle);
  server.keepAliveTimeout = 120_000;
  server.maxRequestsPerSocket = 0;
  return server;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'max-lifetime': { type: 'string', default: '1800' },
      'exit-on-stdin-close': { type: 'boolean', default: false },
    },
  });
  const server = createMockUpstream();
  const stop = (): void => {
    server.closeAllConnections();
    server.close();
    process.exit(0);
  };
  server.listen(Number(values.port), values.host, () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  if (values['exit-on-stdin-close']) process.stdin.on('end', stop).on('error', stop).resume();
  setTimeout(stop, Number(values['max-lifetime']) * 1000).unref();
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

if (import.meta.main) main();
