// The openai × openai-responses pair (native): Responses API stream events are forwarded as received. An event is
// JSON-parsed only before the first content event (to find it), and for the terminal events that carry usage or an
// error (response.completed / response.incomplete / response.failed / error). There is no [DONE]: a stream is
// complete once response.completed or response.incomplete arrived.
import { UpstreamFailureError } from '../types.ts';
import type { StreamEndResult, StreamTranslator, UpstreamFailure, Usage } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createSseParser, encodeSseEvent, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { inBandFailure } from './errors.ts';
import { usageFromResponses } from './usage.ts';

const CONTENT_DELTAS = new Set([
  'response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta', 'response.reasoning_text.delta',
]);
const TERMINAL = new Set(['response.completed', 'response.incomplete']);

function parseObject(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function isContent(type: string, obj: Record<string, unknown>): boolean {
  if (CONTENT_DELTAS.has(type)) return typeof obj.delta === 'string' && obj.delta !== '';
  if (type === 'response.output_item.added') {
    const item = obj.item;
    return typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'function_call';
  }
  return false;
}

/** The failure of a response.failed / error event. */
function failureOf(obj: Record<string, unknown>, provider: TableProvider): UpstreamFailure {
  const resp = obj.response;
  const inner = typeof resp === 'object' && resp !== null ? (resp as Record<string, unknown>).error : obj.error;
  const source = typeof inner === 'object' && inner !== null ? { error: inner } : { error: obj };
  return inBandFailure(source, provider);
}

export function createResponsesStreamTranslator(ctx: { readonly provider: TableProvider }, opts: { readonly maxEventBytes?: number } = {}): StreamTranslator {
  let out = '';
  let started = false;
  let content = false;
  let done = false;
  let usage: Usage | null = null;
  let inBand: UpstreamFailure | undefined;
  let fatal: UpstreamFailureError | undefined;

  function onEvent(ev: SseEvent): void {
    if (done || inBand !== undefined) return;
    const named = ev.event;
    const mustParse = !content || named === '' || named === 'error' || named === 'response.failed' || TERMINAL.has(named);
    if (mustParse) {
      const obj = parseObject(ev.data);
      if (obj === null) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream event.' });
      const type = named !== '' ? named : typeof obj.type === 'string' ? obj.type : '';
      if (type === 'error' || type === 'response.failed') {
        inBand = failureOf(obj, ctx.provider);
        return;
      }
      if (TERMINAL.has(type)) {
        const r = obj.response;
        usage = usageFromResponses(typeof r === 'object' && r !== null ? (r as Record<string, unknown>).usage : undefined) ?? usage;
        done = true;
      }
      if (!content && isContent(type, obj)) content = true;
    }
    out += encodeSseEvent(ev);
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });

  function fail(err: unknown): UpstreamFailureError {
    if (err instanceof UpstreamFailureError) return err;
    if (err instanceof SseEventTooLargeError) return new UpstreamFailureError({ kind: 'invalid', message: `The upstream provider sent a stream event larger than ${err.limit} bytes.` }, err);
    return new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream.' }, err);
  }

  function take(): string {
    const s = out;
    out = '';
    if (s !== '') started = true;
    return s;
  }

  return {
    push(chunk: Uint8Array): string {
      if (fatal !== undefined) throw fatal;
      try {
        parser.push(chunk);
      } catch (err) {
        fatal = fail(err);
        if (out === '') throw fatal;
      }
      return take();
    },
    end(): StreamEndResult {
      if (fatal === undefined) {
        try {
          parser.end();
        } catch (err) {
          fatal = fail(err);
        }
      }
      if (fatal !== undefined) return { tail: '', outcome: 'truncated', usage, error: fatal.failure };
      const tail = take();
      if (inBand !== undefined) return { tail, outcome: 'truncated', usage, error: inBand };
      return { tail, outcome: done ? 'complete' : 'truncated', usage };
    },
    get started() {
      return started;
    },
    get contentSeen() {
      return content;
    },
    get inBandError() {
      return inBand;
    },
  };
}
