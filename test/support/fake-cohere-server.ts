// A fake Cohere upstream on a real loopback HTTP server, speaking the v2 API as Cohere's public documentation
// describes it: POST /v2/chat (JSON, or SSE when `stream: true`: message-start, content-start/-delta/-end,
// tool-plan-delta, tool-call-start/-delta/-end, message-end with finish_reason and usage), POST /v2/embed
// (embeddings by type), error bodies `{id, message}`, the key as `Authorization: Bearer <key>`.
// test/providers/fake-cohere-server.test.ts proves the wire format with the official `cohere-ai` SDK.
//
// Deterministic answers: text "Echo: <last user text>"; after a tool message "Echo: tool result: <its text>"; a
// tool plan and a call of the first tool when tools are given and the prompt mentions "tool" (or tool_choice is
// REQUIRED); a thinking item first when thinking is enabled; JSON text {"echo": <prompt>} for a json_object format.
// Usage: billed units ~4 characters a token, `tokens` adds 100 preamble tokens. Everything is overridable with
// setBehavior (text, tool calls, usage, finish reason, citations, HTTP errors, stream faults); requests are recorded.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendEvents, startLoopbackServer } from './fake-http.ts';
import { estimateTokens, isObj, sampleInput } from './message-text.ts';
import type { Obj } from './message-text.ts';

export { estimateTokens } from './message-text.ts';

export interface RecordedCohereRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: string;
  /** Parsed JSON, or undefined. */
  readonly body: unknown;
}

export interface CohereUsage {
  readonly billed_units?: { input_tokens?: number; output_tokens?: number };
  readonly tokens?: { input_tokens?: number; output_tokens?: number };
  readonly cached_tokens?: number;
}

export interface CohereBehavior {
  /** Answer with this HTTP status and body `{id, message}` (and these headers, e.g. retry-after). */
  readonly status?: number;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The answer's text instead of the echo. */
  readonly text?: string;
  /** Tool calls to make instead of the planned ones (arguments as JSON text). */
  readonly toolCalls?: readonly { readonly id: string; readonly name: string; readonly arguments: string }[];
  readonly toolPlan?: string;
  readonly finishReason?: string;
  readonly usage?: CohereUsage;
  /** Add a citation to the answer (and citation-start/-end events to the stream). */
  readonly citations?: boolean;
  /** Stream only: message-start, then message-end with finish_reason ERROR and this error text (nothing else). */
  readonly streamErrorBeforeContent?: string;
  /** Stream only: stop after this many events; `end` closes cleanly, `destroy` resets the socket. */
  readonly cutAfterEvents?: number;
  readonly cutMode?: 'end' | 'destroy';
  /** Stream only: rewrite the SSE text before sending; write it in pieces of `splitEvery` bytes. */
  readonly transform?: (sse: string) => string;
  readonly splitEvery?: number;
  /** Answer 200 with this exact body (and content type). */
  readonly rawBody?: string;
  readonly rawContentType?: string;
}

export interface FakeCohere {
  /** The API origin (what the SDK's `environment` / our Provider's baseURL take). */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedCohereRequest[];
  /** Applies to every following request until changed (undefined restores the defaults). */
  setBehavior(b: CohereBehavior | undefined): void;
  close(): Promise<void>;
}

export const PREAMBLE_TOKENS = 100;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c: unknown) => (isObj(c) && c.type === 'text' && typeof c.text === 'string' ? c.text : ''))
    .filter((s) => s !== '')
    .join(' ');
}

interface Plan {
  readonly thinking?: string;
  readonly text?: string;
  readonly toolPlan?: string;
  readonly toolCalls: readonly { readonly id: string; readonly name: string; readonly arguments: string }[];
  readonly finishReason: string;
  readonly usage: CohereUsage;
  readonly citations: boolean;
}

