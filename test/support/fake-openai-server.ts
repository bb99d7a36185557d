// A scriptable fake OpenAI upstream on a real loopback HTTP server (catalogue §5.0 harness).
// The behavior function (setBehavior) or the model name selects the fault:
//   status-<code>          error JSON with that status (429 adds Retry-After: 1)
//   hang                   never answer            garbage   200 with a non-JSON body
//   reset-after-<n>        destroy the socket after n SSE events (non-stream: after half the body)
//   truncate-after-<n>     end cleanly after n SSE events, no [DONE]
//   slow-headers-<ms>      wait before the head    slow-chunks-<ms>  wait between writes
// POST /v1/responses and /v1/completions answer in OpenAI's shapes (fake-openai-apis.ts).
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { completionsBody, completionsEvents, responsesBody, responsesEvents } from './fake-openai-apis.ts';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body, or undefined when absent or not JSON. */
  readonly body: unknown;
  readonly rawBody: string;
}

export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

export interface Behavior {
  /** Non-2xx status answered with an OpenAI error JSON (or errorBody). */
  status?: number;
  /** Body for error statuses (object → JSON, string → raw). */
  errorBody?: unknown;
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
  /** Delay before the response head. */
  headersDelayMs?: number;
  /** Delay between writes of the body. */
  chunkDelayMs?: number;
  /** Content pieces: one SSE content chunk each (joined for non-stream). Default ['Hello', ' world', '!']. */
  content?: string[];
  /** Usage to report; null reports none. */
  usage?: FakeUsage | null;
  finishReason?: string;
  /** Split the whole SSE byte stream into writes of this many bytes, or at these byte offsets. */
  split?: number | number[];
  /** Destroy the socket after this many writes (events, or split pieces). */
  resetAfter?: number;
  /** End the response cleanly after this many writes, without the rest (and without [DONE]). */
  truncateAfter?: number;
  /** Send this exact body with status 200 (any content type). */
  rawBody?: string;
  rawContentType?: string;
  /** Insert these raw SSE events (full text, e.g. 'data: {"error":…}\n\n') after this many content chunks. */
  inject?: { after: number; text: string };
  /** Never answer. */
  hang?: boolean;
  /** Embedding dimensions. Default 3. */
  dimensions?: number;
  /** Chat: reasoning text sent before the content as `reasoning_content` (DeepSeek / vLLM style). */
  reasoning?: string;
  /** Chat: the field that carries `reasoning`. Default `reasoning_content`; `reasoning` is OpenRouter / Groq style. */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** Chat streams: usage in the finish chunk whether or not stream_options asked for it (Mistral / Fireworks style). */
  usageInFinishChunk?: boolean;
  /** Chat: answer with these tool calls (finish_reason tool_calls) instead of content. */
  toolCalls?: { id: string; name: string; arguments: string }[];
}

export type BehaviorFn = (req: RecordedRequest) => Behavior | undefined;

/**
 * A 2xx chat completion answer and the usage it carries — what a real provider would bill for it (D6 ledger
 * reconciliation). `delivered`: every byte was handed over (false when the fake reset or truncated it, or the client
 * went away first: the provider billed, the caller may never have seen the usage). Answers without usage (`usage:
 * null`) are not listed.
 */
export interface BilledAnswer {
  readonly model: string;
  readonly stream: boolean;
  readonly usage: FakeUsage;
  delivered: boolean;
}

export interface FakeOpenAI {
  /** e.g. http://127.0.0.1:PORT/v1 */
  readonly url: string;
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** 2xx chat completion answers with the usage they bill, in arrival order. */
  readonly billed: BilledAnswer[];
  /** Requests whose client went away before the response finished. */
  readonly aborted: number;
  /** Resolves at the next abort (or at once for an abort not yet awaited). */
  onAbort(): Promise<void>;
  setBehavior(fn: BehaviorFn | undefined): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export const FAKE_CREATED = 1735689600;

function behaviorFromModel(model: unknown): Behavior {
  if (typeof model !== 'string') return {};
  let m: RegExpMatchArray | null;
  if ((m = /^status-(\d{3})$/.exec(model))) {
    const status = Number(m[1]);
    return status === 429 ? { status, headers: { 'retry-after': '1' } } : { status };
  }
  if (model === 'hang') return { hang: true };
  if (model === 'garbage') return { rawBody: 'this is not json <html>', rawContentType: 'application/json' };
  if ((m = /^reset-after-(\d+)$/.exec(model))) return { resetAfter: Number(m[1]) };
  if ((m = /^truncate-after-(\d+)$/.exec(model))) return { truncateAfter: Number(m[1]) };
  if ((m = /^slow-headers-(\d+)$/.exec(model))) return { headersDelayMs: Number(m[1]) };
  if ((m = /^slow-chunks-(\d+)$/.exec(model))) return { chunkDelayMs: Number(m[1]) };
  return {};
}

const ERROR_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'invalid_request'],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', 'internal_error'],
  503: ['server_error', 'overloaded'],
};

