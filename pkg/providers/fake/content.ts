// Deterministic content for the fake provider: text taken from the prompt, a simple token estimate, stable hashes.

/** Text of a message `content` (a string, or an array of `{type:'text', text}` parts). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string') {
      out += (out === '' ? '' : ' ') + (part as { text: string }).text;
    }
  }
  return out;
}

function messagesOf(body: Readonly<Record<string, unknown>>): readonly unknown[] {
  return Array.isArray(body.messages) ? body.messages : [];
}

function roleOf(m: unknown): unknown {
  return typeof m === 'object' && m !== null ? (m as { role?: unknown }).role : undefined;
}

function textOf(m: unknown): string {
  return typeof m === 'object' && m !== null ? contentText((m as { content?: unknown }).content) : '';
}

/** All text of all messages, for the token estimate. */
export function promptText(body: Readonly<Record<string, unknown>>): string {
  return messagesOf(body).map(textOf).join('\n');
}

/** The text of the last user message ('' when none). */
export function lastUserText(body: Readonly<Record<string, unknown>>): string {
  const msgs = messagesOf(body);
  for (let i = msgs.length - 1; i >= 0; i--) if (roleOf(msgs[i]) === 'user') return textOf(msgs[i]);
  return '';
}

/** The documented estimate: one token per 4 characters (UTF-16 code units), rounded up, at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

const FALLBACK_WORDS = ['This', 'is', 'a', 'fake', 'response', 'from', 'Switchyard.'];

/**
 * `count` output tokens, one word each, cycling through the words of the last user message (each cut to 32 chars),
 * or a fixed sentence when the message has no words. Token i > 0 carries a leading space, so joining them gives the text.
 */
export function outputTokens(body: Readonly<Record<string, unknown>>, count: number): string[] {
  const words = lastUserText(body).split(/\s+/).filter((w) => w !== '').map((w) => w.slice(0, 32));
  const source = words.length > 0 ? words : FALLBACK_WORDS;
  const out: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = (i === 0 ? '' : ' ') + (source[i % source.length] ?? '');
  return out;
}

/** FNV-1a, 32 bit. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small deterministic PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
