// Per-call CPU of hot-path pieces, this tree against another source tree (default /tmp/sy-base, e.g. a `git archive`
// of the previous commit), in one process with alternating rounds: `node bench/profile/micro.bench.ts [BASE_TREE]`.
// The access line goes to a pino logger built by createLogger over a discarding destination.
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { writeAccessLog } from '../../pkg/proxy/access-log.ts';
import { buildHeaders } from '../../pkg/providers/openai/request.ts';
import type { TableProvider } from '../../pkg/table/types.ts';

const base = process.argv[2] ?? '/tmp/sy-base';
const old = {
  log: (await import(`${base}/pkg/proxy/access-log.ts`) as typeof import('../../pkg/proxy/access-log.ts')).writeAccessLog,
  headers: (await import(`${base}/pkg/providers/openai/request.ts`) as typeof import('../../pkg/providers/openai/request.ts')).buildHeaders,
};
let bytes = 0;
const logger = createLogger({ destination: { write(s: string) { bytes += s.length; } } as never }).child({}, { redact: { paths: [] } });
const line = {
  requestId: '0190d6f4-5b0e-7c4e-9a3b-2f1e0d9c8b7a', method: 'POST', path: '/v1/chat/completions', status: 200, code: '', durationMs: 1.23456,
  ttftMs: null, route: 'default/bench-model', provider: 'default/bench-upstream', upstreamModel: 'bench-model', attempts: 1, uncertainAttempts: 0,
  stream: false, tokensIn: 9, tokensOut: 7, costUSD: 0.000123, usageEstimated: false, keyId: 'default/bench-key', team: 'bench', user: null,
};
const provider = { headers: { 'x-extra': 'a' } } as unknown as TableProvider;
let sink = 0;
const cases: Record<string, [() => void, () => void]> = {
  'access log line': [() => old.log(logger, line), () => writeAccessLog(logger, line)],
  'upstream headers': [() => { sink += Object.keys(old.headers(provider, line.requestId, false)).length; }, () => { sink += Object.keys(buildHeaders(provider, line.requestId, false)).length; }],
};
const N = 50_000;
function time(f: () => void): number {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / N;
}
for (const [name, [a, b]] of Object.entries(cases)) {
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < 9; r++) {
    ra.push(time(a));
    rb.push(time(b));
  }
  const med = (x: number[]): number => [...x].sort((p, q) => p - q)[4] ?? 0;
  console.log(`${name}: before ${med(ra).toFixed(2)} µs, after ${med(rb).toFixed(2)} µs (median of 9 rounds of ${N})`);
}
if (bytes < 0 || sink < 0) console.log('unreachable');
