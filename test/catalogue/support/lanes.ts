// The client APIs the core serves, each as a "lane": the client API asked and the upstream family behind it (native
// or translated), spoken over raw HTTP so that statuses, envelopes and SSE bytes can be checked exactly. Every
// catalogue case runs over the lanes where it applies (table-driven); embeddings only where the case is not about
// streams.
import { eventually } from '../../proxy/harness.ts';
import type { Gateway } from '../../proxy/harness.ts';
import { sseEvents } from '../../support/sse-text.ts';

export type ClientApi = 'chat' | 'completions' | 'responses' | 'messages' | 'embeddings';
export type Upstream = 'oa' | 'ant';

export interface Lane {
  /** Short id, part of route names. */
  readonly id: string;
  readonly name: string;
  readonly api: ClientApi;
  /** The Provider family behind it: `oa` openai-compatible, `ant` anthropic. */
  readonly upstream: Upstream;
}

/** Every streaming-capable client API, native and translated. */
export const STREAM_LANES: readonly Lane[] = [
  { id: 'chat-oa', name: 'openai chat → openai-compatible (native)', api: 'chat', upstream: 'oa' },
  { id: 'chat-ant', name: 'openai chat → anthropic (translated)', api: 'chat', upstream: 'ant' },
  { id: 'cmpl-oa', name: 'openai completions → openai-compatible (native)', api: 'completions', upstream: 'oa' },
  { id: 'resp-oa', name: 'openai responses → openai-compatible (translated)', api: 'responses', upstream: 'oa' },
  { id: 'msg-ant', name: 'anthropic messages → anthropic (native)', api: 'messages', upstream: 'ant' },
  { id: 'msg-oa', name: 'anthropic messages → openai-compatible (translated)', api: 'messages', upstream: 'oa' },
];

export const EMBEDDINGS_LANE: Lane = { id: 'emb-oa', name: 'openai embeddings → openai-compatible (native)', api: 'embeddings', upstream: 'oa' };

/** Every lane, embeddings included: for cases decided before or without a stream. */
export const ALL_LANES: readonly Lane[] = [...STREAM_LANES, EMBEDDINGS_LANE];

/** The gateway model name of case `c` on lane `l`. */
export const modelOf = (c: string, l: Lane): string => `${c}.${l.id}`;

type Obj = Record<string, unknown>;

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly requestId: string | null;
  readonly contentType: string;
  readonly text: string;
  /** ms from sending the request to the end of the body. */
  readonly ms: number;
}

export interface AskOptions {
  readonly stream?: boolean;
  readonly prompt?: string;
  readonly key?: string;
  readonly signal?: AbortSignal;
}

export function requestOf(api: ClientApi, model: string, o: AskOptions = {}): { path: string; body: Obj; headers: Record<string, string> } {
  const prompt = o.prompt ?? 'hi';
  const stream = o.stream === true;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(o.key !== undefined ? { authorization: `Bearer ${o.key}` } : {}) };
  switch (api) {
    case 'chat':
      return { path: '/v1/chat/completions', headers, body: { model, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) } };
    case 'completions':
      return { path: '/v1/completions', headers, body: { model, prompt, max_tokens: 50, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) } };
    case 'responses':
      return { path: '/v1/responses', headers, body: { model, input: prompt, store: false, ...(stream ? { stream: true } : {}) } };
    case 'messages':
      return { path: '/v1/messages', headers: { ...headers, 'anthropic-version': '2023-06-01' }, body: { model, max_tokens: 100, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) } };
    case 'embeddings':
      return { path: '/v1/embeddings', headers, body: { model, input: prompt } };
  }
}

/** The API key the catalogue gateway accepts (support/world.ts). */
export const CATALOGUE_KEY = 'sk-swy-catalogue-5b7e2c9d1a3f4e60';

