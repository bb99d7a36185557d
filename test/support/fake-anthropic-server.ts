// A fake Anthropic upstream on a real loopback HTTP server, speaking the Messages API as Anthropic's public
// documentation describes it (POST /v1/messages non-stream and SSE, POST /v1/messages/count_tokens, the
// {type:"error",error:{type,message}} envelope, the key in x-api-key (or Authorization: Bearer, as the official SDK
// 1.x sends it) and a required anthropic-version header). test/providers/
// fake-anthropic-server.test.ts proves the wire format by pointing the official @anthropic-ai/sdk at it.
//
// Deterministic answers: text "Echo: <last user text>"; a tool_use block of the first tool (or the forced one) when
// tools are given and the prompt mentions "tool" (or tool_choice is any/tool); a thinking block first when thinking
// is enabled. Usage counts ~4 characters a token; a request with cache_control reports its cacheable prefix as a
// cache write the first time and as a cache read afterwards.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendEvents, startLoopbackServer } from './fake-http.ts';
import { estimateTokens, isObj, sampleInput } from './message-text.ts';
import type { Obj } from './message-text.ts';

export { estimateTokens } from './message-text.ts';

export interface RecordedAnthropicRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: string;
  /** Parsed JSON, or undefined. */
  readonly body: unknown;
}

export interface AnthropicFault {
  /** Answer with this status and an Anthropic error body. */
  readonly status?: number;
  readonly errorType?: string;
  readonly message?: string;
  /** Extra response headers (e.g. retry-after, anthropic-ratelimit-*). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Stream only: message_start, then an in-band overloaded_error event, then the end. */
  readonly overloadedBeforeContent?: boolean;
  /** Stream only: stop after this many events; `end` closes cleanly, `destroy` resets the socket. */
  readonly cutAfterEvents?: number;
  readonly cutMode?: 'end' | 'destroy';
  /** Report this usage instead of the estimate (B14 transcripts). */
  readonly usage?: Plan['usage'];
  /** Stream only: message_start reports zero usage; message_delta carries all of it (cumulative, as newer APIs do). */
  readonly usageOnlyInDelta?: boolean;
  /** Answer 200 with this exact body (and content type) instead of a planned answer (B9). */
  readonly rawBody?: string;
  readonly rawContentType?: string;
  /** Stream only: rewrite the SSE text before sending (e.g. CRLF line endings, garbage lines). */
  readonly transform?: (sse: string) => string;
  /** Stream only: write the SSE text in pieces of this many bytes, waiting gapMs between them (and between events cut short). */
  readonly splitEvery?: number;
  readonly gapMs?: number;
}

export interface FakeAnthropic {
  /** Base URL including /v1, e.g. http://127.0.0.1:1234/v1. */
  readonly url: string;
  /** Origin without /v1 (what the SDK's baseURL takes). */
  readonly origin: string;
  readonly apiKey: string;
  readonly requests: RecordedAnthropicRequest[];
  /** Applies to every following request until changed (undefined clears it). */
  setFault(fault: AnthropicFault | undefined): void;
  close(): Promise<void>;
}

export const ERROR_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error', 401: 'authentication_error', 402: 'billing_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 504: 'timeout_error', 529: 'overloaded_error',
};

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((b: unknown) => {
      if (!isObj(b)) return '';
      if (b.type === 'text' && typeof b.text === 'string') return b.text;
      if (b.type === 'tool_result') return `tool result: ${textOf(b.content)}`;
      return '';
    })
    .filter((s) => s !== '')
    .join(' ');
}

function hasCacheControl(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasCacheControl);
  if (!isObj(v)) return false;
  return v.cache_control !== undefined || Object.values(v).some(hasCacheControl);
}

interface Plan {
  readonly blocks: Obj[];
  readonly stopReason: string;
  readonly usage: { input_tokens: number; output_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number };
}

function plan(body: Obj, seenPrefixes: Set<string>): Plan {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m: unknown) => isObj(m) && m.role === 'user') as Obj | undefined;
  const prompt = last === undefined ? '' : textOf(last.content);
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]).filter(isObj) : [];
  const choice = isObj(body.tool_choice) ? body.tool_choice : undefined;
  const isToolResult = last !== undefined && Array.isArray(last.content) && last.content.some((b: unknown) => isObj(b) && b.type === 'tool_result');
  const wantsTool = tools.length > 0 && choice?.type !== 'none' && !isToolResult && (choice?.type === 'any' || choice?.type === 'tool' || /\btool\b/i.test(prompt));
  const blocks: Obj[] = [];
  if (isObj(body.thinking) && body.thinking.type === 'enabled') {
    blocks.push({ type: 'thinking', thinking: `The user wrote: ${prompt}`, signature: `sig-${Buffer.from(prompt).toString('base64').slice(0, 16)}` });
  }
  if (wantsTool) {
    const tool = (choice?.type === 'tool' ? tools.find((t) => t.name === choice.name) : undefined) ?? tools[0]!;
    blocks.push({ type: 'tool_use', id: `toolu_fake_${String(tool.name)}`, name: tool.name, input: sampleInput(tool.input_schema) });
  } else {
    blocks.push({ type: 'text', text: `Echo: ${prompt}` });
  }
  const promptText = JSON.stringify([body.system ?? '', messages, body.tools ?? []]);
  const total = estimateTokens(promptText);
  let cacheWrite = 0;
  let cacheRead = 0;
  if (hasCacheControl([body.system, body.tools, messages])) {
    const prefix = JSON.stringify([body.system ?? '', body.tools ?? []]);
    const cached = Math.min(total - 1, estimateTokens(prefix));
    if (seenPrefixes.has(prefix)) cacheRead = cached;
    else cacheWrite = cached;
    seenPrefixes.add(prefix);
  }
  const output = blocks.reduce((n, b) => n + estimateTokens(JSON.stringify(b)), 0);
  return {
    blocks,
    stopReason: wantsTool ? 'tool_use' : 'end_turn',
    usage: { input_tokens: total - cacheWrite - cacheRead, output_tokens: output, cache_creation_input_tokens: cacheWrite, cache_read_input_tokens: cacheRead },
  };
}

