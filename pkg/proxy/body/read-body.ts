// Streaming request-body reader with a hard byte limit (A1, A2). An honest Content-Length over the limit is refused
// before a byte is read; a chunked (or lying) body is counted while it streams and cut as soon as it passes the limit.
// The connection is then closed by Fastify (it sets `connection: close` on parser errors), so nothing is buffered.
import type { Readable } from 'node:stream';
import { GatewayError } from '../../errors/errors.ts';

export type BodyCallback = (err: GatewayError | null, body: Buffer | null) => void;

/** Parses a Content-Length header value; NaN when it is not a plain decimal (Node's parser rejects most of these). */
export function parseContentLength(value: string | undefined): number {
  if (value === undefined) return -1;
  return /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
}

class BodyReader {
  readonly #stream: Readable;
  readonly #limit: number;
  readonly #cb: BodyCallback;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #done = false;

  constructor(stream: Readable, limit: number, cb: BodyCallback) {
    this.#stream = stream;
    this.#limit = limit;
    this.#cb = cb;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      this.#finish(new GatewayError('request_too_large'), null);
      this.#stream.pause();
      return;
    }
    this.#chunks.push(chunk);
  };

  readonly #onEnd = (): void => {
    const body = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#size);
    this.#finish(null, body);
  };

  readonly #onError = (): void => {
    this.#finish(new GatewayError('bad_request', { message: 'The request body could not be read.' }), null);
  };

  readonly #onClose = (): void => {
    // 'close' before 'end': the client went away mid-body.
    this.#finish(new GatewayError('bad_request', { message: 'The request body could not be read.' }), null);
  };

  #finish(err: GatewayError | null, body: Buffer | null): void {
    if (this.#done) return;
    this.#done = true;
    const s = this.#stream;
    s.off('data', this.#onData);
    s.off('end', this.#onEnd);
    s.off('error', this.#onError);
    s.off('close', this.#onClose);
    this.#cb(err, body);
  }
}

/**
 * Reads `stream` fully into one Buffer, or fails with 413 request_too_large as soon as more than `limit` bytes are
 * announced (Content-Length) or received.
 */
export function readBody(stream: Readable, contentLength: string | undefined, limit: number, cb: BodyCallback): void {
  const declared = parseContentLength(contentLength);
  if (Number.isNaN(declared)) {
    cb(new GatewayError('bad_request', { message: 'The Content-Length header is invalid.' }), null);
    return;
  }
  if (declared > limit) {
    cb(new GatewayError('request_too_large'), null);
    return;
  }
  new BodyReader(stream, limit, cb);
}
