// `npm run load:d1 -- --duration 30s [--rate 200] [--stream-share 0.7] [--tokens 300] [--warmup 5s]`
// Catalogue D1, sustained load: an open-loop generator sends `rate` requests per second for `duration` through the
// gateway (a child process, auth on) to the fault upstream (another child process), `stream-share` of them streamed. Each
// answer has `tokens` content events (~30 ms apart for streams; non-stream answers take 100 ms to start), so streams
// last ~0.3 s × tokens/10 and hold a connection meanwhile. Prints the achieved rate, errors, latency percentiles,
// and the gateway's RSS and heap slope after warm-up (MB per minute, least squares over 1 s samples) and event-loop
// lag. Not part of `npm test`: it needs minutes and a quiet machine to mean anything.
import { parseArgs } from 'node:util';
import { faultModel } from '../../test/support/fault-upstream.ts';
import { generatorLag, parseDuration, percentile, readStream, round1, sampleGateway, slope, startLoadWorld } from './common.ts';
import type { MemSample } from './common.ts';

const { values } = parseArgs({
  options: {
    gateway: { type: 'string' },
    duration: { type: 'string', default: '60s' }, rate: { type: 'string', default: '200' },
    'stream-share': { type: 'string', default: '0.7' }, tokens: { type: 'string', default: '300' }, warmup: { type: 'string', default: '5s' },
  },
});
const durationS = parseDuration(values.duration);
const warmupS = parseDuration(values.warmup);
const rate = Number(values.rate);
const streamShare = Number(values['stream-share']);
const tokens = Number(values.tokens);
if (!(rate > 0) || !(streamShare >= 0 && streamShare <= 1) || !(tokens > 0)) throw new Error('bad --rate, --stream-share or --tokens');

// 300 tokens as 30 events of ~10 tokens, 10 ms apart: a stream lasts ~0.3 s of upstream time.
const events = Math.max(1, Math.round(tokens / 10));
const world = await startLoadWorld({
  'd1-stream': faultModel({ pieces: events, gapMs: 10, inputTokens: 200, outputTokens: tokens }),
  'd1-json': faultModel({ pieces: events, headDelayMs: 100, inputTokens: 200, outputTokens: tokens }),
}, values.gateway);
const headers = { 'content-type': 'application/json', authorization: `Bearer ${world.apiKey}` };
const body = (model: string, stream: boolean): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'Write a short poem about load tests.' }], ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
const STREAM_BODY = body('d1-stream', true);
const JSON_BODY = body('d1-json', false);

const jsonMs: number[] = [];
const streamTotalMs: number[] = [];
const streamTtfbMs: number[] = [];
const errors = new Map<string, number>();
let sent = 0;
let completed = 0;
let inFlight = 0;
const fail = (why: string): void => void errors.set(why, (errors.get(why) ?? 0) + 1);

async function one(stream: boolean, measured: boolean): Promise<void> {
  const t0 = performance.now();
  inFlight++;
  try {
    const res = await fetch(`${world.origin}/v1/chat/completions`, { method: 'POST', headers, body: stream ? STREAM_BODY : JSON_BODY, signal: AbortSignal.timeout(60_000) });
    if (res.status !== 200) {
      const text = await res.text();
      fail(`HTTP ${res.status} ${/"code":"([a-z_]+)"/.exec(text)?.[1] ?? ''}`.trim());
      return;
    }
    if (stream) {
      const r = await readStream(res, t0);
      if (!r.done) return fail('stream without [DONE]');
      if (measured) {
        streamTtfbMs.push(r.ttfbMs);
        streamTotalMs.push(performance.now() - t0);
      }
    } else {
      const j = (await res.json()) as { choices?: unknown[] };
      if (!Array.isArray(j.choices)) return fail('JSON without choices');
      if (measured) jsonMs.push(performance.now() - t0);
    }
    if (measured) completed++;
  } catch (err) {
    fail(err instanceof Error ? err.name : 'error');
  } finally {
    inFlight--;
  }
}

