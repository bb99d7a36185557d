// A scriptable fake upstream for the fault-injection suite (catalogue §5.0 harness, cases B1–B16), in two parts:
//
// 1. startFaultUpstream(): an HTTP server speaking OpenAI chat (/v1/chat/completions), legacy completions
//    (/v1/completions), embeddings (/v1/embeddings) and Anthropic Messages (/v1/messages), streamed or not. The fault
//    of each request is chosen by, in order: the script (setScript), the `x-fault` request header, the model name.
//    A model name (or header) `fault:<spec>` carries a spec such as `status=429;retry-after=30` (parseFault); any
//    other model name answers normally. Counts in a spec (`cut-after=2`) are content events, whatever the dialect.
// 2. startTcpFault(): a raw net.Server for faults below HTTP, in the spirit of Toxiproxy's toxics: reset after N
//    bytes, hang (accept, never answer; also a TLS handshake hang), trickle (1 byte per interval), truncate
//    (Content-Length larger than the body), gzip bombs and stacked encodings, huge headers. refusedURL() is a port
//    nothing listens on.
// 3. startTlsFault(): an https upstream with a bad certificate (self-signed and untrusted, expired, issued for
//    another host) or speaking only TLS 1.0; `valid` is the control. Certificates are made by the openssl CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';

export type Dialect = 'chat' | 'completions' | 'embeddings' | 'messages';

/** What one request gets. Every field is optional; the empty fault is a normal answer. */
export interface Fault {
  /** Answer this status with the dialect's error body. */
  status?: number;
  /** Retry-After header value (seconds or an HTTP-date), on any answer. */
  retryAfter?: string;
  /** Error code (OpenAI `code`, Anthropic error `type`) of an error body or in-stream error event. */
  code?: string;
  /** Error message of an error body or in-stream error event. */
  message?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** Wait before the response head (time to first byte). */
  headDelayMs?: number;
  /** Wait after the head, before the first event (a reasoning model thinking). */
  firstEventDelayMs?: number;
  /** Wait between events (a trickle). */
  gapMs?: number;
  /** Content pieces ("tok0 ", "tok1 ", …). Default 3. */
  pieces?: number;
  /** After this many content events: reset the connection (TCP RST). */
  cutAfter?: number;
  /** After this many content events: go silent, connection open. */
  stallAfter?: number;
  /** After this many content events: end cleanly with no finish event and no [DONE] / message_stop. */
  truncateAfter?: number;
  /** After this many content events: one garbage `data:` line, then the rest of the stream. */
  malformedAfter?: number;
  /** After this many content events: the dialect's in-stream error event, then end. */
  errorEventAfter?: number;
  /** Answer a stream request with a JSON body. */
  jsonForStream?: boolean;
  /** Answer 200 with a body that is not JSON (non-stream requests). */
  garbage?: boolean;
  /** One content event carrying this many bytes of text (after the first piece). */
  hugeEventBytes?: number;
  /** Usage reported (input, output tokens). Default 10 in, one per piece out. */
  inputTokens?: number;
  outputTokens?: number;
  /** No effect: makes model names distinct (per-target state such as a Retry-After cooldown is keyed by model). */
  tag?: string;
}

const NUMERIC = new Set(['status', 'headDelayMs', 'firstEventDelayMs', 'gapMs', 'pieces', 'cutAfter', 'stallAfter', 'truncateAfter', 'malformedAfter', 'errorEventAfter', 'hugeEventBytes', 'inputTokens', 'outputTokens']);
const FLAGS = new Set(['jsonForStream', 'garbage']);
const STRINGS = new Set(['retryAfter', 'code', 'message', 'tag']);

const camel = (k: string): string => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Parses a fault spec: `;`-separated `key=value` items or bare flags, keys in kebab case, e.g.
 * `status=429;retry-after=30`, `cut-after=2;gap-ms=20`, `json-for-stream`. A leading `fault:` is ignored.
 * Throws on an unknown key or a bad number, so a typo in a test fails loudly.
 */
export function parseFault(spec: string): Fault {
  const out: Record<string, unknown> = {};
  const body = spec.startsWith('fault:') ? spec.slice(6) : spec;
  for (const item of body.split(';')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    const key = camel((eq < 0 ? item : item.slice(0, eq)).trim());
    const value = eq < 0 ? undefined : item.slice(eq + 1).trim();
    if (FLAGS.has(key) && value === undefined) out[key] = true;
    else if (NUMERIC.has(key) && value !== undefined && /^\d+$/.test(value)) out[key] = Number(value);
    else if (STRINGS.has(key) && value !== undefined) out[key] = value;
    else throw new Error(`fault spec: bad item "${item}"`);
  }
  return out as Fault;
}

