// A minimal, fast upstream for benchmarks, on node:http, in two dialects:
// POST /v1/chat/completions → a fixed small OpenAI completion with usage (SSE when the body asks for "stream": true);
// POST /v1/messages → the same as an Anthropic Messages response (Anthropic SSE when streaming).
// Streams carry STREAM_TEXT_DELTAS text deltas, sent in one write (the benchmark measures forwarding, not pacing).
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

/** Text deltas per streamed response (both dialects). */
export const STREAM_TEXT_DELTAS = 32;
const TOKENS = Array.from({ length: STREAM_TEXT_DELTAS }, (_, i) => (i === 0 ? 'Hello' : ` w${i}`));

const STREAM = Buffer.from(
  sseChunk({ role: 'assistant', content: '' }, null) +
  TOKENS.map((t) => sseChunk({ content: t }, null)).join('') +
  sseChunk({}, 'stop', { prompt_tokens: 9, completion_tokens: STREAM_TEXT_DELTAS, total_tokens: 9 + STREAM_TEXT_DELTAS }) +
  'data: [DONE]\n\n',
);
/** SSE events per OpenAI stream: role chunk, text deltas, finish chunk with usage, [DONE]. */
export const OPENAI_STREAM_EVENTS = STREAM_TEXT_DELTAS + 3;

const MESSAGE = Buffer.from(JSON.stringify({
  id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-bench',
  content: [{ type: 'text', text: 'Hello from the bench upstream.' }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 9, output_tokens: 7 },
}));

const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_STREAM = Buffer.from(
  ev('message_start', { message: { id: 'msg_bench', type: 'message', role: 'assistant', model: 'claude-bench', content: [],
    stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }) +
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  TOKENS.map((t) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } })).join('') +
  ev('content_block_stop', { index: 0 }) +
  ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: STREAM_TEXT_DELTAS } }) +
  ev('message_stop', {}),
);
/** SSE events per Anthropic stream: message_start, block start, text deltas, block stop, message_delta, message_stop. */
export const ANTHROPIC_STREAM_EVENTS = STREAM_TEXT_DELTAS + 5;

const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(COMPLETION.length) };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': String(STREAM.length) };
const MESSAGE_HEADERS = { 'content-type': 'application/json', 'content-length': String(MESSAGE.length) };
const MESSAGE_SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': String(MESSAGE_STREAM.length) };
const NOT_FOUND = Buffer.from('{"error":{"message":"not found","type":"invalid_request_error","code":"not_found"}}');

/** Cheap stream detection without parsing: the fixed responses do not depend on the request. */
function wantsStream(chunks: Buffer[]): boolean {
  const body = chunks.length === 1 ? (chunks[0] ?? Buffer.alloc(0)) : Buffer.concat(chunks);
  return body.indexOf('"stream"') !== -1 && /"stream"\s*:\s*true/.test(body.toString('latin1'));
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const anthropic = req.url === '/v1/messages';
  if (req.method !== 'POST' || (req.url !== '/v1/chat/completions' && !anthropic)) {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': String(NOT_FOUND.length) });
    res.end(NOT_FOUND);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const stream = wantsStream(chunks);
    if (anthropic) {
      res.writeHead(200, stream ? MESSAGE_SSE_HEADERS : MESSAGE_HEADERS);
      res.end(stream ? MESSAGE_STREAM : MESSAGE);
      return;
    }
    res.writeHead(200, stream ? SSE_HEADERS : JSON_HEADERS);
    res.end(stream ? STREAM : COMPLETION);
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
