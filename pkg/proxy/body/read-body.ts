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

/** What a failed stream (error or early close) answers; the decoded reader says the encoding was bad. */
const UNREADABLE = 'The request body could not be read.';

export class BodyReader {
  readonly #stream: Readable;
  readonly #limit: number;
  readonly #cb: BodyCallback;
  readonly #errorMessage: string;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #done = false;

  constructor(stream: Readable, limit: number, cb: BodyCallback, errorMessage = UNREADABLE) {
    this.#stream = stream;
    this.#limit = limit;
    this.#cb = cb;
    this.#errorMessage = errorMessage;
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
    this.#finish(new GatewayError('bad_request', { message: this.#errorMessage }), null);
  };

  readonly #onClose = (): void => {
    // 'close' before 'end': the client went away mid-body (or the decoder was destroyed).
    this.#finish(new GatewayError('bad_request', { message: this.#errorMessage }), null);
  };

  /** Stops reading with `err` (no-op once finished). */
  fail(err: GatewayError): void {
    this.#finish(err, null);
  }

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
  const refused = checkDeclaredLength(contentLength, limit);
  if (refused !== null) {
    cb(refused, null);
    return;
  }
  new BodyReader(stream, limit, cb);
}

/** The error for a Content-Length that is invalid or over `limit`, or null. */
export function checkDeclaredLength(contentLength: string | undefined, limit: number): GatewayError | null {
  const declared = parseContentLength(contentLength);
  if (Number.isNaN(declared)) return new GatewayError('bad_request', { message: 'The Content-Length header is invalid.' });
  if (declared > limit) return new GatewayError('request_too_large');
  return null;
}
