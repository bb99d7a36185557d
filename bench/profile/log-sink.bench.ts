// CPU of the buffered stdout log destination per access-sized line, by buffer size (the minLength of pino's
// SonicBoom destination): `node bench/profile/log-sink.bench.ts > /dev/null`; figures go to stderr.
import { pino } from 'pino';

const line = `${JSON.stringify({ level: 'info', time: new Date().toISOString(), pid: 1, hostname: 'h', requestId: 'x'.repeat(36), path: '/v1/chat/completions', status: 200, route: 'default/bench-model', provider: 'default/bench-upstream', tokensIn: 9, tokensOut: 7, keyId: 'default/bench-key', team: 'bench', pad: 'y'.repeat(200) })}\n`;
const N = 40_000;
async function run(minLength: number, maxWrite: number): Promise<number> {
  const dest = pino.destination({ dest: 1, sync: false, minLength, maxWrite });
  await new Promise((r) => dest.once('ready', r));
  const t = process.cpuUsage();
  // Spread over event-loop turns, as requests are, so async writes complete between batches.
  for (let i = 0; i < N; i += 20) {
    for (let j = 0; j < 20; j++) dest.write(line);
    await new Promise((r) => setImmediate(r));
  }
  dest.flushSync();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / N;
}
for (let r = 0; r < 3; r++) {
  for (const [min, max] of [[4096, 16384], [32768, 131072], [65536, 262144]] as const) {
    process.stderr.write(`minLength ${min}: ${(await run(min, max)).toFixed(2)} µs per line (all threads)\n`);
  }
}
