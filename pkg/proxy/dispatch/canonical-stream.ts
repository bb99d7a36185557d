// A translated stream: the provider codec's decoder (upstream bytes → canonical events) composed with the ingress
// codec's encoder (canonical events → the client's SSE). Same StreamTranslator contract as a native passthrough:
// content is seen at the first isContentEvent, an in-band `error` event stops the output, `done` completes it.
import type { StreamDecoder, StreamEncoder } from '../../canonical/codec.ts';
import { isContentEvent } from '../../canonical/types.ts';
import type { CanonicalUsage, StreamEvent } from '../../canonical/types.ts';
import { createStreamTranslator, newStreamState } from '../../providers/stream-translator.ts';
import type { StreamTranslator, Usage } from '../../providers/types.ts';

/** Canonical usage as the accounting's Usage (input includes cached and cache-write tokens). */
export function usageFromCanonical(u: CanonicalUsage | null): Usage | null {
  if (u === null) return null;
  const out: { -readonly [K in keyof Usage]: Usage[K] } = { inputTokens: u.inputTokens, outputTokens: u.outputTokens, totalTokens: u.inputTokens + u.outputTokens };
  if (u.cachedInputTokens !== undefined) out.cachedInputTokens = u.cachedInputTokens;
  if (u.cacheWriteTokens !== undefined) out.cacheWriteTokens = u.cacheWriteTokens;
  if (u.reasoningTokens !== undefined) out.reasoningTokens = u.reasoningTokens;
  return out;
}

export interface CanonicalStreamTranslator extends StreamTranslator {
  /** The client dialect's terminal error event (the encoder's, which may close open blocks first). */
  terminalError(e: { readonly status: number; readonly type: string; readonly code: string; readonly message: string }): string;
}

export function createCanonicalStream(decoder: StreamDecoder, encoder: StreamEncoder): CanonicalStreamTranslator {
  const st = newStreamState();
  let usage: Usage | null = null;

  function onEvents(events: readonly StreamEvent[]): void {
    for (const ev of events) {
      if (st.done || st.inBand !== undefined) return;
      if (ev.type === 'error') {
        const e = ev.error;
        st.inBand = { kind: e.kind, message: e.message, ...(e.upstreamType === undefined ? {} : { upstreamCode: e.upstreamType }), ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }) };
        return;
      }
      if (ev.type === 'usage') usage = usageFromCanonical(ev.usage);
      if (ev.type === 'done') st.done = true;
      if (!st.content && isContentEvent(ev)) st.content = true;
      st.out += encoder.encode(ev);
    }
  }

  const translator = createStreamTranslator(st, {
    push: (chunk) => onEvents(decoder.push(chunk)),
    end: () => onEvents(decoder.end()),
    usage: () => usage,
  });
  return Object.assign(translator, {
    terminalError(e: { readonly status: number; readonly type: string; readonly code: string; readonly message: string }): string {
      return encoder.error(e);
    },
  });
}