/** The model name (or x-fault header value) that selects `f`. */
export function faultModel(f: Fault): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || k === 'headers') continue;
    const kebab = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    parts.push(v === true ? kebab : `${kebab}=${String(v)}`);
  }
  return `fault:${parts.join(';')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers in each dialect.

const CREATED = 1735689600;

export function dialectOf(path: string): Dialect | null {
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/completions')) return 'completions';
  if (path.endsWith('/embeddings')) return 'embeddings';
  if (path.endsWith('/messages')) return 'messages';
  return null;
}

const sse = (data: unknown, event?: string): string => `${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** Content pieces: "tok0 ", "tok1 ", … and the huge one after the first when asked. */
function pieceCount(f: Fault): number {
  return (f.pieces ?? 3) + (f.hugeEventBytes !== undefined ? 1 : 0);
}

function pieceText(f: Fault, i: number): string {
  if (f.hugeEventBytes === undefined || i < 1) return `tok${i} `;
  return i === 1 ? 'x'.repeat(f.hugeEventBytes) : `tok${i - 1} `;
}

function pieces(f: Fault): string[] {
  return Array.from({ length: pieceCount(f) }, (_, i) => pieceText(f, i));
}

function usageOf(f: Fault): { input: number; output: number } {
  return { input: f.inputTokens ?? 10, output: f.outputTokens ?? (f.pieces ?? 3) };
}

/** A successful stream in parts: the events before the first content, a content event per piece (made on demand, so a long stream costs no memory up front), and the finish events. */
interface StreamParts {
  readonly preamble: readonly string[];
  content(text: string): string;
  readonly finish: readonly string[];
}

function streamParts(d: Dialect, model: string, f: Fault): StreamParts {
  const u = usageOf(f);
  if (d === 'messages') {
    return {
      preamble: [
        sse({ type: 'message_start', message: { id: 'msg_fault', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1 } } }, 'message_start'),
        sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      ],
      content: (t) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }, 'content_block_delta'),
      finish: [
        sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
        sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } }, 'message_delta'),
        sse({ type: 'message_stop' }, 'message_stop'),
      ],
    };
  }
  const usage = { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
  if (d === 'completions') {
    const chunk = (text: string, finish: string | null): unknown => ({ id: 'cmpl-fault', object: 'text_completion', created: CREATED, model, choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] });
    return {
      preamble: [],
      content: (t) => sse(chunk(t, null)),
      finish: [sse(chunk('', 'stop')), sse({ id: 'cmpl-fault', object: 'text_completion', created: CREATED, model, choices: [], usage }), 'data: [DONE]\n\n'],
    };
  }
  const chunk = (delta: unknown, finish: string | null): unknown => ({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', created: CREATED, model, choices: [{ index: 0, delta, finish_reason: finish }] });
  return {
    preamble: [sse(chunk({ role: 'assistant', content: '' }, null))],
    content: (t) => sse(chunk({ content: t }, null)),
    finish: [sse(chunk({}, 'stop')), sse({ id: 'chatcmpl-fault', object: 'chat.completion.chunk', created: CREATED, model, choices: [], usage }), 'data: [DONE]\n\n'],
  };
}

function jsonAnswer(d: Dialect, model: string, f: Fault): unknown {
  const u = usageOf(f);
  const text = pieces(f).join('');
  if (d === 'messages') {
    return { id: 'msg_fault', type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: u.input, output_tokens: u.output } };
  }
  const usage = { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output };
  if (d === 'embeddings') {
    return { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.125, -0.25, 0.5] }], model, usage: { prompt_tokens: u.input, total_tokens: u.input } };
  }
  if (d === 'completions') {
    return { id: 'cmpl-fault', object: 'text_completion', created: CREATED, model, choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }], usage };
  }
  return { id: 'chatcmpl-fault', object: 'chat.completion', created: CREATED, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage };
}

const OPENAI_ERRORS: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'invalid_request'],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'permission_denied'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};
const ANTHROPIC_ERRORS: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};

