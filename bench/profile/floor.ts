// The bare-Node floor for the data plane: node:http server + one undici Pool to the upstream + JSON parse of the
// answer + usage read, nothing else. `node bench/profile/floor.ts --port N --upstream http://127.0.0.1:M`.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
if (values.upstream === undefined) throw new Error('--upstream is required');
const up = new URL(values.upstream);
const pool = new Pool(up.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 60_000 });
let tokens = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body })
      .then(async (r) => {
        const buf = Buffer.from(await r.body.arrayBuffer());
        const parsed = JSON.parse(buf.toString('utf8')) as { usage?: { total_tokens?: number } };
        tokens += parsed.usage?.total_tokens ?? 0;
        res.writeHead(r.statusCode, { 'content-type': 'application/json', 'content-length': buf.length });
        res.end(buf);
      }, () => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof a === 'object' && a !== null ? a.port : 0 })}\n`);
});
process.on('SIGTERM', () => {
  process.stderr.write(`floor: ${tokens} tokens read\n`);
  process.exit(0);
});
