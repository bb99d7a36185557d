// Client side: canonical stream events → Anthropic's typed SSE (`event: <type>\ndata: <json>\n\n`).
// message_start is held until the first event after `start` that is not `usage`, so usage the upstream reports at
// the start (input tokens) goes out in it. `finish` and `usage` are held until `done`, which writes one
// message_delta (stop reason and the final usage: output tokens plus the input and cache totals, which the SDK
// overwrites its snapshot with) and message_stop. Blocks left open are closed before message_delta.
import type { EncodeContext, StreamEncoder } from '../../canonical/codec.ts';
import type { CanonicalUsage, StopReason, StreamEvent } from '../../canonical/types.ts';
import { anthropicErrorBody } from './errors.ts';
import { messageId, wireStopReason, wireUsage } from './encode-response.ts';
import type { WireContentBlock } from './wire.ts';

function sse(type: string, payload: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`;
}

export function createStreamEncoder(ctx: EncodeContext): StreamEncoder {
  let pendingStart: { id: string } | null = null;
  let started = false;
  let usage: CanonicalUsage | null = null;
  let stop: { reason: StopReason; sequence?: string } | null = null;
  const open = new Set<number>();

  function flushStart(): string {
    if (pendingStart === null) return '';
    const id = pendingStart.id;
    pendingStart = null;
    started = true;
    const message = { id, type: 'message', role: 'assistant', model: ctx.model, content: [], stop_reason: null, stop_sequence: null, usage: wireUsage(usage) };
    return sse('message_start', { message });
  }

  function closeOpen(): string {
    let out = '';
    for (const index of [...open].sort((a, b) => a - b)) out += sse('content_block_stop', { index });
    open.clear();
    return out;
  }

  function blockStart(ev: Extract<StreamEvent, { type: 'block_start' }>): string {
    const b = ev.block;
    let block: WireContentBlock;
    if (b.type === 'text') block = { type: 'text', text: '' };
    else if (b.type === 'thinking') block = { type: 'thinking', thinking: '', signature: '' };
    else if (b.type === 'redacted_thinking') block = { type: 'redacted_thinking', data: b.data };
    else block = { type: 'tool_use', id: b.id, name: b.name, input: {} };
    open.add(ev.index);
    return sse('content_block_start', { index: ev.index, content_block: block });
  }

  function body(ev: StreamEvent): string {
    switch (ev.type) {
      case 'block_start':
        return blockStart(ev);
      case 'text_delta':
        return sse('content_block_delta', { index: ev.index, delta: { type: 'text_delta', text: ev.text } });
      case 'thinking_delta':
        return sse('content_block_delta', { index: ev.index, delta: { type: 'thinking_delta', thinking: ev.text } });
      case 'signature_delta':
        return sse('content_block_delta', { index: ev.index, delta: { type: 'signature_delta', signature: ev.signature } });
      case 'tool_input_delta':
        return sse('content_block_delta', { index: ev.index, delta: { type: 'input_json_delta', partial_json: ev.json } });
      case 'block_stop':
        if (!open.delete(ev.index)) return '';
        return sse('content_block_stop', { index: ev.index });
      case 'finish':
        stop = ev.stopSequence === undefined ? { reason: ev.stopReason } : { reason: ev.stopReason, sequence: ev.stopSequence };
        return '';
      case 'done': {
        const u = wireUsage(usage);
        const delta = { stop_reason: wireStopReason(stop?.reason ?? 'end_turn'), stop_sequence: stop?.sequence ?? null };
        return closeOpen() + sse('message_delta', { delta, usage: u }) + sse('message_stop', {});
      }
      default:
        return '';
    }
  }

  return {
    encode(ev: StreamEvent): string {
      if (ev.type === 'start') {
        if (!started && pendingStart === null) pendingStart = { id: messageId(ev.id, ctx) };
        return '';
      }
      if (ev.type === 'usage') {
        usage = ev.usage;
        return '';
      }
      if (ev.type === 'error') return ''; // the core turns an in-band upstream error into error() below
      if (!started && pendingStart === null) pendingStart = { id: messageId('', ctx) };
      return flushStart() + body(ev);
    },
    error(e): string {
      return `event: error\ndata: ${anthropicErrorBody(e)}\n\n`;
    },
  };
}
