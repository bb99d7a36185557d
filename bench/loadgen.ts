// Open-loop HTTP load generator. Requests are scheduled at fixed intervals for the target rate and sent whether or
// not earlier ones have answered; latency is measured from each request's SCHEDULED send time, so a stalled server
// shows up as latency instead of silently lowering the offered rate (no coordinated omission).
// Run alone: `node bench/loadgen.ts --url http://127.0.0.1:PORT/v1/chat/completions --rate 1000 --duration 10 --warmup 2`
// (API key, if any, from the SWITCHYARD_BENCH_API_KEY environment variable); prints one JSON object (LoadResult).
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { createRecorder } from './histogram.ts';
import type { LatencySummary, SampleRecorder } from './histogram.ts';

export interface LoadOptions {
  readonly url: string;
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Longest wait for in-flight requests after the last one was scheduled; the rest count as timeouts. */
  readonly drainTimeoutS: number;
  /**
   * Closed loop: `connections` clients each send the next request as soon as the previous one answered, for the
   * duration (rate is ignored); latency is then measured from the actual send. Open loop (false) is the default.
   */
  readonly closed?: boolean;
}

export interface LoadResult {
  readonly url: string;
  readonly target_rps: number;
  readonly duration_s: number;
  readonly warmup_s: number;
  readonly connections: number;
  /** Measured window only (warm-up excluded). */
  readonly sent: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** (non2xx + errors + timeouts) / sent. */
  readonly error_rate: number;
  readonly sent_rps: number;
  /** 2xx responses / (first scheduled send → last completion), at least the nominal duration. */
  readonly achieved_rps: number;
  /** From scheduled send time to the end of the response body: what a client at this rate experiences. */
  readonly latency: LatencySummary;
  /** From the moment the request was handed to undici: for comparison only (hides generator lag). */
  readonly service_time: LatencySummary;
  /** Actual hand-off minus scheduled time: large values mean the generator itself could not keep up. */
  readonly send_lag: LatencySummary;
  /** From scheduled send time (closed loop: actual send) to the response head: time to first byte for streams. */
  readonly ttfb: LatencySummary;
  /** 'open' (fixed schedule) or 'closed' (each connection sends again when answered). */
  readonly mode: 'open' | 'closed';
  /** Request body size in bytes. */
  readonly body_bytes: number;
  readonly status_codes: Readonly<Record<string, number>>;
  readonly error_samples: readonly string[];
  /** Requests completed in warm-up + measured window (for CPU-per-request accounting). */
  readonly total_completed: number;
  readonly generator_cpu_pct: number;
}

interface Tally {
  sent: number; ok: number; non2xx: number; errors: number; timeouts: number; totalCompleted: number;
  inflight: number; lastCompletion: number; draining: boolean;
  readonly codes: Map<number, number>;
  readonly errorSamples: string[];
  readonly latency: SampleRecorder; readonly service: SampleRecorder; readonly lag: SampleRecorder;
  readonly ttfb: SampleRecorder;
  /** Closed loop: called after each completion to send the next request. */
  onDone: (() => void) | null;
  onIdle: (() => void) | null;
}

/** One request's bookkeeping; a minimal undici dispatch handler (no Readable per response). */
class RequestHandler implements Dispatcher.DispatchHandler {
  readonly scheduled: number;
  readonly sentAt: number;
  readonly measured: boolean;
  readonly tally: Tally;
  status = 0;

  constructor(tally: Tally, scheduled: number, sentAt: number, measured: boolean) {
    this.tally = tally;
    this.scheduled = scheduled;
    this.sentAt = sentAt;
    this.measured = measured;
  }

  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
    if (this.measured) this.tally.ttfb.record(performance.now() - this.scheduled);
  }

  /** The start of a non-2xx body, while fewer than 5 error samples were kept. */
  errorBody = '';

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    if ((this.status < 200 || this.status >= 300) && this.errorBody.length < 300 && this.tally.errorSamples.length < 5) {
      this.errorBody += chunk.toString('utf8', 0, Math.min(chunk.length, 300));
    }
  }

  onResponseEnd(): void {
    const now = performance.now();
    const t = this.tally;
    t.totalCompleted++;
    if (this.measured) {
      t.codes.set(this.status, (t.codes.get(this.status) ?? 0) + 1);
      if (this.status >= 200 && this.status < 300) t.ok++;
      else {
        t.non2xx++;
        if (t.errorSamples.length < 5) t.errorSamples.push(`HTTP ${this.status}: ${this.errorBody.slice(0, 300)}`);
      }
      t.latency.record(now - this.scheduled);
      t.service.record(now - this.sentAt);
      t.lastCompletion = now;
    }
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const t = this.tally;
    if (this.measured) {
      if (t.draining) t.timeouts++;
      else t.errors++;
      if (t.errorSamples.length < 5) t.errorSamples.push(`${err.name}: ${err.message}`);
    }
    this.finish();
  }

  private finish(): void {
    const t = this.tally;
    t.inflight--;
    if (t.onDone !== null) t.onDone();
    if (t.inflight === 0 && t.onIdle !== null) t.onIdle();
  }
}

