// Provider side: ConverseStream bytes (AWS event-stream frames) → canonical stream events. Byte-split independent
// (the splitter keeps partial frames as bytes).
//
// - messageStart → start (Bedrock names no id or model: both empty, the client codecs fill them in).
// - Text and reasoning blocks have no contentBlockStart: their first delta starts them (text, thinking, or
//   redacted_thinking when the first reasoning delta is redactedContent). toolUse blocks start with
//   contentBlockStart. Indexes are renumbered in start order over the blocks we translate.
// - contentBlockDelta: text → text_delta; toolUse.input (a JSON fragment) → tool_input_delta; reasoningContent
//   text → thinking_delta, signature → signature_delta.
// - messageStop → finish (stop reason mapped; additionalModelResponseFields.stop_sequence when asked for).
// - metadata → usage; after messageStop it is the last event of a complete stream → done. A stream that ends after
//   messageStop without metadata is complete too (done at end()); one that ends before messageStop is truncated.
// - `:message-type: exception` (throttlingException, validationException, modelStreamErrorException, …) and
//   `:message-type: error` (:error-code / :error-message) → a canonical `error` event (kind by exception name), so a
//   failure before the first content fails the attempt over. Unknown event types are ignored.
import type { StreamDecoder } from '../../canonical/codec.ts';
import type { StreamError, StreamEvent } from '../../canonical/types.ts';
import { canonicalStopReason, canonicalUsage, invalid, isObj, stopSequenceOf } from './decode-response.ts';
import { CONTEXT_LENGTH, exceptionKind } from './errors.ts';
import { createEventStreamSplitter, stringHeader } from './event-stream.ts';
import type { Message } from './event-stream.ts';

const MAX_ERROR_MESSAGE = 1024;
const utf8 = new TextDecoder();

type Obj = Readonly<Record<string, unknown>>;
type BlockKind = 'text' | 'thinking' | 'redacted_thinking' | 'tool_use';

function payload(m: Message, what: string): Obj {
  let data: unknown;
  try {
    data = m.body.length === 0 ? {} : JSON.parse(utf8.decode(m.body));
  } catch {
    invalid(`The upstream sent a ${what} whose payload is not JSON.`);
  }
  if (!isObj(data)) invalid(`The upstream sent a ${what} whose payload is not a JSON object.`);
  return data;
}

/** An in-stream exception as a canonical stream error; validation errors about the context length are marked. */
export function streamError(name: string, message: string | undefined): StreamError {
  const kind = exceptionKind(name) ?? 'server';
  const text = message !== undefined && message !== '' ? message.slice(0, MAX_ERROR_MESSAGE) : 'The upstream stream failed.';
  const upstreamType = kind === 'client' && CONTEXT_LENGTH.test(text) ? 'context_length_exceeded' : name;
  return { kind, upstreamType, message: text };
}

