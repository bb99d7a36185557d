// Client API × upstream pairs for the catalogue cases (B9, B12, B14), spoken over raw HTTP so that envelopes,
// status codes and SSE bytes can be checked exactly: how to ask in each client dialect, how to read the answer's
// text and usage, how a success stream ends and how a terminal error looks.
import { eventually } from '../../proxy/harness.ts';
import type { Gateway } from '../../proxy/harness.ts';
import { KEY, MODELS } from '../../support/gateway-world.ts';
import { sseEvents } from '../../support/sse-text.ts';
import type { SseEvent } from '../../support/sse-text.ts';

export type ClientApi = 'chat' | 'messages' | 'responses';

export interface Pair {
  readonly name: string;
  readonly api: ClientApi;
  /** The model asked for (the world's route). */
  readonly model: string;
  readonly upstream: 'ant' | 'oa';
}

export const PAIRS: readonly Pair[] = [
  { name: 'openai-chat → anthropic', api: 'chat', model: MODELS.anthropic, upstream: 'ant' },
  { name: 'anthropic-messages → openai-compatible', api: 'messages', model: MODELS.openaiCompat, upstream: 'oa' },
  { name: 'openai-responses → anthropic', api: 'responses', model: MODELS.anthropic, upstream: 'ant' },
  { name: 'anthropic-messages → anthropic (native)', api: 'messages', model: MODELS.anthropic, upstream: 'ant' },
];

type Obj = Record<string, unknown>;

export interface Answer {
  readonly status: number;
  readonly requestId: string | null;
  readonly contentType: string;
  readonly text: string;
}

export async function ask(gw: Gateway, api: ClientApi, model: string, prompt: string, stream: boolean): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };
  let path: string;
  let body: Obj;
  if (api === 'chat') {
    path = '/v1/chat/completions';
    body = { model, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
  } else if (api === 'messages') {
    path = '/v1/messages';
    headers['anthropic-version'] = '2023-06-01';
    body = { model, max_tokens: 100, messages: [{ role: 'user', content: prompt }], ...(stream ? { stream: true } : {}) };
  } else {
    path = '/v1/responses';
    body = { model, input: prompt, store: false, ...(stream ? { stream: true } : {}) };
  }
  const res = await fetch(`${gw.origin}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, requestId: res.headers.get('x-request-id'), contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

export { sseEvents };
export type { SseEvent };

const parse = (s: string): Obj => JSON.parse(s) as Obj;

/** The answer's text, from a non-stream body or a stream's deltas. */
export function answerText(api: ClientApi, a: Answer): string {
  if (!a.contentType.includes('event-stream')) {
    const b = parse(a.text);
    if (api === 'chat') return String(((b.choices as Obj[])[0]?.message as Obj).content);
    if (api === 'messages') return (b.content as Obj[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
    return (b.output as Obj[]).flatMap((o) => (Array.isArray(o.content) ? (o.content as Obj[]) : [])).map((c) => String(c.text ?? '')).join('');
  }
  let text = '';
  for (const e of sseEvents(a.text)) {
    if (e.data === '[DONE]' || e.data === '') continue;
    const d = parse(e.data);
    if (api === 'chat') text += String((((d.choices as Obj[] | undefined)?.[0]?.delta as Obj | undefined)?.content) ?? '');
    else if (api === 'messages' && d.type === 'content_block_delta' && (d.delta as Obj).type === 'text_delta') text += String((d.delta as Obj).text);
    else if (api === 'responses' && d.type === 'response.output_text.delta') text += String(d.delta);
  }
  return text;
}

/** True when a stream ended with the dialect's success terminator. */
export function endedWithSuccess(api: ClientApi, text: string): boolean {
  const last = sseEvents(text).at(-1);
  if (api === 'chat') return last?.data === '[DONE]';
  if (api === 'messages') return last?.event === 'message_stop';
  return last?.event === 'response.completed';
}

/** The terminal error event of a stream in the client's dialect, if it ended with one. */
export function terminalError(api: ClientApi, text: string): Obj | null {
  const last = sseEvents(text).at(-1);
  if (last === undefined || last.data === '[DONE]') return null;
  const d = parse(last.data);
  if (api === 'chat') return typeof d.error === 'object' && d.error !== null ? (d.error as Obj) : null;
  if (api === 'messages') return last.event === 'error' && d.type === 'error' ? (d.error as Obj) : null;
  return last.event === 'error' && d.type === 'error' ? d : null;
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

export async function accessLine(gw: Gateway, requestId: string | null): Promise<Obj> {
  await eventually(() => gw.accessLines().some((l) => l.requestId === requestId));
  return gw.accessLines().find((l) => l.requestId === requestId) as Obj;
}
