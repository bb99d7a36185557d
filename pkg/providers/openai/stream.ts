// Stream translation for OpenAI-dialect upstreams (chat and legacy completions): a passthrough at the event level.
// Each upstream event is re-encoded as-is; a chunk is JSON-parsed only when a cheap string check says it may carry
// usage or an error, or — until the first content event (design §3, honest streams) and only when a substring scan
// cannot tell (openAIContentHint) — to tell content from a role-only head.
import { parseObject } from '../../json/object.ts';
import { createStreamTranslator, newStreamState } from '../stream-translator.ts';
import { UpstreamFailureError } from '../types.ts';
import type { StreamTranslator, Usage } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createSseParser, encodeSseData, encodeSseEvent } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { inBandFailure } from './errors.ts';
import { usageFromOpenAI } from './usage.ts';

export interface StreamTranslatorOptions {
  /** Cap on one upstream event. Default 1 MiB. */
  readonly maxEventBytes?: number;
}

export const DONE_EVENT = 'data: [DONE]\n\n';

/** True when `"usage"` is followed by an object (OpenAI sends `"usage":null` on every chunk once usage is requested). */
function hasUsageObject(data: string): boolean {
  const at = data.lastIndexOf('"usage"');
  if (at === -1) return false;
  let i = skipSpace(data, at + 7);
  if (data.charCodeAt(i) !== 58) return false;
  i = skipSpace(data, i + 1);
  return data.charCodeAt(i) === 123;
}

function skipSpace(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 32 || c === 9 || c === 10 || c === 13) c = s.charCodeAt(++i);
  return i;
}

function looksLikeObject(data: string): boolean {
  if (data.charCodeAt(0) === 123 && data.charCodeAt(data.length - 1) === 125) return true;
  const t = data.trim();
  return t.startsWith('{') && t.endsWith('}');
}

function isErrorObject(obj: Record<string, unknown> | null): boolean {
  return obj !== null && ((typeof obj.error === 'object' && obj.error !== null) || obj.object === 'error');
}

function nonEmpty(v: unknown): boolean {
  return (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0);
}

/** True when a chunk carries content for the client: text, reasoning, a refusal or a tool call (chat), or text (completions). */
export function isOpenAIContentChunk(obj: Record<string, unknown> | null): boolean {
  const choices = obj?.choices;
  if (!Array.isArray(choices)) return false;
  for (const c of choices as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const choice = c as Record<string, unknown>;
    if (nonEmpty(choice.text)) return true;
    const d = choice.delta;
    if (typeof d !== 'object' || d === null) continue;
    const delta = d as Record<string, unknown>;
    if (nonEmpty(delta.content) || nonEmpty(delta.reasoning_content) || nonEmpty(delta.reasoning) || nonEmpty(delta.refusal) || nonEmpty(delta.tool_calls)) return true;
    if (typeof delta.function_call === 'object' && delta.function_call !== null) return true;
  }
  return false;
}

const CONTENT_KEYS = ['"content"', '"text"', '"tool_calls"', '"reasoning_content"', '"reasoning"', '"refusal"', '"function_call"'];

/** True when `"<key>":"` at `at` opens a key (after `{` or `,`) whose string value is not empty. */
function nonEmptyStringKeyAt(data: string, at: number, keyLen: number): boolean {
  if (at <= 0) return false;
  const before = data.charCodeAt(at - 1);
  return (before === 123 || before === 44) && data.charCodeAt(at + keyLen) !== 34;
}

/**
 * Whether a chunk carries content, from a substring scan before any JSON.parse: 'no' when no content field is named
 * at all, 'yes' when `"content":"…"` or `"text":"…"` opens a non-empty string (a key, not escaped text inside a
 * string), 'maybe' otherwise (e.g. a role chunk with `"content":""`): only then is the chunk parsed.
 */
export function openAIContentHint(data: string): 'no' | 'yes' | 'maybe' {
  let named = false;
  for (const k of CONTENT_KEYS) {
    if (data.includes(k)) {
      named = true;
      break;
    }
  }
  if (!named) return 'no';
  if (nonEmptyStringKeyAt(data, data.indexOf('"content":"'), 11) || nonEmptyStringKeyAt(data, data.indexOf('"text":"'), 8)) return 'yes';
  return 'maybe';
}

/** What the translator needs of the request and the target. */
export interface OpenAIStreamContext {
  readonly provider: TableProvider;
  /** The client asked for usage in the stream (stream_options.include_usage). */
  readonly wantsUsage: boolean;
}

const invalidEvent = (message: string, cause?: unknown): UpstreamFailureError => new UpstreamFailureError({ kind: 'invalid', message }, cause);

/**
 * push() throws UpstreamFailureError(kind 'invalid') for an event over the cap or one that is not a JSON object
 * (events already translated from the same chunk are returned first; the next push() throws).
 * An in-band `{"error":…}` event stops the translation and is returned by end() as `error`.
 */
export function createOpenAIStreamTranslator(ctx: OpenAIStreamContext, opts: StreamTranslatorOptions = {}): StreamTranslator {
  const provider = ctx.provider;
  const st = newStreamState();
  let pendingContent = false;
  let events = 0;
  let bytes = 0;
  let usage: Usage | null = null;

  function onEvent(ev: SseEvent): void {
    events++;
    if (st.done || st.inBand !== undefined) return;
    const data = ev.data;
    if (data === '[DONE]') {
      st.done = true;
      return;
    }
    // Slow path (parse) only for events that may be errors: no "choices", or an "error" key somewhere (some servers
    // send an error object next to choices with finish_reason "error").
    if (ev.event === 'error' || data.indexOf('"choices"') === -1 || data.includes('"error"')) {
      const obj = parseObject(data);
      if (ev.event === 'error' || isErrorObject(obj)) {
        st.inBand = inBandFailure(obj ?? {}, provider);
        return;
      }
      if (obj === null) throw invalidEvent('The upstream provider sent an invalid stream event.');
    }
    if (!looksLikeObject(data)) throw invalidEvent('The upstream provider sent an invalid stream event.');
    if (!st.content && !pendingContent) {
      const hint = openAIContentHint(data);
      if (hint === 'yes' || (hint === 'maybe' && isOpenAIContentChunk(parseObject(data)))) pendingContent = true;
    }
    if (hasUsageObject(data)) {
      const obj = parseObject(data);
      if (obj === null) throw invalidEvent('The upstream provider sent an invalid stream event.');
      usage = usageFromOpenAI(obj.usage) ?? usage;
      if (!ctx.wantsUsage && Array.isArray(obj.choices) && obj.choices.length === 0) return;
    }
    st.out += ev.event === '' && ev.id === null ? encodeSseData(data) : encodeSseEvent(ev);
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });
  return createStreamTranslator(st, {
    push(chunk) {
      bytes += chunk.length;
      parser.push(chunk);
    },
    end: () => parser.end(),
    usage: () => usage,
    onTake() {
      if (pendingContent) st.content = true;
    },
    finish(tail) {
      if (st.done) return { tail: tail + DONE_EVENT, outcome: 'complete', usage };
      if (events === 0 && bytes > 0) {
        return { tail, outcome: 'truncated', usage, error: { kind: 'invalid', message: 'The upstream provider sent no stream events.' } };
      }
      return { tail, outcome: 'truncated', usage };
    },
  });
}