function errorBody(d: Dialect, status: number, f: Fault): unknown {
  const message = f.message ?? `Fault upstream error ${status}.`;
  if (d === 'messages') return { type: 'error', error: { type: f.code ?? ANTHROPIC_ERRORS[status] ?? 'api_error', message } };
  const [type, code] = OPENAI_ERRORS[status] ?? ['server_error', 'server_error'];
  return { error: { message, type: f.code === 'insufficient_quota' ? 'insufficient_quota' : type, param: null, code: f.code ?? code } };
}

function errorEvent(d: Dialect, f: Fault): string {
  const message = f.message ?? 'Fault upstream in-stream error.';
  if (d === 'messages') return sse({ type: 'error', error: { type: f.code ?? 'overloaded_error', message } }, 'error');
  return sse({ error: { message, type: 'server_error', param: null, code: f.code ?? 'server_error' } });
}

/** How a stream answer ends after its last write. */
export type StreamEnd = 'finish' | 'reset' | 'stall' | 'end';

/** What the stream writes, in order, and how it ends. */
export interface Script {
  readonly items: readonly string[];
  readonly end: StreamEnd;
}

/** The writes of a stream answer under `f`, one at a time; returns how it ends (what a fault does to the events). */
export function* streamWrites(d: Dialect, model: string, f: Fault): Generator<string, StreamEnd, undefined> {
  const parts = streamParts(d, model, f);
  let sent = 0;
  const at = (n: number | undefined): boolean => n !== undefined && sent === n;
  // After `sent` content events (0: after the preamble): what the fault does now, if anything.
  function* fault(): Generator<string, StreamEnd | null, undefined> {
    if (at(f.cutAfter)) return 'reset';
    if (at(f.stallAfter)) return 'stall';
    if (at(f.truncateAfter)) return 'end';
    if (at(f.errorEventAfter)) {
      yield errorEvent(d, f);
      return 'end';
    }
    if (at(f.malformedAfter)) yield 'data: {"choices": [ this is not json\n\n';
    return null;
  }
  yield* parts.preamble;
  let end = yield* fault();
  if (end !== null) return end;
  for (let i = 0; i < pieceCount(f); i++) {
    yield parts.content(pieceText(f, i));
    sent++;
    end = yield* fault();
    if (end !== null) return end;
  }
  yield* parts.finish;
  return 'finish';
}