function plan(body: Obj, b: CohereBehavior | undefined): Plan {
  const messages = (Array.isArray(body.messages) ? body.messages : []).filter(isObj);
  const last = messages.at(-1);
  const prompt = textOf([...messages].reverse().find((m) => m.role === 'user')?.content);
  const tools = (Array.isArray(body.tools) ? body.tools : []).filter(isObj);
  const afterTool = last?.role === 'tool';
  const wantsTool = tools.length > 0 && body.tool_choice !== 'NONE' && !afterTool && (body.tool_choice === 'REQUIRED' || /\btool\b/i.test(prompt));
  const thinking = isObj(body.thinking) && body.thinking.type === 'enabled' ? `The user wrote: ${prompt}` : undefined;
  let toolCalls: Plan['toolCalls'] = [];
  let toolPlan: string | undefined;
  let text: string | undefined;
  if (b?.toolCalls !== undefined) {
    toolCalls = b.toolCalls;
    toolPlan = b.toolPlan;
  } else if (wantsTool) {
    const fn = isObj(tools[0]?.function) ? tools[0].function : {};
    const name = typeof fn.name === 'string' ? fn.name : 'tool';
    toolCalls = [{ id: `${name}_fake01`, name, arguments: JSON.stringify(sampleInput(fn.parameters)) }];
    toolPlan = b?.toolPlan ?? `I will use ${name}.`;
  } else if (b?.text !== undefined) text = b.text;
  else if (afterTool) text = `Echo: tool result: ${textOf(last.content)}`;
  else if (isObj(body.response_format) && body.response_format.type === 'json_object') text = JSON.stringify({ echo: prompt });
  else text = `Echo: ${prompt}`;
  const input = estimateTokens(JSON.stringify([messages, tools]));
  const output = estimateTokens([thinking ?? '', text ?? '', toolPlan ?? '', ...toolCalls.map((c) => c.arguments)].join(''));
  return {
    ...(thinking !== undefined ? { thinking } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(toolPlan !== undefined ? { toolPlan } : {}),
    toolCalls,
    finishReason: b?.finishReason ?? (toolCalls.length > 0 ? 'TOOL_CALL' : 'COMPLETE'),
    usage: b?.usage ?? { billed_units: { input_tokens: input, output_tokens: output }, tokens: { input_tokens: input + PREAMBLE_TOKENS, output_tokens: output + 2 } },
    citations: b?.citations === true,
  };
}

const CITATION = { start: 0, end: 4, text: 'Echo', sources: [{ type: 'document', id: 'doc-0', document: { text: 'Echo' } }], type: 'TEXT_CONTENT' };

function chatResponse(id: string, p: Plan): Obj {
  const content: Obj[] = [];
  if (p.thinking !== undefined) content.push({ type: 'thinking', thinking: p.thinking });
  if (p.text !== undefined) content.push({ type: 'text', text: p.text });
  const message: Obj = { role: 'assistant', content };
  if (p.toolPlan !== undefined) message.tool_plan = p.toolPlan;
  if (p.toolCalls.length > 0) message.tool_calls = p.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  if (p.citations) message.citations = [CITATION];
  return { id, finish_reason: p.finishReason, message, usage: p.usage };
}

function sse(type: string, payload: Obj): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

function pieces(s: string): string[] {
  return s.match(/\S+\s*|\s+/g) ?? [];
}

/** The SSE events of a planned answer, in the documented order. */
export function streamEvents(id: string, p: Plan): string[] {
  const events = [sse('message-start', { id, delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } })];
  let index = 0;
  if (p.thinking !== undefined) {
    events.push(sse('content-start', { index, delta: { message: { content: { type: 'thinking', thinking: '' } } } }));
    for (const t of pieces(p.thinking)) events.push(sse('content-delta', { index, delta: { message: { content: { thinking: t } } } }));
    events.push(sse('content-end', { index }));
    index += 1;
  }
  if (p.text !== undefined) {
    events.push(sse('content-start', { index, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const t of pieces(p.text)) events.push(sse('content-delta', { index, delta: { message: { content: { text: t } } } }));
    if (p.citations) {
      events.push(sse('citation-start', { index: 0, delta: { message: { citations: CITATION } } }));
      events.push(sse('citation-end', { index: 0 }));
    }
    events.push(sse('content-end', { index }));
  }
  if (p.toolPlan !== undefined) for (const t of pieces(p.toolPlan)) events.push(sse('tool-plan-delta', { delta: { message: { tool_plan: t } } }));
  p.toolCalls.forEach((c, i) => {
    events.push(sse('tool-call-start', { index: i, delta: { message: { tool_calls: { id: c.id, type: 'function', function: { name: c.name, arguments: '' } } } } }));
    const half = Math.floor(c.arguments.length / 2);
    for (const a of [c.arguments.slice(0, half), c.arguments.slice(half)]) {
      if (a !== '') events.push(sse('tool-call-delta', { index: i, delta: { message: { tool_calls: { function: { arguments: a } } } } }));
    }
    events.push(sse('tool-call-end', { index: i }));
  });
  events.push(sse('message-end', { delta: { finish_reason: p.finishReason, usage: p.usage } }));
  return events;
}

/** A deterministic unit-length-ish vector for a text (hash bytes scaled to [-1, 1]). */
export function fakeVector(text: string, dims: number): number[] {
  const out: number[] = [];
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; i < dims; i++) {
    if (i > 0 && i % block.length === 0) block = createHash('sha256').update(block).digest();
    out.push(Math.round(((block[i % block.length] as number) / 127.5 - 1) * 1e6) / 1e6);
  }
  return out;
}

const INPUT_TYPES = new Set(['search_document', 'search_query', 'classification', 'clustering', 'image']);

export async function startFakeCohere(opts: { apiKey?: string } = {}): Promise<FakeCohere> {
  const apiKey = opts.apiKey ?? 'co-test-key-1234';
  const requests: RecordedCohereRequest[] = [];
  let behavior: CohereBehavior | undefined;
  let counter = 0;

  function sendError(res: ServerResponse, status: number, message: string, headers: Readonly<Record<string, string>> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ id: `err-fake-${counter}`, message }));
  }

  function embed(res: ServerResponse, body: Obj): void {
    const texts = Array.isArray(body.texts) ? body.texts.filter((t): t is string => typeof t === 'string') : [];
    if (typeof body.model !== 'string' || texts.length === 0) return sendError(res, 400, 'invalid request: model and texts are required');
    if (typeof body.input_type !== 'string' || !INPUT_TYPES.has(body.input_type)) return sendError(res, 400, 'invalid request: input_type must be one of search_document, search_query, classification, clustering, image');
    const types = Array.isArray(body.embedding_types) ? body.embedding_types : ['float'];
    const dims = typeof body.output_dimension === 'number' ? body.output_dimension : 8;
    const embeddings: Obj = {};
    if (types.includes('float')) embeddings.float = texts.map((t) => fakeVector(`${body.input_type}:${t}`, dims));
    const tokens = texts.reduce((n, t) => n + estimateTokens(t), 0);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: `emb-fake-${counter}`, texts, embeddings, meta: { api_version: { version: '2' }, billed_units: { input_tokens: tokens } }, response_type: 'embeddings_by_type' }));
  }

  async function stream(res: ServerResponse, id: string, p: Plan, b: CohereBehavior | undefined): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let events = streamEvents(id, p);
    if (b?.streamErrorBeforeContent !== undefined) {
      events = [events[0]!, sse('message-end', { delta: { finish_reason: 'ERROR', error: b.streamErrorBeforeContent } })];
    }
    await sendEvents(res, events, b);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const { rawBody, body } = await readJsonBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push({ method: req.method ?? '', path, headers: req.headers, rawBody, body });
    if (req.method !== 'POST' || (path !== '/v2/chat' && path !== '/v2/embed')) return sendError(res, 404, `no route for ${req.method ?? ''} ${path}`);
    if (req.headers.authorization !== `Bearer ${apiKey}`) return sendError(res, 401, 'invalid api token');
    const b = behavior;
    if (b?.status !== undefined) {
      const headers = { ...(b.status === 429 ? { 'retry-after': '1' } : {}), ...b.headers };
      return sendError(res, b.status, b.message ?? `fake error ${b.status}`, headers);
    }
    if (b?.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': b.rawContentType ?? 'application/json' });
      return void res.end(b.rawBody);
    }
    if (!isObj(body)) return sendError(res, 400, 'invalid request: the body is not a JSON object');
    if (path === '/v2/embed') return embed(res, body);
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return sendError(res, 400, 'invalid request: model and messages are required');
    const p = plan(body, b);
    const id = `fake-chat-${counter}`;
    if (body.stream === true) return await stream(res, id, p, b);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(chatResponse(id, p)));
  }

  const http = await startLoopbackServer(handle);
  const url = http.origin;
  return {
    url,
    apiKey,
    requests,
    setBehavior(b) {
      behavior = b;
    },
    close() {
      return http.close();
    },
  };
}
