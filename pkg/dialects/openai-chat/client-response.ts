// Canonical answers → OpenAI chat (client side): the `chat.completion` object and `chat.completion.chunk` SSE events.
// Reasoning text leaves as `reasoning_content` (the field DeepSeek, vLLM and most OpenAI-compatible servers use);
// thinking signatures and redacted thinking have no place in OpenAI chat and are dropped.
import type { EncodeContext, StreamEncoder } from '../../canonical/codec.ts';
import type { CanonicalResponse, CanonicalUsage, StreamEvent } from '../../canonical/types.ts';
import type { WireChatChunk, WireChatCompletion, WireChunkToolCall, WireResponseToolCall } from './schema.ts';
import { finishReasonOf, wireUsage } from './shared.ts';

export const DONE_LINE = 'data: [DONE]\n\n';

/** The upstream's id when it already is a chat completion id, else `chatcmpl-<requestId>`. */
export function chatId(upstreamId: string | undefined, ctx: EncodeContext): string {
  return upstreamId !== undefined && upstreamId.startsWith('chatcmpl-') ? upstreamId : `chatcmpl-${ctx.requestId}`;
}

export function encodeChatResponse(resp: CanonicalResponse, ctx: EncodeContext): string {
  let text = '';
  let hasText = false;
  let reasoning = '';
  const toolCalls: WireResponseToolCall[] = [];
  for (const p of resp.content) {
    if (p.type === 'text') {
      text += p.text;
      hasText = true;
    } else if (p.type === 'thinking') reasoning += p.text;
    else if (p.type === 'tool_use') toolCalls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.input) } });
  }
  const message: WireChatCompletion['choices'][number]['message'] = { role: 'assistant', content: hasText ? text : null, refusal: null };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const out: WireChatCompletion = {
    id: chatId(resp.id, ctx),
    object: 'chat.completion',
    created: resp.created ?? ctx.nowSec,
    model: ctx.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(resp.stopReason) }],
  };
  if (resp.usage !== null) out.usage = wireUsage(resp.usage);
  return JSON.stringify(out);
}

/** The gateway's mid-stream error event (byte-identical to pkg/proxy/error-reply.ts errorEvent). */
export function chatStreamError(e: { readonly type: string; readonly code: string; readonly message: string }): string {
  return `data: ${JSON.stringify({ error: { message: e.message, type: e.type, param: null, code: e.code } })}\n\n`;
}

export function createChatStreamEncoder(ctx: EncodeContext): StreamEncoder {
  let id = `chatcmpl-${ctx.requestId}`;
  let created = ctx.nowSec;
  let roleSent = false;
  let usage: CanonicalUsage | null = null;
  /** Canonical block index → position among tool calls. */
  const toolIndex = new Map<number, number>();

  function chunk(delta: WireChatChunk['choices'][number]['delta'], finish: WireChatChunk['choices'][number]['finish_reason'] = null): string {
    let head = '';
    if (!roleSent) {
      roleSent = true;
      if (delta.role === undefined) head = chunk({ role: 'assistant', content: '' });
    }
    const c: WireChatChunk = { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
    return `${head}data: ${JSON.stringify(c)}\n\n`;
  }

  function toolDelta(call: WireChunkToolCall): string {
    return chunk({ tool_calls: [call] });
  }

  function encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start':
        id = chatId(ev.id, ctx);
        if (ev.created !== undefined) created = ev.created;
        return roleSent ? '' : chunk({ role: 'assistant', content: '' });
      case 'block_start':
        if (ev.block.type !== 'tool_use') return '';
        toolIndex.set(ev.index, toolIndex.size);
        return toolDelta({ index: toolIndex.size - 1, id: ev.block.id, type: 'function', function: { name: ev.block.name, arguments: '' } });
      case 'text_delta':
        return ev.text === '' ? '' : chunk({ content: ev.text });
      case 'thinking_delta':
        return ev.text === '' ? '' : chunk({ reasoning_content: ev.text });
      case 'tool_input_delta': {
        const index = toolIndex.get(ev.index);
        return index === undefined || ev.json === '' ? '' : toolDelta({ index, function: { arguments: ev.json } });
      }
      case 'finish':
        return chunk({}, finishReasonOf(ev.stopReason));
      case 'usage':
        usage = ev.usage;
        return '';
      case 'done': {
        if (!ctx.streamUsage || usage === null) return DONE_LINE;
        const c: WireChatChunk = { id, object: 'chat.completion.chunk', created, model: ctx.model, choices: [], usage: wireUsage(usage) };
        return `data: ${JSON.stringify(c)}\n\n${DONE_LINE}`;
      }
      default: // block_stop, signature_delta: nothing to say; error events are written through error()
        return '';
    }
  }

  return { encode, error: chatStreamError };
}