/** streamWrites as a list (pure: for tests and short answers). */
export function streamScript(d: Dialect, model: string, f: Fault): Script {
  const items: string[] = [];
  const it = streamWrites(d, model, f);
  for (let r = it.next(); ; r = it.next()) {
    if (r.done === true) return { items, end: r.value };
    items.push(r.value);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The HTTP fake.

export interface FaultRequest {
  readonly path: string;
  readonly dialect: Dialect | null;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  readonly model: string;
  readonly stream: boolean;
  readonly fault: Fault;
  /** When the request arrived (performance.now()). */
  readonly at: number;
  /** Set when the client went away before the answer was complete (the gateway aborted the upstream call). */
  aborted: boolean;
  /** Set when the answer was written completely (or ended as the fault says). */
  finished: boolean;
}

export type FaultScript = (req: { readonly path: string; readonly model: string; readonly stream: boolean; readonly index: number; readonly headers: Readonly<Record<string, string | string[] | undefined>> }) => Fault | undefined;

export interface FaultUpstream {
  /** http://127.0.0.1:PORT/v1 — a Provider's baseURL. */
  readonly url: string;
  readonly origin: string;
  readonly requests: FaultRequest[];
  /** Requests to `model` so far. */
  count(model: string): number;
  /** Requests whose client went away before the answer was complete. */
  readonly aborts: number;
  /** Sockets open right now. */
  readonly openSockets: number;
  /** Requests whose answer is still being written. */
  readonly inFlight: number;
  setScript(fn: FaultScript | undefined): void;
  /** Forgets recorded requests and the script. */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startFaultUpstream(): Promise<FaultUpstream> {
  const requests: FaultRequest[] = [];
  const sockets = new Set<Socket>();
  let script: FaultScript | undefined;
  let aborts = 0;
  let inFlight = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readJson(req);
    const dialect = req.method === 'POST' ? dialectOf(path) : null;
    const model = isObj(body) && typeof body.model === 'string' ? body.model : '';
    const stream = isObj(body) && body.stream === true;
    const header = req.headers['x-fault'];
    const scripted = script?.({ path, model, stream, index: requests.length, headers: req.headers });
    const fault = scripted ?? (typeof header === 'string' ? parseFault(header) : model.startsWith('fault:') ? parseFault(model) : {});
    const rec: FaultRequest = { path, dialect, headers: req.headers, body, model, stream, fault, at: performance.now(), aborted: false, finished: false };
    requests.push(rec);
    inFlight++;
    let selfDestroyed = false;
    res.on('close', () => {
      inFlight--;
      if (!rec.finished && !selfDestroyed) {
        rec.aborted = true;
        aborts++;
      }
    });
    const gone = (): boolean => res.destroyed || rec.aborted;
    if (dialect === null) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: 'not_found' } }));
      rec.finished = true;
      return;
    }
    const f = fault;
    const headers: Record<string, string> = { ...(f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {}), ...(f.headers ?? {}) };
    if (f.headDelayMs !== undefined) await sleep(f.headDelayMs);
    if (gone()) return;
    if (f.status !== undefined && (f.status < 200 || f.status > 299)) {
      res.writeHead(f.status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(errorBody(dialect, f.status, f)));
      rec.finished = true;
      return;
    }
    if (f.garbage === true) {
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end('this is not json <html>');
      rec.finished = true;
      return;
    }
    if (!stream || f.jsonForStream === true || dialect === 'embeddings') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(jsonAnswer(dialect, model, f)));
      rec.finished = true;
      return;
    }
    const writes = streamWrites(dialect, model, f);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    res.flushHeaders();
    if (f.firstEventDelayMs !== undefined) await sleep(f.firstEventDelayMs);
    let end: StreamEnd;
    for (let i = 0; ; i++) {
      const r = writes.next();
      if (r.done === true) {
        end = r.value;
        break;
      }
      if (gone()) return;
      if (i > 0 && f.gapMs !== undefined) await sleep(f.gapMs);
      if (gone()) return;
      res.write(r.value);
    }
    if (end === 'finish' || end === 'end') {
      rec.finished = true;
      res.end();
    } else if (end === 'reset') {
      // Let the written events reach the peer first: an RST may discard data not yet read.
      await sleep(30);
      rec.finished = true;
      selfDestroyed = true;
      res.socket?.resetAndDestroy();
    }
    // 'stall': nothing more; the connection stays open until the client gives up.
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    count: (model) => requests.filter((r) => r.model === model).length,
    get aborts() {
      return aborts;
    },
    get openSockets() {
      return sockets.size;
    },
    get inFlight() {
      return inFlight;
    },
    setScript(fn) {
      script = fn;
    },
    reset() {
      requests.length = 0;
      aborts = 0;
      script = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// TCP-level faults.

export type TcpFault =
  /** Accept, read the request, write the first `afterBytes` bytes of a valid streamed answer, then RST. */
  | { readonly kind: 'reset'; readonly afterBytes: number }
  /** Like reset, at the end of the `afterContent`-th content event of the answer (computed per dialect). */
  | { readonly kind: 'reset-after-content'; readonly afterContent: number }
  /** Accept and never answer (not even a TLS handshake). */
  | { readonly kind: 'hang' }
  /** A valid streamed answer, `bytes` bytes (default 1) every `intervalMs`. */
  | { readonly kind: 'trickle'; readonly intervalMs: number; readonly bytes?: number }
  /** A JSON answer whose Content-Length is `missing` bytes (default 100) larger than the body; then the connection closes. */
  | { readonly kind: 'truncate'; readonly missing?: number }
  /** A JSON answer with `Content-Encoding: gzip` whose body inflates to `inflatedBytes` of zeros. */
  | { readonly kind: 'gzip-bomb'; readonly inflatedBytes: number }
  /** A chat JSON answer gzipped `layers` times over and announced so (`Content-Encoding: gzip, gzip, …`). */
  | { readonly kind: 'gzip-layers'; readonly layers: number }
  /** A valid answer preceded by one header line of `bytes` bytes. */
  | { readonly kind: 'huge-headers'; readonly bytes: number }
  /** A 200 JSON answer of `bytes` bytes of a JSON string (a huge body with an honest length). */
  | { readonly kind: 'huge-body'; readonly bytes: number };

export interface TcpFaultServer {
  /** http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Complete request heads (and bodies) received. */
  readonly requests: number;
  /** Sockets open right now. */
  readonly openSockets: number;
  close(): Promise<void>;
}

/** A loopback base URL nothing listens on (bound, then released): connections are refused. */
export async function refusedURL(): Promise<string> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

interface RawRequest {
  readonly path: string;
  readonly body: unknown;
}

/** Reads one HTTP/1.1 request (Content-Length or chunked body) from the socket's data. */
function readRawRequest(socket: Socket): Promise<RawRequest> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c]);
      const headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buf.subarray(0, headEnd).toString('latin1');
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '/';
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const rest = buf.subarray(headEnd + 4);
      let bodyText: string | null = null;
      if (cl !== null) {
        if (rest.length >= Number(cl[1])) bodyText = rest.subarray(0, Number(cl[1])).toString('utf8');
      } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
        if (rest.includes('0\r\n\r\n')) bodyText = dechunk(rest);
      } else bodyText = '';
      if (bodyText === null) return;
      socket.off('data', onData);
      let body: unknown;
      try {
        body = JSON.parse(bodyText) as unknown;
      } catch {
        body = undefined;
      }
      resolve({ path: path.split('?')[0] ?? '/', body });
    };
    socket.on('data', onData);
  });
}

