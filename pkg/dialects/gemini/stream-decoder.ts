// Provider side: streamGenerateContent?alt=sse bytes → canonical stream events. Every SSE event is one whole
// GenerateContentResponse whose first candidate carries the next parts (text and thought text arrive in pieces; a
// function call arrives whole). Gemini sends no end-of-stream marker: the event whose candidate has a finishReason
// (or whose promptFeedback blocks the prompt) is the last one, so `done` is given at the end of the body when such an
// event was seen — a body that ends without one is truncated and yields no `done`.
//
// Blocks: consecutive text parts form one text block, consecutive thought parts one thinking block (a thought part's
// signature becomes a signature_delta); each function call is a tool_use block with its arguments as one
// tool_input_delta. usageMetadata repeats on every event with running totals: a `usage` event is given when it
// changes. An event `{error: {…}}` is an in-band failure. Byte-split independent (the SSE parser keeps partial lines).
import type { StreamDecoder } from '../../canonical/codec.ts';
import type { CanonicalUsage, StreamEvent } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import { createSseParser, SseEventTooLargeError } from '../../stream/sse.ts';
import type { SseEvent } from '../../stream/sse.ts';
import { holdFailureAfterEvents } from '../../stream/held-failure.ts';
import { canonicalStopReason, canonicalUsage, candidateParts, firstCandidate, invalid, isObj, promptBlocked } from './decode-response.ts';
import { googleErrorStatus, googleStatusKind, retryDelaySeconds } from './errors.ts';
import { thinkingSignature, toolCallId } from './signatures.ts';
import type { WirePart } from './wire.ts';

const MAX_ERROR_MESSAGE = 1024;

export function createStreamDecoder(opts: { readonly maxEventBytes?: number } = {}): StreamDecoder {
  let out: StreamEvent[] = [];
  let started = false;
  let finished = false;
  let next = 0;
  let open: { readonly type: 'text' | 'thinking'; readonly index: number } | null = null;
  let calls = 0;
  let responseId = '';
  let lastUsage = '';
  let errored = false;

  function close(): void {
    if (open === null) return;
    out.push({ type: 'block_stop', index: open.index });
    open = null;
  }

  function ensure(type: 'text' | 'thinking'): number {
    if (open?.type === type) return open.index;
    close();
    const index = next++;
    open = { type, index };
    out.push({ type: 'block_start', index, block: { type } });
    return index;
  }

  function onPart(p: WirePart): void {
    if (isObj(p.functionCall) && typeof p.functionCall.name === 'string') {
      close();
      const fc = p.functionCall;
      const index = next++;
      const id = toolCallId({ id: typeof fc.id === 'string' ? fc.id : undefined, signature: p.thoughtSignature }, calls, responseId);
      calls += 1;
      out.push({ type: 'block_start', index, block: { type: 'tool_use', id, name: fc.name } });
      out.push({ type: 'tool_input_delta', index, json: JSON.stringify(isObj(fc.args) ? fc.args : {}) });
      out.push({ type: 'block_stop', index });
      return;
    }
    if (typeof p.text !== 'string') return; // inlineData / code execution parts have no canonical form
    if (p.thought === true) {
      const index = ensure('thinking');
      if (p.text !== '') out.push({ type: 'thinking_delta', index, text: p.text });
      if (typeof p.thoughtSignature === 'string' && p.thoughtSignature !== '') out.push({ type: 'signature_delta', index, signature: thinkingSignature(p.thoughtSignature) });
      return;
    }
    // A signature on a plain text part (Gemini 3 puts one on the last, often empty, part) is not needed back: dropped.
    if (p.text !== '') out.push({ type: 'text_delta', index: ensure('text'), text: p.text });
  }

  function onError(data: Readonly<Record<string, unknown>>): void {
    const e = googleErrorStatus(data) ?? {};
    const retryAfter = retryDelaySeconds(e);
    out.push({
      type: 'error',
      error: {
        kind: googleStatusKind(e.status, e.code),
        ...(e.status === undefined ? {} : { upstreamType: e.status }),
        message: e.message === undefined ? 'The upstream stream failed.' : e.message.slice(0, MAX_ERROR_MESSAGE),
        ...(retryAfter === undefined ? {} : { retryAfter }),
      },
    });
    errored = true; // nothing after an error counts
  }

  function usage(u: CanonicalUsage | null): void {
    if (u === null) return;
    const key = JSON.stringify(u);
    if (key === lastUsage) return;
    lastUsage = key;
    out.push({ type: 'usage', usage: u });
  }

  function onEvent(e: SseEvent): void {
    if (errored) return;
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      invalid('The upstream sent an event that is not JSON.');
    }
    if (!isObj(data)) invalid('The upstream sent an event that is not a JSON object.');
    if (isObj(data.error)) return onError(data);
    if (!started) {
      started = true;
      responseId = typeof data.responseId === 'string' ? data.responseId : '';
      out.push({ type: 'start', id: responseId, model: typeof data.modelVersion === 'string' ? data.modelVersion : '' });
    }
    const candidate = firstCandidate(data);
    if (!finished) for (const p of candidateParts(candidate)) onPart(p);
    const reason = candidate?.finishReason;
    if (!finished && ((typeof reason === 'string' && reason !== '' && reason !== 'FINISH_REASON_UNSPECIFIED') || (candidate === undefined && promptBlocked(data)))) {
      finished = true;
      close();
      out.push({ type: 'finish', stopReason: candidate === undefined ? 'content_filter' : canonicalStopReason(reason, calls > 0) });
    }
    usage(canonicalUsage(data.usageMetadata));
  }

  const parser = createSseParser(onEvent, opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes });

  function drain(): StreamEvent[] {
    const events = out;
    out = [];
    return events;
  }

  const guarded = holdFailureAfterEvents(drain, (err) =>
    err instanceof SseEventTooLargeError ? new UpstreamFailureError({ kind: 'invalid', message: 'The upstream sent an event larger than the limit.' }) : err,
  );

  return {
    push: (chunk) => guarded(() => parser.push(chunk)),
    end: () =>
      guarded(() => {
        parser.end();
        if (finished && !errored) out.push({ type: 'done' });
      }),
  };
}
