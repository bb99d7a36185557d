// Client side: a canonical answer → an Anthropic `message` object.
//
// Usage: canonical inputTokens counts the whole prompt; Anthropic reports cache reads and cache writes apart from
// input_tokens (whole prompt = input_tokens + cache_read_input_tokens + cache_creation_input_tokens), so
// input_tokens = inputTokens − cachedInputTokens − cacheWriteTokens (never below 0).
import type { CanonicalResponse, CanonicalUsage, StopReason } from '../../canonical/types.ts';
import type { EncodeContext } from '../../canonical/codec.ts';
import type { WireContentBlock, WireMessage, WireStopReason, WireUsage } from './wire.ts';

export function wireUsage(u: CanonicalUsage | null): WireUsage {
  if (u === null) return { input_tokens: 0, output_tokens: 0 };
  const cached = u.cachedInputTokens ?? 0;
  const written = u.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, u.inputTokens - cached - written),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: cached,
    cache_creation_input_tokens: written,
  };
}

/** content_filter has no Anthropic stop reason of its own: the closest is `refusal`. */
export function wireStopReason(r: StopReason): WireStopReason {
  return r === 'content_filter' ? 'refusal' : r;
}

/** The upstream's id when it already is an Anthropic message id, else one made from the request id. */
export function messageId(upstreamId: string, ctx: EncodeContext): string {
  return upstreamId.startsWith('msg_') ? upstreamId : `msg_${ctx.requestId.replace(/[^A-Za-z0-9_-]/g, '')}`;
}

export function toWireMessage(resp: CanonicalResponse, ctx: EncodeContext): WireMessage {
  const content: WireContentBlock[] = resp.content.map((p): WireContentBlock => {
    switch (p.type) {
      case 'text':
        return { type: 'text', text: p.text };
      case 'tool_use':
        return { type: 'tool_use', id: p.id, name: p.name, input: { ...p.input } };
      case 'thinking':
        return { type: 'thinking', thinking: p.text, signature: p.signature ?? '' };
      case 'redacted_thinking':
        return { type: 'redacted_thinking', data: p.data };
    }
  });
  return {
    id: messageId(resp.id, ctx),
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content,
    stop_reason: wireStopReason(resp.stopReason),
    stop_sequence: resp.stopSequence ?? null,
    usage: wireUsage(resp.usage),
  };
}

export function encodeResponse(resp: CanonicalResponse, ctx: EncodeContext): string {
  return JSON.stringify(toWireMessage(resp, ctx));
}
