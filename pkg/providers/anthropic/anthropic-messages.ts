// The anthropic × anthropic-messages pair (native): answers and SSE events pass through as received. Usage is read
// from message_start / message_delta (cache read and write included), `event: error` is an in-band failure and
// message_stop the success terminator. An event is JSON-parsed only before the first content event (message_start
// and ping are not content; a text/thinking/partial_json delta is recognised by a substring scan, without a parse)
// and for the events that carry usage or an error.
import { canonicalUsage, mergeUsage } from '../../dialects/anthropic-messages/decode-response.ts';
import type { UsageTotals } from '../../dialects/anthropic-messages/decode-response.ts';
import { streamErrorKind } from '../../dialects/anthropic-messages/errors.ts';
import { createSseParser, encodeSseEvent, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import type { TableProvider } from '../../table/types.ts';
import { sanitizeMessage } from '../openai/errors.ts';
import { UpstreamFailureError } from '../types.ts';
import type { StreamEndResult, StreamTranslator, TranslatedResponse, UpstreamFailure, Usage } from '../types.ts';

type Obj = Record<string, unknown>;

function parseObject(text: string): Obj | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
  } catch {
    return null;
  }
}

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
  let out = '';
  let started = false;
  let content = false;
  let done = false;
  let sawUsage = false;
  const totals = newTotals();
  let inBand: UpstreamFailure | undefined;
  let fatal: UpstreamFailureError | undefined;

  function onEvent(ev: SseEvent): void {
    if (done || inBand !== undefined) return;
    const named = ev.event;
    if (!content && named === 'content_block_delta' && deltaHasContent(ev.data)) {
      // The first content: a delta carries neither usage nor an error, so it needs no parse.
      content = true;
      out += encodeSseEvent(ev);
      return;
    }
    if (!content || named === '' || named === 'message_start' || named === 'message_delta' || named === 'error') {
      const data = parseObject(ev.data);
      if (data === null) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream event.' });
      const type = named !== '' ? named : typeof data.type === 'string' ? data.type : '';
      if (type === 'error') {
        inBand = anthropicInBand(data, provider);
        return;
      }
      const u = type === 'message_start' ? obj(obj(data.message)?.usage) : type === 'message_delta' ? obj(data.usage) : null;
      if (u !== null) {
        mergeUsage(totals, u);
        sawUsage = true;
      }
      if (type === 'message_stop') {
        done = true;
      }
      if (!content && isContent(type, data)) content = true;
    } else if (named === 'message_stop') {
      done = true;
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

  const usage = (): Usage | null => (sawUsage ? toUsage(totals) : null);

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
      if (fatal !== undefined) return { tail: '', outcome: 'truncated', usage: usage(), error: fatal.failure };
      const tail = take();
      if (inBand !== undefined) return { tail, outcome: 'truncated', usage: usage(), error: inBand };
      return { tail, outcome: done ? 'complete' : 'truncated', usage: usage() };
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