function sse(type: string, payload: Obj): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

/** The SSE events of a planned answer, in the documented order (with one ping after message_start). */
export function streamEvents(id: string, model: string, p: Plan, usageOnlyInDelta = false): string[] {
  const startUsage = usageOnlyInDelta ? { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } : { ...p.usage, output_tokens: 1 };
  const events = [sse('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: startUsage } }), sse('ping', {})];
  p.blocks.forEach((b, index) => {
    if (b.type === 'text') {
      events.push(sse('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const piece of String(b.text).match(/\S+\s*|\s+/g) ?? []) events.push(sse('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    } else if (b.type === 'thinking') {
      events.push(sse('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }));
      events.push(sse('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } }));
      events.push(sse('content_block_delta', { index, delta: { type: 'signature_delta', signature: b.signature } }));
    } else {
      events.push(sse('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }));
      const json = JSON.stringify(b.input);
      const half = Math.floor(json.length / 2);
      events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } }));
      events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } }));
      events.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(half) } }));
    }
    events.push(sse('content_block_stop', { index }));
  });
  events.push(sse('message_delta', { delta: { stop_reason: p.stopReason, stop_sequence: null }, usage: usageOnlyInDelta ? p.usage : { output_tokens: p.usage.output_tokens } }));
  events.push(sse('message_stop', {}));
  return events;
}

export async function startFakeAnthropic(opts: { apiKey?: string } = {}): Promise<FakeAnthropic> {
  const apiKey = opts.apiKey ?? 'sk-ant-test';
  const requests: RecordedAnthropicRequest[] = [];
  const seenPrefixes = new Set<string>();
  let fault: AnthropicFault | undefined;
  let counter = 0;

  function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Readonly<Record<string, string>> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${counter}`, ...headers });
    res.end(JSON.stringify({ type: 'error', error: { type, message } }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const { rawBody, body } = await readJsonBody(req);
    const path = (req.url ?? '').split('?')[0] ?? '';
    requests.push({ method: req.method ?? '', path, headers: req.headers, rawBody, body });
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) return sendError(res, 404, 'not_found_error', 'Not found');
    // Anthropic's documented scheme is x-api-key; the official SDK (1.x) sends the key as Authorization: Bearer.
    if (req.headers['x-api-key'] !== apiKey && req.headers.authorization !== `Bearer ${apiKey}`) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    if (typeof req.headers['anthropic-version'] !== 'string') return sendError(res, 400, 'invalid_request_error', 'anthropic-version: header is required');
    const f = fault;
    if (f?.status !== undefined) {
      const headers = { ...(f.status === 429 ? { 'retry-after': '1' } : {}), ...f.headers };
      return sendError(res, f.status, f.errorType ?? ERROR_TYPE_BY_STATUS[f.status] ?? 'api_error', f.message ?? `fake error ${f.status}`, headers);
    }
    if (!isObj(body) || typeof body.model !== 'string' || !Array.isArray(body.messages)) return sendError(res, 400, 'invalid_request_error', 'model and messages are required');
    const planned = plan(body, seenPrefixes);
    const p = f?.usage === undefined ? planned : { ...planned, usage: f.usage };
    if (f?.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': f.rawContentType ?? 'application/json', 'request-id': `req_fake_${counter}` });
      return void res.end(f.rawBody);
    }
    if (path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${counter}` });
      return void res.end(JSON.stringify({ input_tokens: p.usage.input_tokens + p.usage.cache_creation_input_tokens + p.usage.cache_read_input_tokens }));
    }
    if (typeof body.max_tokens !== 'number') return sendError(res, 400, 'invalid_request_error', 'max_tokens: Field required');
    const id = `msg_fake_${counter}`;
    if (body.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_fake_${counter}` });
      return void res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model: body.model, content: p.blocks, stop_reason: p.stopReason, stop_sequence: null, usage: p.usage }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_fake_${counter}` });
    let events = streamEvents(id, body.model, p, f?.usageOnlyInDelta === true);
    if (f?.overloadedBeforeContent === true) events = [events[0]!, sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })];
    await sendEvents(res, events, f);
  }

  const http = await startLoopbackServer(handle);
  const origin = http.origin;
  return {
    url: `${origin}/v1`,
    origin,
    apiKey,
    requests,
    setFault(f) {
      fault = f;
    },
    close() {
      return http.close();
    },
  };
}
