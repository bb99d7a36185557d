// Canonical stream events → Responses API SSE (`event: <type>\ndata: {…}\n\n`), every event with a
// sequence_number counting from 0. The sequence, as OpenAI sends it:
//   response.created, response.in_progress                                     (on `start`)
//   per block: response.output_item.added, then
//     text:      content_part.added, output_text.delta…, output_text.done, content_part.done
//     tool_use:  function_call_arguments.delta…, function_call_arguments.done
//     thinking:  reasoning_summary_part.added, reasoning_summary_text.delta…, reasoning_summary_text.done,
//                reasoning_summary_part.done (the signature rides in the item's encrypted_content, reasoning.ts)
//   response.output_item.done                                                 (on `block_stop`)
//   response.completed, or response.incomplete for max_tokens/content_filter   (on `done`, with output and usage)
// Responses streams have no [DONE]. A canonical `error` event writes nothing: the core maps it to a gateway error
// and calls error(), which writes the one terminal `error` event (ResponseErrorEvent: type, code, message, param,
// sequence_number). The openai SDK throws an APIError on it (`create({stream:true})` iteration and
// `responses.stream()` alike) and reads nothing after it, and @ai-sdk/openai turns it into an error part, so no
// `response.failed` follows.
import type { EncodeContext, StreamEncoder } from '../../canonical/codec.ts';
import type { BlockStart, CanonicalUsage, StopReason, StreamEvent } from '../../canonical/types.ts';
import { functionCallItem, messageItem } from './encode-response.ts';
import { reasoningItem } from './reasoning.ts';
import { incompleteReason, itemId, responseObject } from './response-object.ts';
import type { OutputItem, ResponseStatus, StreamEventBody } from './wire.ts';

interface OpenBlock {
  readonly block: BlockStart;
  readonly outputIndex: number;
  readonly itemId: string;
  /** Text, thinking text or argument JSON so far. */
  text: string;
  signature: string;
}

class ResponsesStreamEncoder implements StreamEncoder {
  private readonly ctx: EncodeContext;
  private seq = 0;
  private started = false;
  private finished = false;
  private readonly open = new Map<number, OpenBlock>();
  private readonly output: OutputItem[] = [];
  private stop: StopReason = 'end_turn';
  private usage: CanonicalUsage | null = null;

  constructor(ctx: EncodeContext) {
    this.ctx = ctx;
  }

  private emit(body: StreamEventBody): string {
    const data = JSON.stringify({ ...body, sequence_number: this.seq++ });
    return `event: ${body.type}\ndata: ${data}\n\n`;
  }

  private lifecycle(type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete', status: ResponseStatus): string {
    const incomplete = status === 'incomplete' ? incompleteReason(this.stop) : null;
    const usage = status === 'in_progress' ? null : this.usage;
    return this.emit({ type, response: responseObject(this.ctx, { status, output: [...this.output], incomplete, usage }) });
  }

  private ensureStarted(): string {
    if (this.started) return '';
    this.started = true;
    return this.lifecycle('response.created', 'in_progress') + this.lifecycle('response.in_progress', 'in_progress');
  }

