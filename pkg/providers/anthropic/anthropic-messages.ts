// The anthropic × anthropic-messages pair (native): answers and SSE events pass through as received. Usage is read
// from message_start / message_delta (cache read and write included), `event: error` is an in-band failure and
// message_stop the success terminator. An event is JSON-parsed only before the first content event (message_start
// and ping are not content; a text/thinking/partial_json delta is recognised by a substring scan, without a parse)
// and for the events that carry usage or an error.
import { canonicalUsage, mergeUsage } from '../../dialects/anthropic-messages/decode-response.ts';
import type { UsageTotals } from '../../dialects/anthropic-messages/decode-response.ts';
import { streamErrorKind } from '../../dialects/anthropic-messages/errors.ts';
import { parseObject } from '../../json/object.ts';
import { createSseParser, encodeSseEvent } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import type { TableProvider } from '../../table/types.ts';
import { sanitizeMessage } from '../openai/errors.ts';
import { createStreamTranslator, newStreamState } from '../stream-translator.ts';
import { UpstreamFailureError } from '../types.ts';
import type { StreamTranslator, TranslatedResponse, UpstreamFailure, Usage } from '../types.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

function toUsage(t: UsageTotals): Usage {
  const c = canonicalUsage(t);
  return { ...c, totalTokens: c.inputTokens + c.outputTokens };
}

function newTotals(): UsageTotals {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, thinking: undefined };
}

/** An Anthropic `{type:"error",error:{type,message}}` as a failure (message sanitised). */
export function anthropicInBand(body: Obj | null, provider: TableProvider): UpstreamFailure {
  const e = obj(body?.error);
  const type = typeof e?.type === 'string' ? e.type : 'api_error';
  const message = typeof e?.message === 'string' && e.message !== '' ? sanitizeMessage(e.message, provider) : undefined;
  return { kind: streamErrorKind(type), upstreamCode: type, ...(message === undefined ? {} : { message }) };
}

/** A complete 2xx Messages body: passed through, usage extracted. */
export function anthropicNativeResponse(provider: TableProvider, body: Uint8Array): TranslatedResponse {
  const parsed = parseObject(new TextDecoder().decode(body));
  if (parsed === null) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent a response that is not a JSON object.' });
  if (parsed.type === 'error') throw new UpstreamFailureError(anthropicInBand(parsed, provider));
  if (!Array.isArray(parsed.content) && parsed.type !== undefined && parsed.input_tokens === undefined) {
    throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent a response without "content".' });
  }
  const u = obj(parsed.usage);
  if (u === null) return { body, usage: null };
  const t = newTotals();
  mergeUsage(t, u);
  return { body, usage: toUsage(t) };
}

function isContent(type: string, data: Obj): boolean {
  if (type === 'content_block_start') {
    const block = obj(data.content_block);
    const bt = block?.type;
    return bt === 'tool_use' || bt === 'server_tool_use' || bt === 'redacted_thinking' || (bt === 'text' && typeof block?.text === 'string' && block.text !== '');
  }
  if (type !== 'content_block_delta') return false;
  const d = obj(data.delta);
  if (d === null) return false;
  for (const k of ['text', 'thinking', 'partial_json', 'citation']) {
    const v = d[k];
    if ((typeof v === 'string' && v !== '') || obj(v) !== null) return true;
  }
  return false;
}

const DELTA_KEYS = ['"text":"', '"thinking":"', '"partial_json":"'];

/**
 * True when a content_block_delta's data opens a non-empty text, thinking or partial_json string (a key after `{`
 * or `,`, so not escaped text inside a string): content, known without JSON.parse. False means "parse to know".
 */
export function deltaHasContent(data: string): boolean {
  for (const k of DELTA_KEYS) {
    const at = data.indexOf(k);
    if (at <= 0) continue;
    const before = data.charCodeAt(at - 1);
    if ((before === 123 || before === 44) && data.charCodeAt(at + k.length) !== 34) return true;
  }
  return false;
}

export function createAnthropicStreamTranslator(provider: TableProvider, opts: { readonly maxEventBytes?: number } = {}): StreamTranslator {
  const st = newStreamState();
  let sawUsage = false;
  const totals = newTotals();

  function onEvent(ev: SseEvent): void {
    if (st.done || st.inBand !== undefined) return;
    const named = ev.event;
    if (!st.content && named === 'content_block_delta' && deltaHasContent(ev.data)) {
      // The first content: a delta carries neither usage nor an error, so it needs no parse.
      st.content = true;
      st.out += encodeSseEvent(ev);
      return;
    }
    if (!st.content || named === '' || named === 'message_start' || named === 'message_delta' || named === 'error') {
      const data = parseObject(ev.data);
      if (data === null) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream event.' });
      const type = named !== '' ? named : typeof data.type === 'string' ? data.type : '';
      if (type === 'error') {
        st.inBand = anthropicInBand(data, provider);
        return;
      }
      const u = type === 'message_start' ? obj(obj(data.message)?.usage) : type === 'message_delta' ? obj(data.usage) : null;
      if (u !== null) {
        mergeUsage(totals, u);
        sawUsage = true;
      }
      if (type === 'message_stop') {
        st.done = true;
      }
      if (!st.content && isContent(type, data)) st.content = true;
    } else if (named === 'message_stop') {
      st.done = true;
    }
    st.out += encodeSseEvent(ev);
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });
  return createStreamTranslator(st, {
    push: (chunk) => parser.push(chunk),
    end: () => parser.end(),
    usage: () => (sawUsage ? toUsage(totals) : null),
  });
}
