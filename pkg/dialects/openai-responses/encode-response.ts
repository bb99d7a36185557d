// CanonicalResponse → the Responses API `response` object (JSON text). Each canonical content part becomes one output
// item, in order: text → a message item with one output_text part, tool_use → a function_call item (call_id is the
// canonical tool-use id, arguments re-serialised), thinking / redacted_thinking → a reasoning item (reasoning.ts).
// The stream encoder builds its items with the same functions, so both answers agree item for item.
import type { EncodeContext } from '../../canonical/codec.ts';
import type { CanonicalResponse } from '../../canonical/types.ts';
import { reasoningItem } from './reasoning.ts';
import { incompleteReason, itemId, responseObject } from './response-object.ts';
import type { FunctionCallItem, OutputItem, OutputMessageItem } from './wire.ts';

export function messageItem(ctx: EncodeContext, outputIndex: number, text: string, status: 'in_progress' | 'completed'): OutputMessageItem {
  return {
    type: 'message',
    id: itemId('msg', ctx, outputIndex),
    role: 'assistant',
    status,
    content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [] }],
  };
}

export function functionCallItem(
  ctx: EncodeContext,
  outputIndex: number,
  call: { readonly id: string; readonly name: string },
  args: string,
  status: 'in_progress' | 'completed',
): FunctionCallItem {
  return { type: 'function_call', id: itemId('fc', ctx, outputIndex), call_id: call.id, name: call.name, arguments: args, status };
}

export function outputItems(resp: CanonicalResponse, ctx: EncodeContext): OutputItem[] {
  return resp.content.map((part, i): OutputItem => {
    switch (part.type) {
      case 'text':
        return messageItem(ctx, i, part.text, 'completed');
      case 'tool_use':
        return functionCallItem(ctx, i, part, JSON.stringify(part.input), 'completed');
      case 'thinking':
      case 'redacted_thinking':
        return reasoningItem(part, itemId('rs', ctx, i));
    }
  });
}

export function encodeResponse(resp: CanonicalResponse, ctx: EncodeContext): string {
  const incomplete = incompleteReason(resp.stopReason);
  return JSON.stringify(responseObject(ctx, {
    status: incomplete === null ? 'completed' : 'incomplete',
    output: outputItems(resp, ctx),
    incomplete,
    usage: resp.usage,
  }));
}
