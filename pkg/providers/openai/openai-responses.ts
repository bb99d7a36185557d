// The openai × openai-responses pair (native): Responses API stream events are forwarded as received. An event is
// JSON-parsed only before the first content event (to find it), and for the terminal events that carry usage or an
// error (response.completed / response.incomplete / response.failed / error). There is no [DONE]: a stream is
// complete once response.completed or response.incomplete arrived.
import { parseObject } from '../../json/object.ts';
import { createStreamTranslator, newStreamState } from '../stream-translator.ts';
import { UpstreamFailureError } from '../types.ts';
import type { StreamTranslator, UpstreamFailure, Usage } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createSseParser, encodeSseEvent } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { inBandFailure } from './errors.ts';
import { usageFromResponses } from './usage.ts';

const CONTENT_DELTAS = new Set([
  'response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta', 'response.reasoning_text.delta',
]);
const TERMINAL = new Set(['response.completed', 'response.incomplete']);

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
  const st = newStreamState();
  let usage: Usage | null = null;

  function onEvent(ev: SseEvent): void {
    if (st.done || st.inBand !== undefined) return;
    const named = ev.event;
    const mustParse = !st.content || named === '' || named === 'error' || named === 'response.failed' || TERMINAL.has(named);
    if (mustParse) {
      const obj = parseObject(ev.data);
      if (obj === null) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream event.' });
      const type = named !== '' ? named : typeof obj.type === 'string' ? obj.type : '';
      if (type === 'error' || type === 'response.failed') {
        st.inBand = failureOf(obj, ctx.provider);
        return;
      }
      if (TERMINAL.has(type)) {
        const r = obj.response;
        usage = usageFromResponses(typeof r === 'object' && r !== null ? (r as Record<string, unknown>).usage : undefined) ?? usage;
        st.done = true;
      }
      if (!st.content && isContent(type, obj)) st.content = true;
    }
    st.out += encodeSseEvent(ev);
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });
  return createStreamTranslator(st, {
    push: (chunk) => parser.push(chunk),
    end: () => parser.end(),
    usage: () => usage,
  });
}