export function createStreamDecoder(opts: { readonly maxMessageBytes?: number } = {}): StreamDecoder {
  const splitter = createEventStreamSplitter(opts);
  let out: StreamEvent[] = [];
  /** Bedrock contentBlockIndex → our index and the kind of block it started as. */
  const blocks = new Map<number, { readonly index: number; readonly kind: BlockKind; stopped: boolean }>();
  let nextIndex = 0;
  let started = false;
  let stopped = false;
  let done = false;
  let failed = false;

  function ensureStart(): void {
    if (started) return;
    started = true;
    out.push({ type: 'start', id: '', model: '' });
  }

  function startBlock(bedrockIndex: number, kind: BlockKind, extra: { id?: string; name?: string; data?: string }): number {
    ensureStart();
    const index = nextIndex;
    nextIndex += 1;
    blocks.set(bedrockIndex, { index, kind, stopped: false });
    if (kind === 'tool_use') out.push({ type: 'block_start', index, block: { type: 'tool_use', id: extra.id ?? '', name: extra.name ?? '' } });
    else if (kind === 'redacted_thinking') out.push({ type: 'block_start', index, block: { type: 'redacted_thinking', data: extra.data ?? '' } });
    else out.push({ type: 'block_start', index, block: { type: kind } });
    return index;
  }

  function onDelta(d: Obj): void {
    const bi = typeof d.contentBlockIndex === 'number' ? d.contentBlockIndex : 0;
    const delta = isObj(d.delta) ? d.delta : {};
    const known = blocks.get(bi);
    if (typeof delta.text === 'string') {
      const index = known?.index ?? startBlock(bi, 'text', {});
      if (delta.text !== '') out.push({ type: 'text_delta', index, text: delta.text });
      return;
    }
    if (isObj(delta.toolUse)) {
      const index = known?.index ?? startBlock(bi, 'tool_use', {});
      const input = delta.toolUse.input;
      if (typeof input === 'string' && input !== '') out.push({ type: 'tool_input_delta', index, json: input });
      return;
    }
    const rc = delta.reasoningContent;
    if (!isObj(rc)) return; // citation, image and later delta types carry nothing canonical
    if (typeof rc.redactedContent === 'string') {
      if (known === undefined) startBlock(bi, 'redacted_thinking', { data: rc.redactedContent });
      return; // further redacted fragments of a started block cannot be expressed canonically
    }
    const index = known?.index ?? startBlock(bi, 'thinking', {});
    if (typeof rc.text === 'string' && rc.text !== '') out.push({ type: 'thinking_delta', index, text: rc.text });
    if (typeof rc.signature === 'string' && rc.signature !== '') out.push({ type: 'signature_delta', index, signature: rc.signature });
  }

  function onEvent(type: string, m: Message): void {
    switch (type) {
      case 'messageStart':
        payload(m, type);
        ensureStart();
        return;
      case 'contentBlockStart': {
        const d = payload(m, type);
        const start = isObj(d.start) ? d.start : {};
        const bi = typeof d.contentBlockIndex === 'number' ? d.contentBlockIndex : 0;
        if (isObj(start.toolUse) && !blocks.has(bi)) {
          const tu = start.toolUse;
          startBlock(bi, 'tool_use', { id: typeof tu.toolUseId === 'string' ? tu.toolUseId : '', name: typeof tu.name === 'string' ? tu.name : '' });
        }
        return;
      }
      case 'contentBlockDelta':
        onDelta(payload(m, type));
        return;
      case 'contentBlockStop': {
        const d = payload(m, type);
        const b = typeof d.contentBlockIndex === 'number' ? blocks.get(d.contentBlockIndex) : undefined;
        if (b !== undefined && !b.stopped) {
          b.stopped = true;
          out.push({ type: 'block_stop', index: b.index });
        }
        return;
      }
      case 'messageStop': {
        const d = payload(m, type);
        ensureStart();
        for (const b of blocks.values()) {
          if (!b.stopped) {
            b.stopped = true;
            out.push({ type: 'block_stop', index: b.index });
          }
        }
        if (!stopped) {
          stopped = true;
          const seq = stopSequenceOf(d.additionalModelResponseFields);
          out.push({ type: 'finish', stopReason: canonicalStopReason(d.stopReason), ...(seq !== undefined ? { stopSequence: seq } : {}) });
        }
        return;
      }
      case 'metadata': {
        const d = payload(m, type);
        const usage = canonicalUsage(d.usage);
        if (usage !== null) out.push({ type: 'usage', usage });
        if (stopped && !done) {
          done = true;
          out.push({ type: 'done' });
        }
        return;
      }
      default:
        return; // event types added later
    }
  }

  function onMessage(m: Message): void {
    if (done || failed) return;
    const messageType = stringHeader(m.headers, ':message-type') ?? 'event';
    if (messageType === 'exception') {
      const name = stringHeader(m.headers, ':exception-type') ?? 'internalServerException';
      let message: string | undefined;
      try {
        const d = payload(m, 'exception');
        message = typeof d.message === 'string' ? d.message : typeof d.Message === 'string' ? d.Message : undefined;
      } catch {
        message = undefined;
      }
      failed = true;
      out.push({ type: 'error', error: streamError(name, message) });
      return;
    }
    if (messageType === 'error') {
      failed = true;
      out.push({ type: 'error', error: streamError(stringHeader(m.headers, ':error-code') ?? 'InternalFailure', stringHeader(m.headers, ':error-message')) });
      return;
    }
    if (messageType !== 'event') invalid(`The upstream sent an event-stream message of type ${messageType.slice(0, 32)}.`);
    onEvent(stringHeader(m.headers, ':event-type') ?? '', m);
  }

  let fatal: unknown;
  let broken = false;

  function guarded(run: () => void): StreamEvent[] {
    if (broken) throw fatal;
    try {
      run();
    } catch (err) {
      broken = true;
      fatal = err;
      if (out.length === 0) throw err;
    }
    const events = out;
    out = [];
    return events;
  }

  return {
    push: (chunk) =>
      guarded(() => {
        splitter.push(chunk, onMessage);
      }),
    end: () =>
      guarded(() => {
        // Bytes of a cut frame left over: the stream was truncated; it is complete only if messageStop came.
        if (stopped && !done && !failed) {
          done = true;
          out.push({ type: 'done' });
        }
      }),
  };
}
