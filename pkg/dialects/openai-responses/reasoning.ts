// Thinking ↔ Responses `reasoning` items.
//
// Out: a thinking part becomes a reasoning item whose one summary_text is the thinking text; its Anthropic signature
// rides in `encrypted_content` behind a "swy.sig:" marker. A redacted_thinking part becomes a reasoning item with no
// summary and its data behind "swy.redacted:". Clients send reasoning items back unchanged in `input`, so a thinking
// block and its signature survive the round trip to a provider that checks them.
// In: the reverse. `encrypted_content` without one of our markers was issued by OpenAI and means nothing to any
// other provider: it is dropped, and the summary (or reasoning_text content) is kept as unsigned thinking text.
import type { RedactedThinkingPart, ThinkingPart } from '../../canonical/types.ts';
import type { ReasoningItem } from './wire.ts';

const SIGNATURE = 'swy.sig:';
const REDACTED = 'swy.redacted:';

export function reasoningItem(part: ThinkingPart | RedactedThinkingPart, id: string): ReasoningItem {
  if (part.type === 'redacted_thinking') return { type: 'reasoning', id, summary: [], encrypted_content: REDACTED + part.data, status: 'completed' };
  return {
    type: 'reasoning',
    id,
    summary: [{ type: 'summary_text', text: part.text }],
    encrypted_content: part.signature === undefined ? null : SIGNATURE + part.signature,
    status: 'completed',
  };
}

function texts(list: unknown, type: string): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((p: unknown) => {
    const o = p as { type?: unknown; text?: unknown } | null;
    return o !== null && typeof o === 'object' && o.type === type && typeof o.text === 'string' ? [o.text] : [];
  });
}

export function parseReasoningItem(item: Readonly<Record<string, unknown>>): ThinkingPart | RedactedThinkingPart | null {
  const enc = typeof item.encrypted_content === 'string' ? item.encrypted_content : '';
  if (enc.startsWith(REDACTED)) return { type: 'redacted_thinking', data: enc.slice(REDACTED.length) };
  const content = texts(item.content, 'reasoning_text');
  const summary = texts(item.summary, 'summary_text');
  const parts = content.length > 0 ? content : summary;
  const signature = enc.startsWith(SIGNATURE) ? { signature: enc.slice(SIGNATURE.length) } : {};
  if (parts.length === 0 && !('signature' in signature)) return null;
  return { type: 'thinking', text: parts.join('\n\n'), ...signature };
}
