// Provider side: Anthropic SSE bytes → canonical stream events. Byte-split independent (the SSE parser keeps partial
// lines as bytes). `ping` is ignored; an in-band `error` event (e.g. overloaded_error) becomes a canonical `error`;
// message_stop becomes `done`. Block indexes are renumbered in start order over the blocks we translate, so an
// unknown block type (server tool blocks) is skipped with its deltas without leaving a gap.
import type { StreamDecoder } from '../../canonical/codec.ts';
import type { StreamEvent } from '../../canonical/types.ts';
import { createSseParser, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { holdFailureAfterEvents } from '../../stream/held-failure.ts';
import { canonicalStopReason, canonicalUsage, invalid, isObj, mergeUsage } from './decode-response.ts';
import type { UsageTotals } from './decode-response.ts';
import { streamErrorKind } from './errors.ts';

const MAX_ERROR_MESSAGE = 1024;

export function createStreamDecoder(opts: { readonly maxEventBytes?: number } = {}): StreamDecoder {
  let out: StreamEvent[] = [];
  const indexes = new Map<number, number>();
  let nextIndex = 0;
  const totals: UsageTotals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, thinking: undefined };
  let finished = false;

  function blockStart(index: number, b: Readonly<Record<string, unknown>>): void {
    let ev: StreamEvent | null = null;
    const i = nextIndex;
    if (b.type === 'text') ev = { type: 'block_start', index: i, block: { type: 'text' } };
    else if (b.type === 'thinking') ev = { type: 'block_start', index: i, block: { type: 'thinking' } };
    else if (b.type === 'redacted_thinking' && typeof b.data === 'string') ev = { type: 'block_start', index: i, block: { type: 'redacted_thinking', data: b.data } };
    else if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') ev = { type: 'block_start', index: i, block: { type: 'tool_use', id: b.id, name: b.name } };
    if (ev === null) return;
    indexes.set(index, i);
    nextIndex += 1;
    out.push(ev);
    // A block may start with content already in it (documented as empty, kept if not).
    if (b.type === 'text' && typeof b.text === 'string' && b.text !== '') out.push({ type: 'text_delta', index: i, text: b.text });
    if (b.type === 'thinking' && typeof b.thinking === 'string' && b.thinking !== '') out.push({ type: 'thinking_delta', index: i, text: b.thinking });
    if (b.type === 'tool_use' && isObj(b.input) && Object.keys(b.input).length > 0) out.push({ type: 'tool_input_delta', index: i, json: JSON.stringify(b.input) });
  }

  function delta(i: number, d: Readonly<Record<string, unknown>>): void {
    if (d.type === 'text_delta' && typeof d.text === 'string') out.push({ type: 'text_delta', index: i, text: d.text });
    else if (d.type === 'thinking_delta' && typeof d.thinking === 'string') out.push({ type: 'thinking_delta', index: i, text: d.thinking });
    else if (d.type === 'signature_delta' && typeof d.signature === 'string') out.push({ type: 'signature_delta', index: i, signature: d.signature });
    else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string') {
      if (d.partial_json !== '') out.push({ type: 'tool_input_delta', index: i, json: d.partial_json });
    }
    // citations_delta and future delta types carry nothing canonical.
  }

  function onEvent(e: SseEvent): void {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      invalid(`The upstream sent an event that is not JSON (${e.event || 'unnamed'}).`);
    }
    if (!isObj(data)) invalid('The upstream sent an event that is not a JSON object.');
    const type = typeof data.type === 'string' ? data.type : e.event;
    switch (type) {
      case 'message_start': {
        const m = isObj(data.message) ? data.message : {};
        out.push({ type: 'start', id: typeof m.id === 'string' ? m.id : '', model: typeof m.model === 'string' ? m.model : '' });
        if (isObj(m.usage)) {
          mergeUsage(totals, m.usage);
          out.push({ type: 'usage', usage: canonicalUsage(totals) });
        }
        return;
      }
      case 'content_block_start':
        if (typeof data.index === 'number' && isObj(data.content_block)) blockStart(data.index, data.content_block);
        return;
      case 'content_block_delta': {
        const i = typeof data.index === 'number' ? indexes.get(data.index) : undefined;
        if (i !== undefined && isObj(data.delta)) delta(i, data.delta);
        return;
      }
      case 'content_block_stop': {
        const i = typeof data.index === 'number' ? indexes.get(data.index) : undefined;
        if (i !== undefined) out.push({ type: 'block_stop', index: i });
        return;
      }
      case 'message_delta': {
        const d = isObj(data.delta) ? data.delta : {};
        if (d.stop_reason !== undefined && d.stop_reason !== null && !finished) {
          finished = true;
          out.push({ type: 'finish', stopReason: canonicalStopReason(d.stop_reason), ...(typeof d.stop_sequence === 'string' ? { stopSequence: d.stop_sequence } : {}) });
        }
        if (isObj(data.usage)) {
          mergeUsage(totals, data.usage);
          out.push({ type: 'usage', usage: canonicalUsage(totals) });
        }
        return;
      }
      case 'message_stop':
        out.push({ type: 'done' });
        return;
      case 'error': {
        const err = isObj(data.error) ? data.error : {};
        const upstreamType = typeof err.type === 'string' ? err.type : 'api_error';
        const message = typeof err.message === 'string' && err.message !== '' ? err.message.slice(0, MAX_ERROR_MESSAGE) : 'The upstream stream failed.';
        out.push({ type: 'error', error: { kind: streamErrorKind(upstreamType), upstreamType, message } });
        return;
      }
      default:
        return; // ping and event types added later
    }
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });

  function drain(): StreamEvent[] {
    const events = out;
    out = [];
    return events;
  }

  const guarded = holdFailureAfterEvents(drain, (err) => (err instanceof SseEventTooLargeError ? tooLarge() : err));

  function tooLarge(): unknown {
    try {
      return invalid('The upstream sent an event larger than the limit.');
    } catch (e) {
      return e;
    }
  }

  return {
    push: (chunk) => guarded(() => parser.push(chunk)),
    end: () => guarded(() => parser.end()),
  };
}