function errorJson(status: number): string {
  const [type, code] = ERROR_TYPES[status] ?? ['server_error', 'error'];
  return JSON.stringify({ error: { message: `Fake upstream error ${status}.`, type, param: null, code } });
}

function defaultUsage(content: readonly string[]): FakeUsage {
  return {
    prompt_tokens: 11,
    completion_tokens: content.length,
    total_tokens: 11 + content.length,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** The SSE events of a chat stream, exactly as OpenAI frames them. */
export function sseEvents(model: string, b: Behavior, includeUsage: boolean): string[] {
  const content = b.content ?? ['Hello', ' world', '!'];
  const usage = b.usage === undefined ? defaultUsage(content) : b.usage;
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: FAKE_CREATED, model, system_fingerprint: null };
  const extra = includeUsage ? { usage: null } : {};
  const chunk = (delta: unknown, finish: string | null): string =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  if (b.reasoning !== undefined) events.push(chunk({ [b.reasoningField ?? 'reasoning_content']: b.reasoning }, null));
  b.toolCalls?.forEach((t, index) => {
    events.push(chunk({ tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }, null));
    events.push(chunk({ tool_calls: [{ index, function: { arguments: t.arguments } }] }, null));
  });
  if (b.toolCalls === undefined) content.forEach((c, i) => {
    if (b.inject !== undefined && b.inject.after === i) events.push(b.inject.text);
    events.push(chunk({ content: c }, null));
  });
  if (b.inject !== undefined && b.inject.after >= content.length) events.push(b.inject.text);
  const finish = b.finishReason ?? (b.toolCalls ? 'tool_calls' : 'stop');
  if (b.usageInFinishChunk === true && usage !== null) {
    events.push(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], usage })}\n\n`);
  } else events.push(chunk({}, finish));
  if (includeUsage && usage !== null && b.usageInFinishChunk !== true) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}

function completionBody(model: string, b: Behavior): string {
  const content = b.content ?? ['Hello', ' world', '!'];
  const usage = b.usage === undefined ? defaultUsage(content) : b.usage;
  return JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: FAKE_CREATED,
    model,
    choices: [{
      index: 0, logprobs: null, finish_reason: b.finishReason ?? (b.toolCalls ? 'tool_calls' : 'stop'),
      message: b.toolCalls
        ? { role: 'assistant', content: null, refusal: null, tool_calls: b.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } })) }
        : { role: 'assistant', content: content.join(''), refusal: null, ...(b.reasoning === undefined ? {} : { [b.reasoningField ?? 'reasoning_content']: b.reasoning }) },
    }],
    ...(usage === null ? {} : { usage }),
    system_fingerprint: null,
  });
}

function embeddingsBody(body: Record<string, unknown>, dims: number): string {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return JSON.stringify({
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: Array.from({ length: dims }, (_v, i) => (index + 1) * 0.001 * (i + 1)) })),
    model: body.model,
    usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
  });
}

/** Splits bytes into pieces: fixed size, or at explicit offsets. */
export function splitBytes(buf: Buffer, split: number | number[]): Buffer[] {
  const cuts = typeof split === 'number' ? [] : [...split].sort((a, b) => a - b);
  if (typeof split === 'number') for (let o = split; o < buf.length; o += Math.max(1, split)) cuts.push(o);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) {
    if (c <= prev || c >= buf.length) continue;
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Responses the server itself reset: not client aborts. */
const selfReset = new WeakSet<ServerResponse>();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function writePieces(res: ServerResponse, pieces: Buffer[], b: Behavior): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    if (b.resetAfter !== undefined && i >= b.resetAfter) {
      selfReset.add(res);
      res.socket?.destroy();
      return;
    }
    if (b.truncateAfter !== undefined && i >= b.truncateAfter) break;
    if (res.destroyed) return;
    if (i > 0 && (b.chunkDelayMs ?? 0) > 0) await sleep(b.chunkDelayMs ?? 0);
    // Wait until the piece is handed to the kernel, so a later reset cannot swallow it.
    await new Promise<void>((resolve) => res.write(pieces[i], () => resolve()));
  }
  res.end();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export async function startFakeOpenAI(opts: { behavior?: BehaviorFn } = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const billed: BilledAnswer[] = [];
  let behaviorFn: BehaviorFn | undefined = opts.behavior;
  let aborted = 0;
  let unseenAborts = 0;
  let connections = 0;
  let closing = false;
  const waiters: (() => void)[] = [];
  const sockets = new Set<Socket>();

  function noteAbort(): void {
    aborted++;
    const w = waiters.shift();
    if (w !== undefined) w();
    else unseenAborts++;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body, rawBody };
    requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished && !closing && !selfReset.has(res)) noteAbort();
    });
    const obj = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const b: Behavior = { ...behaviorFromModel(obj.model), ...behaviorFn?.(rec) };
    if (b.hang === true) return;
    if ((b.headersDelayMs ?? 0) > 0) await sleep(b.headersDelayMs ?? 0);
    if (res.destroyed) return;
    await respond(rec, obj, b, res);
  }

  /** Lists a 2xx chat answer's usage as billed; delivered once the whole response was handed over. */
  function bill(res: ServerResponse, model: string, stream: boolean, b: Behavior): void {
    const usage = b.usage === undefined ? defaultUsage(b.content ?? ['Hello', ' world', '!']) : b.usage;
    if (usage === null) return;
    const entry: BilledAnswer = { model, stream, usage, delivered: false };
    billed.push(entry);
    res.on('finish', () => {
      entry.delivered = b.truncateAfter === undefined && !selfReset.has(res);
    });
  }

  async function respond(rec: RecordedRequest, obj: Record<string, unknown>, b: Behavior, res: ServerResponse): Promise<void> {
    const headers = { 'x-request-id': 'upstream-req-1', ...b.headers };
    const model = typeof obj.model === 'string' ? obj.model : 'unknown';
    if (b.status !== undefined && b.status >= 300) {
      const text = b.errorBody === undefined ? errorJson(b.status) : typeof b.errorBody === 'string' ? b.errorBody : JSON.stringify(b.errorBody);
      res.writeHead(b.status, { 'content-type': 'application/json', ...headers }).end(text);
      return;
    }
    if (rec.method === 'GET' && rec.path === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: FAKE_CREATED, owned_by: 'fake' }] }));
      return;
    }
    if (b.rawBody !== undefined) {
      res.writeHead(b.status ?? 200, { 'content-type': b.rawContentType ?? 'text/plain', ...headers });
      await writePieces(res, splitBytes(Buffer.from(b.rawBody), b.split ?? Number.MAX_SAFE_INTEGER), b);
      return;
    }
    if (rec.method === 'POST' && (rec.path === '/v1/responses' || rec.path === '/v1/completions')) {
      const responses = rec.path === '/v1/responses';
      if (obj.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(responses ? responsesBody(obj) : completionsBody(obj));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
      await writePieces(res, (responses ? responsesEvents(obj) : completionsEvents(obj)).map((e) => Buffer.from(e)), b);
      return;
    }
    if (rec.method !== 'POST' || (rec.path !== '/v1/chat/completions' && rec.path !== '/v1/embeddings')) {
      res.writeHead(404, { 'content-type': 'application/json', ...headers }).end(errorJson(404));
      return;
    }
    if (rec.path === '/v1/embeddings') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(embeddingsBody(obj, b.dimensions ?? 3));
      return;
    }
    if (obj.stream !== true) {
      bill(res, model, false, b);
      const text = Buffer.from(completionBody(model, b));
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      const pieces = b.resetAfter !== undefined ? splitBytes(text, Math.ceil(text.length / 2)) : splitBytes(text, b.split ?? text.length);
      await writePieces(res, pieces, b);
      return;
    }
    const so = obj.stream_options;
    const includeUsage = typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true;
    bill(res, model, true, b);
    const events = sseEvents(model, b, includeUsage);
    const pieces = b.split === undefined ? events.map((e) => Buffer.from(e)) : splitBytes(Buffer.from(events.join('')), b.split);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    res.flushHeaders();
    await writePieces(res, pieces, b);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    billed,
    get aborted() {
      return aborted;
    },
    get connections() {
      return connections;
    },
    onAbort() {
      if (unseenAborts > 0) {
        unseenAborts--;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    setBehavior(fn) {
      behaviorFn = fn;
    },
    async close() {
      closing = true;
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