function newTally(expected: number): Tally {
  return {
    sent: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0, totalCompleted: 0, inflight: 0, lastCompletion: 0, draining: false,
    codes: new Map(), errorSamples: [], onIdle: null, onDone: null,
    latency: createRecorder(expected), service: createRecorder(expected), lag: createRecorder(expected),
    ttfb: createRecorder(expected),
  };
}

function dispatchOptions(opts: LoadOptions): Dispatcher.DispatchOptions {
  const url = new URL(opts.url);
  return { path: url.pathname + url.search, method: 'POST', headers: { ...opts.headers }, body: Buffer.from(opts.body) };
}

/**
 * Closed loop: keep `connections` requests in flight until `end`, each replaced by the next as soon as it answers;
 * resolves when the last one has been sent.
 */
function closedLoop(opts: LoadOptions, pool: Pool, tally: Tally, t0: number): Promise<void> {
  const warmupEnd = t0 + opts.warmupS * 1000;
  const end = warmupEnd + opts.durationS * 1000;
  const dispatchOpts = dispatchOptions(opts);
  return new Promise((resolve) => {
    let stopped = false;
    const send = (): void => {
      const now = performance.now();
      if (now >= end) {
        if (!stopped) {
          stopped = true;
          tally.onDone = null;
          resolve();
        }
        return;
      }
      const measured = now >= warmupEnd;
      if (measured) tally.sent++;
      tally.inflight++;
      pool.dispatch(dispatchOpts, new RequestHandler(tally, now, now, measured));
    };
    // The first requests wait for t0; completions then call send() again (synchronously from undici's callback).
    setTimeout(() => {
      tally.onDone = send;
      for (let i = 0; i < opts.connections; i++) send();
    }, Math.max(0, t0 - performance.now()));
    setTimeout(() => {
      if (!stopped) {
        stopped = true;
        tally.onDone = null;
        resolve();
      }
    }, Math.max(0, end - performance.now()) + 1);
  });
}

