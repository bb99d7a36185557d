// Compressed request bodies (issue 6, point 7): Content-Encoding gzip, deflate or br is decoded with node:zlib's
// streaming decoders and the body limit applies to the DECODED bytes, counted as they come out, so a decompression
// bomb is cut at the limit (413) without being inflated in memory. The compressed bytes are held to the same limit.
// A body that is not valid data for its coding is 400; any other coding, or a stack of codings, is 415.
// The parsed JSON goes upstream re-serialised by the adapter, with headers of its own: the client's
// Content-Encoding never leaks upstream.
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { GatewayError } from '../../errors/errors.ts';
import { BodyReader, checkDeclaredLength } from './read-body.ts';
import type { BodyCallback } from './read-body.ts';

export type ContentCoding = 'gzip' | 'deflate' | 'br';

const CODINGS: Readonly<Record<string, ContentCoding>> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };
const SAFE_NAME = /^[a-z0-9._+-]{1,32}$/;
const SUPPORTED = 'send one of gzip, deflate, br or identity';

/**
 * The one coding to undo: null for none (absent, empty or identity), or 415 unsupported_content_encoding for an
 * unknown coding or a list of more than one (identity entries are ignored).
 */
export function parseContentEncoding(header: string | undefined): ContentCoding | null | GatewayError {
  if (header === undefined) return null;
  const codings = header.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return null;
  if (codings.length > 1) {
    return new GatewayError('unsupported_content_encoding', { message: `Stacked content codings are not supported: ${SUPPORTED}.` });
  }
  const name = codings[0] as string;
  const coding = CODINGS[name];
  if (coding !== undefined) return coding;
  const shown = SAFE_NAME.test(name) ? `"${name}" ` : '';
  return new GatewayError('unsupported_content_encoding', { message: `Content-Encoding ${shown}is not supported: ${SUPPORTED}.` });
}

function createDecoder(coding: ContentCoding): Transform {
  switch (coding) {
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
  }
}

/**
 * Reads and decodes `raw` into one Buffer of at most `limit` decoded bytes. Fails with 413 request_too_large as soon
 * as the decoded (or the compressed) size passes `limit`, and with 400 when the data is corrupt or cut short.
 */
export function readEncodedBody(raw: Readable, contentLength: string | undefined, coding: ContentCoding, limit: number, cb: BodyCallback): void {
  const refused = checkDeclaredLength(contentLength, limit);
  if (refused !== null) {
    cb(refused, null);
    return;
  }
  const decoder = createDecoder(coding);
  let rawSize = 0;
  let rawEnded = false;
  const onRawData = (chunk: Buffer): void => {
    rawSize += chunk.length;
    if (rawSize > limit) reader.fail(new GatewayError('request_too_large'));
  };
  const onRawEnd = (): void => {
    rawEnded = true;
  };
  const onRawGone = (): void => {
    if (!rawEnded) reader.fail(new GatewayError('bad_request', { message: 'The request body could not be read.' }));
  };
  const reader = new BodyReader(decoder, limit, (err, body) => {
    raw.off('data', onRawData);
    raw.off('end', onRawEnd);
    raw.off('error', onRawGone);
    raw.off('close', onRawGone);
    if (err !== null) {
      // Stop inflating at once; the raw stream is left paused (Fastify closes the connection after a parser error).
      raw.unpipe(decoder);
      raw.pause();
      decoder.destroy();
    }
    cb(err, body);
  }, `The request body is not valid ${coding} data.`);
  raw.on('data', onRawData);
  raw.on('end', onRawEnd);
  raw.on('error', onRawGone);
  raw.on('close', onRawGone);
  raw.pipe(decoder);
}
