import { createLogger } from '/work/main/pkg/telemetry/logger.ts';
let n = 0;
const dest = { write: (s: string) => { n += s.length; } };
const logger = createLogger({ destination: dest });
const child = logger.child({}, { redact: { paths: [] } });
const line = () => ({ requestId: 'f1c2e3d4-aaaa-bbbb-cccc-123456789012', method: 'POST', path: '/v1/chat/completions', status: 200, code: '', durationMs: 1.234, ttftMs: null, route: 'default/bench-model', provider: 'default/mock', upstreamModel: 'bench-upstream', attempts: 1, stream: false, tokensIn: 9, tokensOut: 7, costUSD: 0.0001, keyId: 'default/bench-key', team: 'bench', user: null });
for (const [name, l] of [['redacting', logger], ['child-noredact', child], ['redacting', logger], ['child-noredact', child]] as const) {
  const t0 = performance.now();
  for (let i = 0; i < 100000; i++) l.info(line(), 'request');
  console.log(name, ((performance.now() - t0) / 100).toFixed(2), 'µs/line');
}
const out: string[] = []; const c2 = createLogger({ destination: { write: (s: string) => void out.push(s) } }).child({}, { redact: { paths: [] } });
c2.info({ authorization: 'Bearer x', route: 'r'.repeat(5000) }, 'request'); console.log(out[0]?.slice(0, 200), out[0]?.length);
