// The AWS event-stream binary framing (application/vnd.amazon.eventstream) that ConverseStream answers in: each
// message is a 12-byte prelude (total length, headers length, prelude CRC32), typed headers, a payload and a message
// CRC32, all big-endian. This splitter cuts the byte stream into whole messages (any chunking of the input gives the
// same messages) and hands each to the official codec (@smithy/eventstream-codec), which checks both CRCs and parses
// the headers. A frame over `maxMessageBytes`, a length below the minimum or a CRC mismatch is an invalid upstream.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import type { Message, MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { UpstreamFailureError } from '../../providers/types.ts';

export type { Message, MessageHeaders };

/** Prelude (12) + message CRC (4): the smallest possible message. */
const MIN_MESSAGE_BYTES = 16;
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/** One codec instance: it keeps no state between decode() calls. */
export function newEventStreamCodec(): EventStreamCodec {
  return new EventStreamCodec(toUtf8, fromUtf8);
}

export interface EventStreamSplitter {
  /**
   * Feeds bytes; calls `onMessage` for each message they complete, in order. Throws UpstreamFailureError('invalid')
   * at a broken frame, after the messages before it were handed over.
   */
  push(chunk: Uint8Array, onMessage: (m: Message) => void): void;
  /** Bytes held that do not make a whole message yet. */
  readonly pending: number;
}

function broken(message: string, cause?: unknown): UpstreamFailureError {
  return new UpstreamFailureError({ kind: 'invalid', message }, cause);
}

export function createEventStreamSplitter(opts: { readonly maxMessageBytes?: number } = {}): EventStreamSplitter {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const codec = newEventStreamCodec();
  let buf: Uint8Array = new Uint8Array(0);

  function append(chunk: Uint8Array): void {
    if (buf.length === 0) {
      buf = chunk;
      return;
    }
    const next = new Uint8Array(buf.length + chunk.length);
    next.set(buf, 0);
    next.set(chunk, buf.length);
    buf = next;
  }

  return {
    push(chunk, onMessage) {
      append(chunk);
      let offset = 0;
      try {
        while (buf.length - offset >= 4) {
          const total = new DataView(buf.buffer, buf.byteOffset + offset, 4).getUint32(0, false);
          if (total < MIN_MESSAGE_BYTES) throw broken('The upstream sent an event-stream frame shorter than its prelude.');
          if (total > max) throw broken(`The upstream sent an event-stream message larger than ${max} bytes.`);
          if (buf.length - offset < total) break;
          let m: Message;
          try {
            m = codec.decode(buf.subarray(offset, offset + total));
          } catch (err) {
            throw broken('The upstream sent a corrupt event-stream message.', err);
          }
          offset += total;
          onMessage(m);
        }
      } finally {
        buf = offset === buf.length ? new Uint8Array(0) : buf.slice(offset);
      }
    },
    get pending() {
      return buf.length;
    },
  };
}

/** A string-typed header's value, or undefined. */
export function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const h = headers[name];
  return h !== undefined && h.type === 'string' ? h.value : undefined;
}
