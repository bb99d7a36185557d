// OpenAI chat SSE (provider side) → canonical stream events. Block indexes are given in the order blocks first
// appear: reasoning text (`reasoning_content` / `reasoning`, see reasoningText) opens a thinking block, `content` and `refusal` a text
// block, each tool call index a tool_use block. All open blocks stop before `finish`; usage reported before the
// finish chunk is held until after it. `[DONE]` without a finish chunk still finishes (end_turn) before `done`.
// The decoder keeps per-stream state only: the same events come out for any split of the bytes.
import type { StreamDecoder } from '../../canonical/codec.ts';
import type { CanonicalUsage, StopReason, StreamEvent } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import { createSseParser, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { holdFailureAfterEvents } from '../../stream/held-failure.ts';
import { defaultSanitize, invalidUpstream, isErrorBody, streamErrorOf } from './provider-response.ts';
import type { Sanitize } from './provider-response.ts';
import { canonicalUsage, stopReasonOf } from './shared.ts';

type Obj = Record<string, unknown>;

export interface ChatStreamDecoderOptions {
  readonly sanitize?: Sanitize;
  /** Cap on one upstream event (default 1 MiB). */
  readonly maxEventBytes?: number;
}

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/**
 * A delta's reasoning text: `reasoning_content` (DeepSeek, vLLM, SGLang) or `reasoning` (OpenRouter, Groq, Ollama),
 * whichever is a non-empty string (servers that send both carry the same text: it is taken once).
 */
function reasoningText(delta: Obj): string | undefined {
  for (const v of [delta.reasoning_content, delta.reasoning]) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

function parse(data: string): Obj {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch (err) {
    throw invalidUpstream('The upstream provider sent an invalid stream event.', err);
  }
  const o = obj(v);
  if (o === undefined) throw invalidUpstream('The upstream provider sent an invalid stream event.');
  return o;
}

export function createChatStreamDecoder(opts: ChatStreamDecoderOptions = {}): StreamDecoder {
  const sanitize = opts.sanitize ?? defaultSanitize;
  let out: StreamEvent[] = [];
  let started = false;
  let finished = false;
  let stopped = false; // [DONE] or an in-band error: later events are ignored
  let refusal = false;
  let nextIndex = 0;
  let textIndex: number | undefined;
  let thinkingIndex: number | undefined;
  const tools = new Map<number | string, number>();
  let lastToolKey: number | string | undefined;
  const open: number[] = [];
  let heldUsage: CanonicalUsage | null = null;

  function openBlock(ev: Extract<StreamEvent, { type: 'block_start' }>['block']): number {
    const index = nextIndex++;
    open.push(index);
    out.push({ type: 'block_start', index, block: ev });
    return index;
  }

  function text(s: string): void {
    textIndex ??= openBlock({ type: 'text' });
    out.push({ type: 'text_delta', index: textIndex, text: s });
  }

  function toolDelta(raw: unknown): void {
    const call = obj(raw);
    if (call === undefined) throw invalidUpstream('The upstream provider sent a malformed tool call delta.');
    const fn = obj(call.function);
    const id = typeof call.id === 'string' && call.id !== '' ? call.id : undefined;
    let key: number | string | undefined = typeof call.index === 'number' ? call.index : id;
    if (key === undefined || (typeof key === 'string' && !tools.has(key) && lastToolKey !== undefined && id === undefined)) key = lastToolKey;
    if (key === undefined) key = 0;
    let index = tools.get(key);
    if (index === undefined) {
      const name = typeof fn?.name === 'string' ? fn.name : '';
      index = openBlock({ type: 'tool_use', id: id ?? `call_${tools.size}`, name });
      tools.set(key, index);
    }
    lastToolKey = key;
    const args = fn?.arguments;
    if (typeof args === 'string' && args !== '') out.push({ type: 'tool_input_delta', index, json: args });
  }

  function finish(reason: StopReason): void {
    for (const index of open) out.push({ type: 'block_stop', index });
    open.length = 0;
    finished = true;
    out.push({ type: 'finish', stopReason: refusal ? 'refusal' : reason });
    if (heldUsage !== null) out.push({ type: 'usage', usage: heldUsage });
    heldUsage = null;
  }

  function chunk(c: Obj): void {
    if (!started) {
      started = true;
      const start: { type: 'start'; id: string; model: string; created?: number } = {
        type: 'start',
        id: typeof c.id === 'string' ? c.id : '',
        model: typeof c.model === 'string' ? c.model : '',
      };
      if (typeof c.created === 'number') start.created = c.created;
      out.push(start);
    }
    const choice = Array.isArray(c.choices) ? obj(c.choices.find((ch) => obj(ch)?.index === 0 || obj(ch)?.index === undefined)) : undefined;
    const delta = obj(choice?.delta);
    if (delta !== undefined && !finished) {
      const reasoning = reasoningText(delta);
      if (reasoning !== undefined) {
        thinkingIndex ??= openBlock({ type: 'thinking' });
        out.push({ type: 'thinking_delta', index: thinkingIndex, text: reasoning });
      }
      if (typeof delta.content === 'string' && delta.content !== '') text(delta.content);
      if (typeof delta.refusal === 'string' && delta.refusal !== '') {
        refusal = true;
        text(delta.refusal);
      }
      if (Array.isArray(delta.tool_calls)) for (const t of delta.tool_calls) toolDelta(t);
    }
    const reason = choice?.finish_reason;
    if (typeof reason === 'string' && !finished) finish(stopReasonOf(reason));
    const usage = canonicalUsage(c.usage);
    if (usage !== null) {
      if (finished) out.push({ type: 'usage', usage });
      else heldUsage = usage;
    }
  }

  function onEvent(ev: SseEvent): void {
    if (stopped) return;
    if (ev.data === '[DONE]') {
      stopped = true;
      if (!finished) finish('end_turn');
      out.push({ type: 'done' });
      return;
    }
    const c = parse(ev.data);
    if (ev.event === 'error' || isErrorBody(c)) {
      stopped = true;
      out.push({ type: 'error', error: streamErrorOf(c, sanitize) });
      return;
    }
    chunk(c);
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });

  function fail(err: unknown): UpstreamFailureError {
    if (err instanceof UpstreamFailureError) return err;
    if (err instanceof SseEventTooLargeError) return invalidUpstream(`The upstream provider sent a stream event larger than ${err.limit} bytes.`, err);
    return invalidUpstream('The upstream provider sent an invalid stream.', err);
  }

  function drain(): StreamEvent[] {
    const events = out;
    out = [];
    return events;
  }

  /** Events decoded so far; after a failure they are returned first and the failure is thrown on the next call. */
  const run = holdFailureAfterEvents(drain, fail);

  return {
    push: (bytes) => run(() => parser.push(bytes)),
    end: () => run(() => parser.end()),
  };
}
