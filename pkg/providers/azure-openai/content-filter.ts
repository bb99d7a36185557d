// Azure OpenAI's content filter, as it reaches the gateway:
//   - a prompt blocked before the model ran: HTTP 400 with error.code "content_filter" (innererror.code
//     "ResponsibleAIPolicyViolation", innererror.content_filter_result{s} per category) → a client failure with
//     upstreamCode "content_filter" and a message naming the categories (never retried, never failed over: another
//     deployment would block the same prompt);
//   - an answer filtered while generated: finish_reason "content_filter" → the canonical content_filter stop reason
//     (the openai-chat codec maps it); a filtered choice may carry no message, which is read as an empty answer;
//   - `prompt_filter_results` / `content_filter_results` annotations: kept on native passthrough, dropped by the
//     translation to other dialects (the canonical form has no place for them).
import type { ProviderCodec, StreamDecoder } from '../../canonical/codec.ts';
import type { StreamEvent } from '../../canonical/types.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** The error object of a content-filter refusal body, or undefined when the body is something else. */
export function contentFilterError(parsed: unknown): Obj | undefined {
  const e = obj(obj(parsed)?.error);
  if (e === undefined) return undefined;
  const inner = obj(e.innererror) ?? obj(e.inner_error);
  if (e.code === 'content_filter' || inner?.code === 'ResponsibleAIPolicyViolation') return e;
  return undefined;
}

const CATEGORY = /^[a-z][a-z_]{0,39}$/;
const SEVERITY = /^(safe|low|medium|high)$/;

/** "hate: high, jailbreak" — the categories a content-filter result marks as filtered (names checked, never free text). */
export function filteredCategories(error: Obj): string[] {
  const inner = obj(error.innererror) ?? obj(error.inner_error);
  const result = obj(inner?.content_filter_result) ?? obj(inner?.content_filter_results);
  if (result === undefined) return [];
  const out: string[] = [];
  for (const [name, v] of Object.entries(result)) {
    const r = obj(v);
    if (r?.filtered !== true || !CATEGORY.test(name)) continue;
    out.push(typeof r.severity === 'string' && SEVERITY.test(r.severity) ? `${name}: ${r.severity}` : name);
  }
  return out;
}

/** The client-facing message of a blocked prompt. */
export function contentFilterMessage(error: Obj): string {
  const cats = filteredCategories(error);
  const which = cats.length === 0 ? '' : ` (${cats.join(', ')})`;
  return `The prompt was blocked by Azure OpenAI's content filter${which}. Modify the prompt and retry.`;
}

/** A body whose filtered choices lack a message, with an empty assistant message added (other bodies unchanged). */
export function withFilteredMessages(body: unknown): unknown {
  const root = obj(body);
  const choices = root?.choices;
  if (root === undefined || !Array.isArray(choices)) return body;
  if (!choices.some((c) => obj(c)?.finish_reason === 'content_filter' && obj(obj(c)?.message) === undefined)) return body;
  return {
    ...root,
    choices: choices.map((c) => {
      const choice = obj(c);
      return choice?.finish_reason === 'content_filter' && obj(choice.message) === undefined ? { ...choice, message: { role: 'assistant', content: null } } : c;
    }),
  };
}

/**
 * A stream's `start` event without the `created: 0` of Azure's annotation-only first chunk (`id` and `model` are ''
 * there too; the client encoders already fall back to the request's for those), so the client sees the time of the
 * request instead of 1970.
 */
function withoutZeroCreated(events: StreamEvent[]): StreamEvent[] {
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev?.type === 'start' && ev.created === 0) {
      const { created: _zero, ...rest } = ev;
      events[i] = rest;
    }
  }
  return events;
}

/** The openai-chat provider codec, reading filtered choices without a message as empty answers. */
export function azureChatCodec(codec: ProviderCodec): ProviderCodec {
  return {
    encodeRequest: (req, model) => codec.encodeRequest(req, model),
    decodeResponse: (body) => codec.decodeResponse(withFilteredMessages(body)),
    createStreamDecoder(): StreamDecoder {
      const dec = codec.createStreamDecoder();
      return { push: (chunk) => withoutZeroCreated(dec.push(chunk)), end: () => withoutZeroCreated(dec.end()) };
    },
  };
}