function dechunk(b: Buffer): string {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const nl = b.indexOf('\r\n', i);
    if (nl < 0) break;
    const size = parseInt(b.subarray(i, nl).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(b.subarray(nl + 2, nl + 2 + size));
    i = nl + 2 + size + 2;
  }
  return Buffer.concat(out).toString('utf8');
}

function head(status: number, headers: Record<string, string>): string {
  return `HTTP/1.1 ${status} ${status === 200 ? 'OK' : 'Error'}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/**
 * A complete streamed answer as raw bytes, chunked as real servers send SSE (one chunk per event), and the offsets
 * where content events end.
 */
function rawStream(d: Dialect, model: string): { bytes: Buffer; contentEnds: number[] } {
  const sp = streamParts(d, model, {});
  const events = [...sp.preamble.map((text) => ({ text, content: false })), ...pieces({}).map((t) => ({ text: sp.content(t), content: true })), ...sp.finish.map((text) => ({ text, content: false }))];
  const parts: Buffer[] = [Buffer.from(head(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'transfer-encoding': 'chunked', connection: 'close' }))];
  let size = parts[0]?.length ?? 0;
  const contentEnds: number[] = [];
  for (const e of events) {
    const data = Buffer.from(e.text);
    const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
    parts.push(chunk);
    size += chunk.length;
    if (e.content) contentEnds.push(size);
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return { bytes: Buffer.concat(parts), contentEnds };
}

function rawJson(status: number, body: Buffer, headers: Record<string, string> = {}, length = body.length): Buffer {
  return Buffer.concat([Buffer.from(head(status, { 'content-type': 'application/json', 'content-length': String(length), connection: 'close', ...headers })), body]);
}

/** gzip of `n` zero bytes, compressed in pieces so the inflated size is never held in memory. */
async function gzipZeros(n: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((r) => gz.on('end', () => r()));
  const piece = Buffer.alloc(1024 * 1024);
  for (let left = n; left > 0; left -= piece.length) {
    if (!gz.write(left >= piece.length ? piece : piece.subarray(0, left))) await new Promise<void>((r) => gz.once('drain', () => r()));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

export async function startTcpFault(fault: TcpFault): Promise<TcpFaultServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let connections = 0;
  let requests = 0;
  const bomb = fault.kind === 'gzip-bomb' ? await gzipZeros(fault.inflatedBytes) : null;
  let layered: Buffer | null = null;
  if (fault.kind === 'gzip-layers') {
    layered = Buffer.from(JSON.stringify(jsonAnswer('chat', 'm', {})));
    for (let i = 0; i < fault.layers; i++) layered = gzipSync(layered, { level: 1 });
  }

  async function serve(socket: Socket): Promise<void> {
    if (fault.kind === 'hang') return; // read nothing, answer nothing
    const req = await readRawRequest(socket);
    requests++;
    const d = dialectOf(req.path) ?? 'chat';
    const model = isObj(req.body) && typeof req.body.model === 'string' ? req.body.model : 'm';
    const stream = isObj(req.body) && req.body.stream === true;
    const json = Buffer.from(JSON.stringify(jsonAnswer(d, model, {})));
    switch (fault.kind) {
      case 'reset':
      case 'reset-after-content': {
        const { bytes, contentEnds } = rawStream(d, model);
        const n = fault.kind === 'reset' ? fault.afterBytes : (contentEnds[fault.afterContent - 1] ?? bytes.length);
        socket.write(bytes.subarray(0, n));
        await sleep(30);
        socket.resetAndDestroy();
        return;
      }
      case 'trickle': {
        const bytes = stream ? rawStream(d, model).bytes : rawJson(200, json);
        const step = fault.bytes ?? 1;
        let i = 0;
        const t = setInterval(() => {
          if (socket.destroyed) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          socket.write(bytes.subarray(i, i + step));
          i += step;
          if (i >= bytes.length) {
            clearInterval(t);
            timers.delete(t);
            socket.end();
          }
        }, fault.intervalMs);
        timers.add(t);
        return;
      }
      case 'truncate':
        socket.end(rawJson(200, json, {}, json.length + (fault.missing ?? 100)));
        return;
      case 'gzip-bomb':
        socket.end(rawJson(200, bomb as Buffer, { 'content-encoding': 'gzip' }));
        return;
      case 'gzip-layers':
        socket.end(rawJson(200, layered as Buffer, { 'content-encoding': Array.from({ length: fault.layers }, () => 'gzip').join(', ') }));
        return;
      case 'huge-headers': {
        const big = `x-huge: ${'h'.repeat(fault.bytes)}\r\n`;
        const bytes = stream ? rawStream(d, model).bytes : rawJson(200, json);
        const at = bytes.indexOf('\r\n') + 2;
        socket.end(Buffer.concat([bytes.subarray(0, at), Buffer.from(big), bytes.subarray(at)]));
        return;
      }
      case 'huge-body': {
        socket.write(Buffer.from(head(200, { 'content-type': 'application/json', 'content-length': String(fault.bytes + 2), connection: 'close' })));
        socket.write('"');
        const piece = Buffer.alloc(64 * 1024, 'a');
        let left = fault.bytes;
        while (left > 0 && !socket.destroyed) {
          const p = left >= piece.length ? piece : piece.subarray(0, left);
          left -= p.length;
          if (!socket.write(p)) await new Promise<void>((r) => {
            socket.once('drain', () => r());
            socket.once('close', () => r());
          });
        }
        if (!socket.destroyed) socket.end('"');
        return;
      }
    }
  }

  const server: Server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serve(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    get openSockets() {
      return sockets.size;
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// TLS faults.

export type TlsFault = 'valid' | 'self-signed' | 'expired' | 'wrong-host' | 'tls1.0';

export interface TlsFaultServer {
  /** https://127.0.0.1:PORT/v1 */
  readonly url: string;
  /** The server's certificate (PEM), self-signed: trust it (tls.setDefaultCACertificates) to test what else is wrong. */
  readonly cert: string;
  /** Requests answered (a failed handshake never gets here). */
  readonly requests: number;
  close(): Promise<void>;
}

const CA_CONF = `[ ca ]
default_ca = d
[ d ]
dir = .
database = ./index.txt
new_certs_dir = .
serial = ./serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[ p ]
commonName = supplied
`;

/** A self-signed certificate for `host` (an IP SAN when it is one); `expired` dates it 2020-01-01 to 2020-01-02. */
export function makeCert(host: string, expired = false): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fault-tls-'));
  try {
    const san = /^[\d.]+$/.test(host) ? `IP:${host}` : `DNS:${host}`;
    const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    if (!expired) {
      run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=${san}`]);
    } else {
      writeFileSync(join(dir, 'ca.conf'), CA_CONF);
      writeFileSync(join(dir, 'index.txt'), '');
      writeFileSync(join(dir, 'serial'), '01\n');
      run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${host}`, '-addext', `subjectAltName=${san}`]);
      run(['ca', '-batch', '-config', 'ca.conf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-notext']);
    }
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTlsFault(kind: TlsFault): Promise<TlsFaultServer> {
  const { key, cert } = makeCert(kind === 'wrong-host' ? 'upstream.example.com' : '127.0.0.1', kind === 'expired');
  let requests = 0;
  const sockets = new Set<Socket>();
  const server = createHttpsServer({
    key, cert,
    ...(kind === 'tls1.0' ? { minVersion: 'TLSv1' as const, maxVersion: 'TLSv1' as const, ciphers: 'DEFAULT@SECLEVEL=0' } : {}),
  }, (req, res) => {
    void readJson(req).then((body) => {
      requests++;
      const d = dialectOf((req.url ?? '/').split('?')[0] ?? '/') ?? 'chat';
      const model = isObj(body) && typeof body.model === 'string' ? body.model : 'm';
      if (isObj(body) && body.stream === true && d !== 'embeddings') {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(streamScript(d, model, {}).items.join(''));
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jsonAnswer(d, model, {})));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    cert,
    get requests() {
      return requests;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