console.log(`D1: ${rate} RPS for ${durationS} s (+${warmupS} s warm-up), ${Math.round(streamShare * 100)}% streamed, ${tokens} tokens per answer`);
const samples: MemSample[] = [];
const lag = generatorLag();
const start = performance.now();
const totalS = warmupS + durationS;
const sampler = setInterval(() => {
  void sampleGateway(world.gw, (performance.now() - start) / 1000).then((s) => samples.push(s), () => undefined);
}, 1000);
// Open loop: request i is due at start + i/rate, whatever happened to the earlier ones.
let i = 0;
let nextStreamDebt = 0;
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const now = performance.now();
    const due = Math.floor(((now - start) / 1000) * rate);
    while (i < due && (now - start) / 1000 < totalS) {
      nextStreamDebt += streamShare;
      const stream = nextStreamDebt >= 1;
      if (stream) nextStreamDebt -= 1;
      const measured = (now - start) / 1000 >= warmupS;
      if (measured) sent++;
      void one(stream, measured);
      i++;
    }
    if ((now - start) / 1000 >= totalS) return resolve();
    setTimeout(tick, 2);
  };
  tick();
});
while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
clearInterval(sampler);
const wallS = (performance.now() - start) / 1000;

const afterWarmup = samples.filter((s) => s.t >= warmupS);
const rssSlope = slope(afterWarmup.map((s) => ({ x: s.t / 60, y: s.rssMb })));
const heapSlope = slope(afterWarmup.map((s) => ({ x: s.t / 60, y: s.heapMb })));
const first = afterWarmup[0];
const last = afterWarmup.at(-1);
const errCount = [...errors.values()].reduce((a, b) => a + b, 0);
const summary = {
  case: 'D1',
  durationS, warmupS, targetRps: rate, streamShare, tokens,
  achievedRps: round1(sent / durationS),
  completed, errors: Object.fromEntries(errors), errorRate: sent > 0 ? Math.round((errCount / sent) * 1e5) / 1e5 : 0,
  jsonMs: { p50: round1(percentile(jsonMs, 0.5)), p99: round1(percentile(jsonMs, 0.99)) },
  streamTtfbMs: { p50: round1(percentile(streamTtfbMs, 0.5)), p99: round1(percentile(streamTtfbMs, 0.99)) },
  streamTotalMs: { p50: round1(percentile(streamTotalMs, 0.5)), p99: round1(percentile(streamTotalMs, 0.99)) },
  gateway: {
    rssMb: { first: first?.rssMb, last: last?.rssMb, max: Math.max(...afterWarmup.map((s) => s.rssMb)) },
    heapMb: { first: first?.heapMb, last: last?.heapMb },
    rssSlopeMbPerMin: round1(rssSlope), heapSlopeMbPerMin: round1(heapSlope),
    generatorLagP99Ms: lag.p99Ms(),
    eventLoopLagP99MsMax: Math.max(...afterWarmup.map((s) => s.lagP99Ms)),
  },
  wallS: round1(wallS),
};
await world.stop();
console.log(`achieved ${summary.achievedRps} RPS, ${completed} completed, error rate ${summary.errorRate} ${errCount > 0 ? JSON.stringify(summary.errors) : ''}`);
console.log(`non-stream latency p50 ${summary.jsonMs.p50} ms, p99 ${summary.jsonMs.p99} ms (upstream takes ~100 ms)`);
console.log(`stream TTFB p50 ${summary.streamTtfbMs.p50} ms, p99 ${summary.streamTtfbMs.p99} ms; stream total p50 ${summary.streamTotalMs.p50} ms, p99 ${summary.streamTotalMs.p99} ms`);
console.log(`gateway RSS ${summary.gateway.rssMb.first} → ${summary.gateway.rssMb.last} MB (slope ${summary.gateway.rssSlopeMbPerMin} MB/min), heap ${summary.gateway.heapMb.first} → ${summary.gateway.heapMb.last} MB (slope ${summary.gateway.heapSlopeMbPerMin} MB/min), event-loop lag p99 max ${summary.gateway.eventLoopLagP99MsMax} ms (generator's own: ${summary.gateway.generatorLagP99Ms} ms)`);
console.log(JSON.stringify(summary));
if (inFlight !== 0) process.exitCode = 1;
