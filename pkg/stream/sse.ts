// Server-Sent Events at the byte/line level (WHATWG HTML §9.2.6), for the streaming hot path.
// Lines end in \n, \r\n or \r (a \r\n split across chunks is one terminator). Partial lines are kept as bytes, so a
// UTF-8 sequence split across chunks is decoded whole (invalid UTF-8 becomes U+FFFD). Comments and unknown fields are ignored; `retry` is ignored.
// An event (or a line still waiting for its terminator) larger than maxEventBytes throws SseEventTooLargeError.
import { Buffer } from 'node:buffer';

export interface SseEvent {
  /** The `event:` field, or '' when absent. */
  readonly event: string;
  /** `data:` lines joined with '\n'. */
  readonly data: string;
  /** The `id:` field of this event, or null. */
  readonly id: string | null;
}

export interface SseParserOptions {
  /** Cap on the bytes of one event (all its lines). Default 1 MiB. */
  readonly maxEventBytes?: number;
}

export interface SseParser {
  /** Feeds bytes; calls onEvent for every event completed by them. Throws SseEventTooLargeError past the cap. */
  push(chunk: Uint8Array): void;
  /**
   * The stream ended. An event whose lines were all terminated but which lacks the closing blank line is still
   * dispatched (some servers end with `data: [DONE]\n`); an unterminated last line is discarded as truncated.
   */
  end(): void;
}

export class SseEventTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`SSE event larger than ${limit} bytes`);
    this.name = 'SseEventTooLargeError';
    this.limit = limit;
  }
}

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

export function createSseParser(onEvent: (event: SseEvent) => void, opts: SseParserOptions = {}): SseParser {
  const maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let skipLF = false;
  let firstLine = true;
  let eventBytes = 0;
  let data = '';
  let hasData = false;
  let eventName = '';
  let id: string | null = null;

  function dispatch(): void {
    if (hasData) onEvent({ event: eventName, data, id });
    data = '';
    hasData = false;
    eventName = '';
    id = null;
    eventBytes = 0;
  }

  function line(buf: Buffer, start: number, end: number): void {
    if (firstLine) {
      firstLine = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (start === end) {
      dispatch();
      return;
    }
    eventBytes += end - start + 1;
    if (eventBytes > maxEventBytes) throw new SseEventTooLargeError(maxEventBytes);
    if (buf[start] === COLON) return; // comment
    // Fast path for the common field.
    if (end - start >= 5 && buf[start] === 100 && buf[start + 1] === 97 && buf[start + 2] === 116 && buf[start + 3] === 97 && buf[start + 4] === COLON) {
      let v = start + 5;
      if (v < end && buf[v] === SPACE) v++;
      appendData(buf.toString('utf8', v, end));
      return;
    }
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    const name = buf.toString('utf8', start, colon);
    let v = colon < end ? colon + 1 : end;
    if (v < end && buf[v] === SPACE) v++;
    const value = buf.toString('utf8', v, end);
    if (name === 'data') appendData(value);
    else if (name === 'event') eventName = value;
    else if (name === 'id' && !value.includes('\0')) id = value;
  }

  function appendData(value: string): void {
    if (hasData) data += '\n' + value;
    else {
      data = value;
      hasData = true;
    }
  }

  function keepPartial(chunk: Buffer, from: number): void {
    if (from >= chunk.length) return;
    partialBytes += chunk.length - from;
    if (eventBytes + partialBytes > maxEventBytes) throw new SseEventTooLargeError(maxEventBytes);
    // Copy: the caller may reuse its buffer.
    partial.push(Buffer.from(chunk.subarray(from)));
  }

  function takeLine(chunk: Buffer, pos: number, eol: number): void {
    if (partialBytes === 0) {
      line(chunk, pos, eol);
      return;
    }
    partial.push(chunk.subarray(pos, eol));
    const joined = Buffer.concat(partial, partialBytes + (eol - pos));
    partial = [];
    partialBytes = 0;
    line(joined, 0, joined.length);
  }

  function push(bytes: Uint8Array): void {
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const len = chunk.length;
    let pos = 0;
    if (skipLF && len > 0) {
      if (chunk[0] === LF) pos = 1;
      skipLF = false;
    }
    let cr = chunk.indexOf(CR, pos);
    while (pos < len) {
      const lf = chunk.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = chunk.indexOf(CR, pos);
      let eol: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        eol = cr;
        if (cr + 1 < len) next = chunk[cr + 1] === LF ? cr + 2 : cr + 1;
        else {
          next = len;
          skipLF = true;
        }
      } else if (lf !== -1) {
        eol = lf;
        next = lf + 1;
      } else {
        keepPartial(chunk, pos);
        return;
      }
      takeLine(chunk, pos, eol);
      pos = next;
    }
  }

  function end(): void {
    partial = [];
    partialBytes = 0;
    dispatch();
  }

  return { push, end };
}

/** Encodes one event. Data containing line breaks becomes several `data:` lines, so no content can start a new event. */
export function encodeSseEvent(event: { readonly event?: string; readonly data: string; readonly id?: string | null }): string {
  let out = '';
  if (event.event !== undefined && event.event !== '') out += `event: ${oneLine(event.event)}\n`;
  if (event.id !== undefined && event.id !== null) out += `id: ${oneLine(event.id)}\n`;
  return out + encodeSseData(event.data);
}

/** `data: <data>\n\n`, splitting on \r\n, \r and \n. */
export function encodeSseData(data: string): string {
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `data: ${data}\n\n`;
  let out = '';
  for (const l of data.split(/\r\n|\r|\n/)) out += `data: ${l}\n`;
  return out + '\n';
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