/** Asks the gateway in the lane's client dialect, with the catalogue's API key unless `o.key` says otherwise. */
export async function ask(gw: Gateway, api: ClientApi, model: string, o: AskOptions = {}): Promise<Answer> {
  const r = requestOf(api, model, { key: CATALOGUE_KEY, ...o });
  const t0 = performance.now();
  const res = await fetch(`${gw.origin}${r.path}`, { method: 'POST', headers: r.headers, body: JSON.stringify(r.body), ...(o.signal ? { signal: o.signal } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, requestId: res.headers.get('x-request-id'), contentType: res.headers.get('content-type') ?? '', text, ms: performance.now() - t0 };
}

const parse = (s: string): Obj => JSON.parse(s) as Obj;

/** The answer's text, from a non-stream body or a stream's deltas. */
export function answerText(api: ClientApi, a: Answer): string {
  if (!a.contentType.includes('event-stream')) {
    const b = parse(a.text);
    if (api === 'chat') return String(((b.choices as Obj[])[0]?.message as Obj).content);
    if (api === 'completions') return String((b.choices as Obj[])[0]?.text);
    if (api === 'messages') return (b.content as Obj[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
    if (api === 'embeddings') return String(((b.data as Obj[])[0]?.embedding as unknown[] | undefined)?.length ?? 0);
    return (b.output as Obj[]).flatMap((o) => (Array.isArray(o.content) ? (o.content as Obj[]) : [])).map((c) => String(c.text ?? '')).join('');
  }
  let text = '';
  for (const e of sseEvents(a.text)) {
    if (e.data === '[DONE]' || e.data === '') continue;
    const d = parse(e.data);
    const choice = (d.choices as Obj[] | undefined)?.[0];
    if (api === 'chat') text += String(((choice?.delta as Obj | undefined)?.content) ?? '');
    else if (api === 'completions') text += String(choice?.text ?? '');
    else if (api === 'messages' && d.type === 'content_block_delta' && (d.delta as Obj).type === 'text_delta') text += String((d.delta as Obj).text);
    else if (api === 'responses' && d.type === 'response.output_text.delta') text += String(d.delta);
  }
  return text;
}

/** True when a stream ended with the dialect's success terminator. */
export function endedWithSuccess(api: ClientApi, text: string): boolean {
  const last = sseEvents(text).at(-1);
  if (api === 'chat' || api === 'completions') return last?.data === '[DONE]';
  if (api === 'messages') return last?.event === 'message_stop';
  return last?.event === 'response.completed';
}

/** True when the stream holds a success terminator anywhere (there must be none after a failure). */
export function hasSuccessTerminator(api: ClientApi, text: string): boolean {
  return sseEvents(text).some((e) => (api === 'chat' || api === 'completions' ? e.data === '[DONE]' : api === 'messages' ? e.event === 'message_stop' : e.event === 'response.completed'));
}

/** The terminal error event of a stream in the client's dialect, if it ended with one. */
export function terminalError(api: ClientApi, text: string): Obj | null {
  const last = sseEvents(text).at(-1);
  if (last === undefined || last.data === '[DONE]') return null;
  let d: Obj;
  try {
    d = parse(last.data);
  } catch {
    return null;
  }
  if (api === 'chat' || api === 'completions') return typeof d.error === 'object' && d.error !== null ? (d.error as Obj) : null;
  if (api === 'messages') return last.event === 'error' && d.type === 'error' ? (d.error as Obj) : null;
  return last.event === 'error' && d.type === 'error' ? d : null;
}

/** Error events in the stream (there must be exactly one after a mid-stream failure). */
export function errorEventCount(api: ClientApi, text: string): number {
  return sseEvents(text).filter((e) => terminalError(api, `${e.event !== '' ? `event: ${e.event}\n` : ''}data: ${e.data}\n\n`) !== null).length;
}

/** The error of a non-stream error answer, in the client's envelope (checked here). */
export function errorOf(api: ClientApi, a: Answer): Obj {
  const b = parse(a.text);
  if (api === 'messages') {
    if (b.type !== 'error') throw new Error(`not an Anthropic error envelope: ${a.text}`);
    return b.error as Obj;
  }
  if (typeof b.error !== 'object' || b.error === null) throw new Error(`not an OpenAI error envelope: ${a.text}`);
  return b.error as Obj;
}

/** The access-log line of a request (waits for it: it is written when the response ends). */
export async function accessLine(gw: Gateway, requestId: string | null): Promise<Obj> {
  await eventually(() => gw.accessLines().some((l) => l.requestId === requestId));
  return gw.accessLines().find((l) => l.requestId === requestId) as Obj;
}

/** The stable error code of a failed request, from the access log (the Anthropic envelope carries only a type). */
export async function codeOf(gw: Gateway, a: Answer): Promise<unknown> {
  return (await accessLine(gw, a.requestId)).code;
}
