// Closed-loop load with undici (its own process): `node bench/profile/load.ts --url U --connections 50 --duration 10
// [--key K] [--stream]` → one JSON line {rps, ok, errors, p50, p99}.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: {
  url: { type: 'string' }, connections: { type: 'string', default: '50' }, duration: { type: 'string', default: '10' },
  key: { type: 'string', default: '' }, stream: { type: 'boolean', default: false }, 'body-bytes': { type: 'string', default: '0' },
} });
const url = new URL(values.url ?? '');
const conns = Number(values.connections);
const pool = new Pool(url.origin, { connections: conns, pipelining: 1 });
const msg: Record<string, unknown> = { model: 'bench-model', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 16 };
const pad = Number(values['body-bytes']);
if (pad > 0) msg.messages = [{ role: 'user', content: 'x'.repeat(pad) }];
if (values.stream) msg.stream = true;
const body = JSON.stringify(msg);
const headers: Record<string, string> = { 'content-type': 'application/json' };
if (values.key !== '') headers.authorization = `Bearer ${values.key}`;
const end = performance.now() + Number(values.duration) * 1000;
let ok = 0;
let errors = 0;
const lat: number[] = [];
async function worker(): Promise<void> {
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const r = await pool.request({ method: 'POST', path: url.pathname, headers, body });
      await r.body.arrayBuffer();
      if (r.statusCode === 200) ok++;
      else errors++;
    } catch {
      errors++;
    }
    lat.push(performance.now() - t);
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: conns }, worker));
const el = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p: number): number => Math.round((lat[Math.floor(lat.length * p)] ?? 0) * 1000) / 1000;
process.stdout.write(`${JSON.stringify({ rps: Math.round(ok / el), ok, errors, p50: q(0.5), p99: q(0.99) })}\n`);
await pool.close();
