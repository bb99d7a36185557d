// Splits a byte stream into NDJSON lines, with a cap on the length of one line (a peer cannot make us buffer
// without bound). Blank lines are skipped.

export class LineTooLongError extends Error {
  constructor(limit: number) {
    super(`a stream line is longer than ${limit} bytes`);
    this.name = 'LineTooLongError';
  }
}

/** Yields each complete line (without its newline) as UTF-8 text; a trailing partial line is dropped. */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<string> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let nl = buf.indexOf(10);
    while (nl !== -1) {
      if (size + nl > maxLineBytes) throw new LineTooLongError(maxLineBytes);
      const line = size === 0 ? buf.subarray(0, nl) : Buffer.concat([...parts, buf.subarray(0, nl)], size + nl);
      parts = [];
      size = 0;
      const text = line.toString('utf8').trim();
      if (text !== '') yield text;
      buf = buf.subarray(nl + 1);
      nl = buf.indexOf(10);
    }
    if (buf.length > 0) {
      if (size + buf.length > maxLineBytes) throw new LineTooLongError(maxLineBytes);
      parts.push(buf);
      size += buf.length;
    }
  }
}