  private startBlock(index: number, block: BlockStart): string {
    const outputIndex = this.output.length;
    const prefix = block.type === 'text' ? 'msg' : block.type === 'tool_use' ? 'fc' : 'rs';
    const b: OpenBlock = { block, outputIndex, itemId: itemId(prefix, this.ctx, outputIndex), text: '', signature: '' };
    this.open.set(index, b);
    const item = this.itemOf(b, 'in_progress');
    this.output.push(item);
    let out = this.emit({ type: 'response.output_item.added', output_index: outputIndex, item });
    const at = { item_id: b.itemId, output_index: outputIndex };
    if (block.type === 'text') {
      out += this.emit({ type: 'response.content_part.added', ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    } else if (block.type === 'thinking') {
      out += this.emit({ type: 'response.reasoning_summary_part.added', ...at, summary_index: 0, part: { type: 'summary_text', text: '' } });
    }
    return out;
  }

  private itemOf(b: OpenBlock, status: 'in_progress' | 'completed'): OutputItem {
    switch (b.block.type) {
      case 'text':
        return messageItem(this.ctx, b.outputIndex, b.text, status);
      case 'tool_use':
        return functionCallItem(this.ctx, b.outputIndex, b.block, status === 'completed' && b.text === '' ? '{}' : b.text, status);
      case 'thinking':
        if (status === 'in_progress') return { type: 'reasoning', id: b.itemId, summary: [], status };
        return reasoningItem({ type: 'thinking', text: b.text, ...(b.signature === '' ? {} : { signature: b.signature }) }, b.itemId);
      case 'redacted_thinking':
        return { ...reasoningItem({ type: 'redacted_thinking', data: b.block.data }, b.itemId), status };
    }
  }

  private stopBlock(index: number): string {
    const b = this.open.get(index);
    if (b === undefined) return '';
    this.open.delete(index);
    const at = { item_id: b.itemId, output_index: b.outputIndex };
    let out = '';
    if (b.block.type === 'text') {
      out += this.emit({ type: 'response.output_text.done', ...at, content_index: 0, text: b.text, logprobs: [] });
      out += this.emit({ type: 'response.content_part.done', ...at, content_index: 0, part: { type: 'output_text', text: b.text, annotations: [] } });
    } else if (b.block.type === 'tool_use') {
      out += this.emit({ type: 'response.function_call_arguments.done', ...at, name: b.block.name, arguments: b.text === '' ? '{}' : b.text });
    } else if (b.block.type === 'thinking') {
      out += this.emit({ type: 'response.reasoning_summary_text.done', ...at, summary_index: 0, text: b.text });
      out += this.emit({ type: 'response.reasoning_summary_part.done', ...at, summary_index: 0, part: { type: 'summary_text', text: b.text } });
    }
    const item = this.itemOf(b, 'completed');
    this.output[b.outputIndex] = item;
    return out + this.emit({ type: 'response.output_item.done', output_index: b.outputIndex, item });
  }

  private delta(index: number, text: string): string {
    const b = this.open.get(index);
    if (b === undefined || text === '') return '';
    b.text += text;
    const at = { item_id: b.itemId, output_index: b.outputIndex };
    switch (b.block.type) {
      case 'text':
        return this.emit({ type: 'response.output_text.delta', ...at, content_index: 0, delta: text, logprobs: [] });
      case 'tool_use':
        return this.emit({ type: 'response.function_call_arguments.delta', ...at, delta: text });
      case 'thinking':
        return this.emit({ type: 'response.reasoning_summary_text.delta', ...at, summary_index: 0, delta: text });
      case 'redacted_thinking':
        return '';
    }
  }

  encode(ev: StreamEvent): string {
    if (this.finished) return '';
    switch (ev.type) {
      case 'start':
        return this.ensureStarted();
      case 'block_start':
        return this.ensureStarted() + this.startBlock(ev.index, ev.block);
      case 'text_delta':
      case 'thinking_delta':
        return this.delta(ev.index, ev.text);
      case 'tool_input_delta':
        return this.delta(ev.index, ev.json);
      case 'signature_delta': {
        const b = this.open.get(ev.index);
        if (b !== undefined) b.signature += ev.signature;
        return '';
      }
      case 'block_stop':
        return this.stopBlock(ev.index);
      case 'finish':
        this.stop = ev.stopReason;
        return '';
      case 'usage':
        this.usage = ev.usage;
        return '';
      case 'error':
        return '';
      case 'done': {
        let out = this.ensureStarted();
        for (const index of [...this.open.keys()]) out += this.stopBlock(index);
        this.finished = true;
        return out + (incompleteReason(this.stop) === null
          ? this.lifecycle('response.completed', 'completed')
          : this.lifecycle('response.incomplete', 'incomplete'));
      }
    }
  }

  error(e: { readonly status: number; readonly type: string; readonly code: string; readonly message: string }): string {
    if (this.finished) return '';
    this.finished = true;
    return this.emit({ type: 'error', code: e.code, message: e.message, param: null });
  }
}

export function createStreamEncoder(ctx: EncodeContext): StreamEncoder {
  return new ResponsesStreamEncoder(ctx);
}