/** Fire requests on a fixed schedule until `end`; resolves when the last one has been handed to undici. */
function schedule(opts: LoadOptions, pool: Pool, tally: Tally, t0: number): Promise<void> {
  const interval = 1000 / opts.rate;
  const warmupEnd = t0 + opts.warmupS * 1000;
  const end = warmupEnd + opts.durationS * 1000;
  const dispatchOpts = dispatchOptions(opts);
  let i = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      let next = t0 + i * interval;
      while (next <= now && next < end) {
        const measured = next >= warmupEnd;
        if (measured) {
          tally.sent++;
          tally.lag.record(now - next);
        }
        tally.inflight++;
        pool.dispatch(dispatchOpts, new RequestHandler(tally, next, now, measured));
        i++;
        next = t0 + i * interval;
      }
      if (next >= end) resolve();
      else setTimeout(tick, Math.max(0, next - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}

function drain(tally: Tally, timeoutS: number): Promise<void> {
  if (tally.inflight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      tally.onIdle = null;
      resolve();
    }, timeoutS * 1000);
    tally.onIdle = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function result(opts: LoadOptions, t: Tally, t0: number, cpuMicros: number, wallMs: number): LoadResult {
  const windowStart = t0 + opts.warmupS * 1000;
  const windowS = Math.max(opts.durationS, (t.lastCompletion - windowStart) / 1000);
  const failed = t.non2xx + t.errors + t.timeouts;
  const round = (v: number, d = 1): number => Math.round(v * 10 ** d) / 10 ** d;
  return {
    url: opts.url, target_rps: opts.rate, duration_s: opts.durationS, warmup_s: opts.warmupS, connections: opts.connections,
    sent: t.sent, ok: t.ok, non2xx: t.non2xx, errors: t.errors, timeouts: t.timeouts,
    error_rate: t.sent > 0 ? round(failed / t.sent, 6) : 0,
    sent_rps: round(t.sent / opts.durationS),
    achieved_rps: round(t.ok / windowS),
    latency: t.latency.summary(), service_time: t.service.summary(), send_lag: t.lag.summary(), ttfb: t.ttfb.summary(),
    mode: opts.closed === true ? 'closed' : 'open', body_bytes: Buffer.byteLength(opts.body),
    status_codes: Object.fromEntries([...t.codes].map(([k, v]) => [String(k), v])),
    error_samples: t.errorSamples, total_completed: t.totalCompleted,
    generator_cpu_pct: round((cpuMicros / 1000 / wallMs) * 100),
  };
}

/** Run one open-loop load test and return its measurements. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const url = new URL(opts.url);
  const pool = new Pool(url.origin, {
    connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000,
    headersTimeout: (opts.drainTimeoutS + opts.durationS + opts.warmupS) * 1000, bodyTimeout: 0,
  });
  const tally = newTally(opts.closed === true ? 50_000 : opts.rate * opts.durationS * 1.1);
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const t0 = wall0 + 5;
  try {
    await (opts.closed === true ? closedLoop(opts, pool, tally, t0) : schedule(opts, pool, tally, t0));
    await drain(tally, opts.drainTimeoutS);
    tally.draining = true;
  } finally {
    await pool.destroy().catch(() => undefined);
  }
  const cpu = process.cpuUsage(cpu0);
  return result(opts, tally, t0, cpu.user + cpu.system, performance.now() - wall0);
}

export const DEFAULT_BODY = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say hello.' }],
  max_tokens: 16,
});

/** The client dialect of the request body: OpenAI chat completions or Anthropic Messages. */
export type BodyDialect = 'openai' | 'anthropic';

/**
 * A request body in `dialect` for `model`, padded with filler text in the user message to about `bytes` bytes (the
 * default small body when `bytes` is 0), streaming when `stream`.
 */
export function requestBody(dialect: BodyDialect, model: string, bytes: number, stream: boolean): string {
  const make = (content: string): string => JSON.stringify(dialect === 'openai'
    ? { model, messages: [{ role: 'user', content }], max_tokens: 16, ...(stream ? { stream: true } : {}) }
    : { model, max_tokens: 16, messages: [{ role: 'user', content }], ...(stream ? { stream: true } : {}) });
  const base = make('Say hello.');
  if (bytes <= base.length) return base;
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore ';
  const fill = words.repeat(Math.ceil((bytes - base.length) / words.length) + 1).slice(0, bytes - base.length);
  return make(`Say hello.${fill}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      rate: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '128' },
      drain: { type: 'string', default: '5' },
      stream: { type: 'boolean', default: false },
      closed: { type: 'boolean', default: false },
      'body-bytes': { type: 'string', default: '0' },
      dialect: { type: 'string', default: 'openai' },
      model: { type: 'string', default: 'bench-model' },
    },
  });
  if (values.url === undefined) throw new Error('--url is required');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const key = process.env.SWITCHYARD_BENCH_API_KEY;
  if (key !== undefined && key !== '') headers.authorization = `Bearer ${key}`;
  if (values.dialect !== 'openai' && values.dialect !== 'anthropic') throw new Error('--dialect must be openai or anthropic');
  if (values.dialect === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  const body = requestBody(values.dialect, values.model, Number(values['body-bytes']), values.stream);
  const opts: LoadOptions = {
    url: values.url, rate: Number(values.rate), durationS: Number(values.duration), warmupS: Number(values.warmup),
    connections: Number(values.connections), drainTimeoutS: Number(values.drain), headers, body, closed: values.closed,
  };
  for (const [k, v] of Object.entries({ rate: opts.rate, duration: opts.durationS, connections: opts.connections })) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number`);
  }
  const hardLimit = setTimeout(() => process.exit(3), (opts.warmupS + opts.durationS + opts.drainTimeoutS + 10) * 1000);
  hardLimit.unref();
  const res = await runLoad(opts);
  process.stdout.write(`${JSON.stringify(res)}\n`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
