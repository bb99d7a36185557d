// A raw TCP client for requests no HTTP library will send (smuggling shapes, lying lengths, endless chunked bodies).
import { connect } from 'node:net';

export interface RawResult {
  /** Everything the server sent. */
  readonly text: string;
  readonly status: number;
  /** Body after the blank line (no chunked decoding). */
  readonly body: string;
  readonly headers: Record<string, string>;
  /** The server closed the connection. */
  readonly closed: boolean;
}

function parse(text: string, closed: boolean): RawResult {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { text, status: Number(statusLine.split(' ')[1] ?? 0), body: end === -1 ? '' : text.slice(end + 4), headers, closed };
}

/**
 * Sends `head` (and then `more()` pieces while it returns strings/Buffers, `gapMs` apart) and collects the answer
 * until the server closes or `waitMs` passes after the last write.
 */
export function rawRequest(port: number, head: string | Buffer, opts: { more?: (i: number) => string | Buffer | null; gapMs?: number; waitMs?: number } = {}): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(parse(Buffer.concat(chunks).toString('utf8'), closed));
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(finish, opts.waitMs ?? 300);
    };
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('end', () => {
      closed = true;
      finish();
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server answered and closed is expected when we were still writing.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        closed = true;
        finish();
      } else reject(err);
    });
    sock.on('connect', () => {
      sock.write(head);
      arm();
      if (opts.more === undefined) return;
      let i = 0;
      const tick = (): void => {
        if (sock.destroyed || chunks.length > 0) return;
        const piece = opts.more?.(i++);
        if (piece === null || piece === undefined) return;
        sock.write(piece);
        arm();
        setTimeout(tick, opts.gapMs ?? 5);
      };
      setTimeout(tick, opts.gapMs ?? 5);
    });
  });
}

export function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
