// A translated stream: the provider codec's decoder (upstream bytes → canonical events) composed with the ingress
// codec's encoder (canonical events → the client's SSE). Same StreamTranslator contract as a native passthrough:
// content is seen at the first isContentEvent, an in-band `error` event stops the output, `done` completes it.
import type { StreamDecoder, StreamEncoder } from '../../canonical/codec.ts';
import { isContentEvent } from '../../canonical/types.ts';
import type { CanonicalUsage, StreamEvent } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import type { StreamEndResult, StreamTranslator, UpstreamFailure, Usage } from '../../providers/types.ts';

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
  let out = '';
  let started = false;
  let content = false;
  let done = false;
  let usage: Usage | null = null;
  let inBand: UpstreamFailure | undefined;
  let fatal: UpstreamFailureError | undefined;

  function onEvents(events: readonly StreamEvent[]): void {
    for (const ev of events) {
      if (done || inBand !== undefined) return;
      if (ev.type === 'error') {
        const e = ev.error;
        inBand = { kind: e.kind, message: e.message, ...(e.upstreamType === undefined ? {} : { upstreamCode: e.upstreamType }), ...(e.retryAfter === undefined ? {} : { retryAfter: e.retryAfter }) };
        return;
      }
      if (ev.type === 'usage') usage = usageFromCanonical(ev.usage);
      if (ev.type === 'done') done = true;
      if (!content && isContentEvent(ev)) content = true;
      out += encoder.encode(ev);
    }
  }

  function take(): string {
    const s = out;
    out = '';
    if (s !== '') started = true;
    return s;
  }

  function asFailure(err: unknown): UpstreamFailureError {
    return err instanceof UpstreamFailureError ? err : new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream.' }, err);
  }

  return {
    push(chunk: Uint8Array): string {
      if (fatal !== undefined) throw fatal;
      try {
        onEvents(decoder.push(chunk));
      } catch (err) {
        fatal = asFailure(err);
        if (out === '') throw fatal;
      }
      return take();
    },
    end(): StreamEndResult {
      if (fatal === undefined) {
        try {
          onEvents(decoder.end());
        } catch (err) {
          fatal = asFailure(err);
        }
      }
      if (fatal !== undefined) return { tail: '', outcome: 'truncated', usage, error: fatal.failure };
      const tail = take();
      if (inBand !== undefined) return { tail, outcome: 'truncated', usage, error: inBand };
      return { tail, outcome: done ? 'complete' : 'truncated', usage };
    },
    terminalError(e) {
      return encoder.error(e);
    },
    get started() {
      return started;
    },
    get contentSeen() {
      return content;
    },
    get inBandError() {
      return inBand;
    },
  };
}
