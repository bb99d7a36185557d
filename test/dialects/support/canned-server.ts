// A loopback HTTP server that answers every request with the canned answer set last: a JSON body, or SSE text
// written in small pieces (so a client's own line reassembly is exercised). For feeding encoder output to real SDKs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedServer {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  answer(a: { readonly json: string } | { readonly sse: string }): void;
  close(): Promise<void>;
}

export async function startCannedServer(pieceBytes = 7): Promise<CannedServer> {
  let current: { readonly json: string } | { readonly sse: string } = { json: '{}' };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if ('sse' in current) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const bytes = Buffer.from(current.sse);
        for (let i = 0; i < bytes.length; i += pieceBytes) res.write(bytes.subarray(i, i + pieceBytes));
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(current.json);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (a) => {
      current = a;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
