// The part every StreamTranslator shares: the output buffer handed out by push()/end(), `started` once any text
// left, a failure while feeding turned into one UpstreamFailureError (text already translated from the same chunk
// is returned first; the next push() throws), and the end result — truncated with the failure, truncated with an
// in-band error, else complete once the stream's terminator was seen. The dialect decides what an event means by
// writing to the shared StreamState from its feed.
import { SseEventTooLargeError } from '../stream/sse.ts';
import { UpstreamFailureError } from './types.ts';
import type { StreamEndResult, StreamTranslator, UpstreamFailure, Usage } from './types.ts';

/** What a feed writes while translating; the shell reads it. */
export interface StreamState {
  /** Client SSE text not handed out yet. */
  out: string;
  /** Content for the client was seen (design §3, honest streams). */
  content: boolean;
  /** The stream's terminator was seen. */
  done: boolean;
  /** An in-band error event stopped the translation. */
  inBand: UpstreamFailure | undefined;
}

export function newStreamState(): StreamState {
  return { out: '', content: false, done: false, inBand: undefined };
}

export interface StreamFeed {
  /** Feeds upstream bytes (appending to state.out); throws on a broken stream. */
  readonly push: (chunk: Uint8Array) => void;
  /** The upstream ended; throws on a broken stream. */
  readonly end: () => void;
  /** Usage seen so far. */
  readonly usage: () => Usage | null;
  /** Runs each time text is handed out (after `started` is set). */
  readonly onTake?: () => void;
  /** The end result when neither a failure nor an in-band error stopped the stream. Default: complete iff done. */
  readonly finish?: (tail: string) => StreamEndResult;
}

/** A thrown value as the stream's failure: an event over the cap or anything else is an invalid upstream stream. */
export function streamFailure(err: unknown): UpstreamFailureError {
  if (err instanceof UpstreamFailureError) return err;
  if (err instanceof SseEventTooLargeError) return new UpstreamFailureError({ kind: 'invalid', message: `The upstream provider sent a stream event larger than ${err.limit} bytes.` }, err);
  return new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent an invalid stream.' }, err);
}

export function createStreamTranslator(state: StreamState, feed: StreamFeed): StreamTranslator {
  let started = false;
  let fatal: UpstreamFailureError | undefined;
  const onTake = feed.onTake;

  function take(): string {
    const s = state.out;
    state.out = '';
    if (s !== '') started = true;
    if (onTake !== undefined) onTake();
    return s;
  }

  return {
    push(chunk: Uint8Array): string {
      if (fatal !== undefined) throw fatal;
      try {
        feed.push(chunk);
      } catch (err) {
        fatal = streamFailure(err);
        if (state.out === '') throw fatal;
      }
      return take();
    },
    end(): StreamEndResult {
      if (fatal === undefined) {
        try {
          feed.end();
        } catch (err) {
          fatal = streamFailure(err);
        }
      }
      if (fatal !== undefined) return { tail: '', outcome: 'truncated', usage: feed.usage(), error: fatal.failure };
      const tail = take();
      if (state.inBand !== undefined) return { tail, outcome: 'truncated', usage: feed.usage(), error: state.inBand };
      if (feed.finish !== undefined) return feed.finish(tail);
      return { tail, outcome: state.done ? 'complete' : 'truncated', usage: feed.usage() };
    },
    get started() {
      return started;
    },
    get contentSeen() {
      return state.content;
    },
    get inBandError() {
      return state.inBand;
    },
  };
}
