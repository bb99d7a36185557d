// Provider side: Cohere Chat v2 SSE bytes → canonical stream events. Byte-split independent (the SSE parser keeps
// partial lines as bytes; all other state is per stream).
//
// message-start → `start`; content-start/-delta/-end → a text or thinking block; tool-plan-delta → a text block
// (the text a Cohere model writes before calling tools), closed when a content item or tool call starts;
// tool-call-start/-delta/-end → a tool_use block with its argument fragments. Cohere numbers content items and tool
// calls apart; blocks are renumbered in start order. message-end closes open blocks, then gives `finish`, `usage`
// (billed units, see decode-response.ts) and `done` — or, with finish_reason ERROR / TIMEOUT (or an `error` text), an
// in-band `error` instead, so a failure before the first content fails over. citation-start/-end (citations have no
// canonical form), debug events and a `data: [DONE]` line are ignored. A JSON object without a known `type` that
// carries a `message` is an error Cohere wrote into the stream.
import type { StreamDecoder } from '../../canonical/codec.ts';
import type { StreamError, StreamEvent } from '../../canonical/types.ts';
import { createSseParser, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { holdFailureAfterEvents } from '../../stream/held-failure.ts';
import { canonicalStopReason, canonicalUsage, finishFailure, invalid, isObj } from './decode-response.ts';

type Obj = Readonly<Record<string, unknown>>;

export interface CohereStreamDecoderOptions {
  /** Makes upstream error text safe for the client (the adapter binds the provider's sanitiser). */
  readonly sanitize?: (message: string) => string;
  /** Cap on one upstream event (default 1 MiB). */
  readonly maxEventBytes?: number;
}

const MAX_MESSAGE = 1024;

function message(o: Obj | undefined): Obj | undefined {
  const d = isObj(o?.delta) ? o.delta : undefined;
  return isObj(d?.message) ? d.message : undefined;
}

/** Kind of an error Cohere wrote into a stream, from its words (there is no type field). */
function kindOfText(text: string): StreamError['kind'] {
  if (/rate limit|too many requests/i.test(text)) return 'rate_limited';
  if (/invalid api token|unauthori[sz]ed|forbidden/i.test(text)) return 'auth';
  return 'server';
}

export function createStreamDecoder(opts: CohereStreamDecoderOptions = {}): StreamDecoder {
  const sanitize = opts.sanitize ?? ((s: string) => s.slice(0, MAX_MESSAGE));
  let out: StreamEvent[] = [];
  let started = false;
  let ended = false;
  let nextIndex = 0;
  const contentBlocks = new Map<number, { index: number; kind: 'text' | 'thinking' }>();
  const toolBlocks = new Map<number, number>();
  let planIndex: number | undefined;
  const open = new Set<number>();

  function start(id: string): void {
    if (started) return;
    started = true;
    out.push({ type: 'start', id, model: '' });
  }

  function openBlock(block: Extract<StreamEvent, { type: 'block_start' }>['block']): number {
    start('');
    const index = nextIndex++;
    open.add(index);
    out.push({ type: 'block_start', index, block });
    return index;
  }

  function stop(index: number | undefined): void {
    if (index === undefined || !open.delete(index)) return;
    out.push({ type: 'block_stop', index });
  }

  function closePlan(): void {
    stop(planIndex);
    planIndex = undefined;
  }

  function contentBlock(i: number, kind: 'text' | 'thinking'): { index: number; kind: 'text' | 'thinking' } {
    const known = contentBlocks.get(i);
    if (known !== undefined) return known;
    closePlan();
    const b = { index: openBlock({ type: kind }), kind };
    contentBlocks.set(i, b);
    return b;
  }

  function contentDelta(i: number, c: Obj): void {
    const kind = contentBlocks.get(i)?.kind ?? (typeof c.thinking === 'string' && c.thinking !== '' ? 'thinking' : 'text');
    const b = contentBlock(i, kind);
    const t = b.kind === 'thinking' ? c.thinking : c.text;
    if (typeof t === 'string' && t !== '') out.push({ type: b.kind === 'thinking' ? 'thinking_delta' : 'text_delta', index: b.index, text: t });
  }

  function toolStart(i: number, call: Obj): void {
    closePlan();
    const fn = isObj(call.function) ? call.function : {};
    if (typeof call.id !== 'string' || typeof fn.name !== 'string') invalid('The upstream sent a tool call without an id or name.');
    const index = openBlock({ type: 'tool_use', id: call.id, name: fn.name });
    toolBlocks.set(i, index);
    if (typeof fn.arguments === 'string' && fn.arguments !== '') out.push({ type: 'tool_input_delta', index, json: fn.arguments });
  }

  function inBandError(error: StreamError): void {
    for (const i of [...open].sort((a, b) => a - b)) stop(i);
    ended = true;
    out.push({ type: 'error', error });
  }

  function messageEnd(data: Obj): void {
    const d = isObj(data.delta) ? data.delta : {};
    const errText = typeof d.error === 'string' && d.error !== '' ? sanitize(d.error) : undefined;
    const failure = finishFailure(d.finish_reason, errText) ?? (errText !== undefined ? finishFailure('ERROR', errText) : null);
    if (failure !== null) {
      const kind = failure.kind === 'timeout' ? 'timeout' : 'server';
      inBandError({ kind, upstreamType: failure.upstreamCode ?? 'ERROR', message: failure.message ?? 'The upstream stream failed.' });
      return;
    }
    start(typeof data.id === 'string' ? data.id : '');
    for (const i of [...open].sort((a, b) => a - b)) stop(i);
    planIndex = undefined;
    out.push({ type: 'finish', stopReason: canonicalStopReason(d.finish_reason) });
    const usage = canonicalUsage(d.usage);
    if (usage !== null) out.push({ type: 'usage', usage });
    ended = true;
    out.push({ type: 'done' });
  }

  function onEvent(e: SseEvent): void {
    if (ended) return;
    if (e.data.trim() === '[DONE]') return;
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch (err) {
      invalid(`The upstream sent an event that is not JSON (${e.event || 'unnamed'}).`, err);
    }
    if (!isObj(data)) invalid('The upstream sent an event that is not a JSON object.');
    const type = typeof data.type === 'string' ? data.type : e.event;
    const i = typeof data.index === 'number' ? data.index : 0;
    const msg = message(data);
    switch (type) {
      case 'message-start':
        start(typeof data.id === 'string' ? data.id : '');
        return;
      case 'content-start': {
        const c = isObj(msg?.content) ? msg.content : {};
        contentBlock(i, c.type === 'thinking' ? 'thinking' : 'text');
        contentDelta(i, c);
        return;
      }
      case 'content-delta':
        if (isObj(msg?.content)) contentDelta(i, msg.content);
        return;
      case 'content-end':
        stop(contentBlocks.get(i)?.index);
        return;
      case 'tool-plan-delta': {
        const plan = msg?.tool_plan;
        if (typeof plan !== 'string' || plan === '') return;
        planIndex ??= openBlock({ type: 'text' });
        out.push({ type: 'text_delta', index: planIndex, text: plan });
        return;
      }
      case 'tool-call-start':
        if (isObj(msg?.tool_calls)) toolStart(i, msg.tool_calls);
        return;
      case 'tool-call-delta': {
        const index = toolBlocks.get(i);
        const fn = isObj(msg?.tool_calls) && isObj(msg.tool_calls.function) ? msg.tool_calls.function : undefined;
        if (index !== undefined && typeof fn?.arguments === 'string' && fn.arguments !== '') out.push({ type: 'tool_input_delta', index, json: fn.arguments });
        return;
      }
      case 'tool-call-end':
        stop(toolBlocks.get(i));
        return;
      case 'message-end':
        messageEnd(data);
        return;
      default:
        // citation-start/-end, debug and event types added later carry nothing canonical; an object without a type
        // that carries a message is an error written into the stream.
        if (typeof data.type !== 'string' && typeof data.message === 'string') {
          const text = sanitize(data.message);
          inBandError({ kind: kindOfText(text), message: text });
        }
    }
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });

  function drain(): StreamEvent[] {
    const events = out;
    out = [];
    return events;
  }

  const guarded = holdFailureAfterEvents(drain, (err) => (err instanceof SseEventTooLargeError ? tooLarge(err) : err));

  function tooLarge(err: SseEventTooLargeError): unknown {
    try {
      return invalid(`The upstream sent an event larger than ${err.limit} bytes.`, err);
    } catch (e) {
      return e;
    }
  }

  return {
    push: (chunk) => guarded(() => parser.push(chunk)),
    end: () => guarded(() => parser.end()),
  };
}
