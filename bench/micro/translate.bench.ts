// Micro-benchmark: CPU per forwarded upstream event of stream translation, decoder and encoder together, for each
// translated pair (Anthropic upstream → OpenAI chat client, OpenAI upstream → Anthropic Messages client, OpenAI
// upstream → Responses client) and, for reference, the two native passthroughs. The stream is realistic: hundreds of
// text deltas and one tool call with usage (streams.ts), one upstream event per chunk. Goal: ≤ 15 µs per event
// for every translated pair (issue 7 point 8).
//
// `npm run bench:micro` (or `node bench/micro/translate.bench.ts [--json] [--quick] [--rounds N] [--min-round-ms N]
// [--text-deltas N]`). `npm run bench` runs it too and puts the JSON under `micro.translate` in latest.json.
import { parseArgs } from 'node:util';
import type { ClientCodec, EncodeContext, ProviderCodec } from '../../pkg/canonical/codec.ts';
import { clientCodec as anthropicClient, providerCodec as anthropicProvider } from '../../pkg/dialects/anthropic-messages/index.ts';
import { clientCodec as chatClient, providerCodec as chatProvider } from '../../pkg/dialects/openai-chat/index.ts';
import { clientCodec as responsesClient } from '../../pkg/dialects/openai-responses/index.ts';
import { createAnthropicStreamTranslator } from '../../pkg/providers/anthropic/anthropic-messages.ts';
import { createOpenAIStreamTranslator } from '../../pkg/providers/openai/stream.ts';
import type { StreamTranslator } from '../../pkg/providers/types.ts';
import { createCanonicalStream } from '../../pkg/proxy/dispatch/canonical-stream.ts';
import type { TableProvider } from '../../pkg/table/types.ts';
import { anthropicUpstream, DEFAULT_SHAPE, openAIUpstream } from './streams.ts';
import type { StreamShape } from './streams.ts';

export const GOAL_US_PER_EVENT = 15;

export interface PairResult {
  readonly name: string;
  readonly kind: 'translated' | 'passthrough';
  readonly upstream: string;
  readonly client: string;
  /** Upstream events per stream (the denominator). */
  readonly events: number;
  readonly out_bytes_per_stream: number;
  /** Median over rounds of process CPU time (user + system) per upstream event. */
  readonly cpu_us_per_event: number;
  /** Median over rounds of wall time per upstream event. */
  readonly wall_us_per_event: number;
  readonly pass: boolean;
}

export interface TranslateBenchResult {
  readonly benchmark: 'translate';
  readonly node_version: string;
  readonly goal_us_per_event: number;
  readonly shape: { readonly text_deltas: number; readonly arg_deltas: number };
  readonly rounds: number;
  readonly pairs: readonly PairResult[];
  /** The slowest translated pair's CPU µs per event. */
  readonly translated_max_cpu_us_per_event: number;
  /** Every translated pair met the goal. */
  readonly pass: boolean;
}

export interface TranslateBenchOptions {
  readonly rounds: number;
  /** Each round repeats the stream until at least this much wall time passed. */
  readonly minRoundMs: number;
  readonly shape: StreamShape;
}

const CTX: EncodeContext = { model: 'client-model', requestId: 'req-bench-0001', nowSec: 1735689600, streamUsage: true };
const PROVIDER = { id: 'bench', baseURL: 'http://127.0.0.1', credential: null, headers: {}, streamUsage: true } as unknown as TableProvider;

interface Pair {
  readonly name: string;
  readonly kind: PairResult['kind'];
  readonly upstream: 'anthropic' | 'openai';
  readonly client: string;
  make(): StreamTranslator;
}

const translated = (p: ProviderCodec, c: ClientCodec) => (): StreamTranslator => createCanonicalStream(p.createStreamDecoder(), c.createStreamEncoder(CTX));

export const PAIRS: readonly Pair[] = [
  { name: 'anthropic→openai-chat', kind: 'translated', upstream: 'anthropic', client: 'openai-chat', make: translated(anthropicProvider, chatClient) },
  { name: 'openai-chat→anthropic-messages', kind: 'translated', upstream: 'openai', client: 'anthropic-messages', make: translated(chatProvider, anthropicClient) },
  { name: 'openai-chat→openai-responses', kind: 'translated', upstream: 'openai', client: 'openai-responses', make: translated(chatProvider, responsesClient) },
  { name: 'openai-chat passthrough', kind: 'passthrough', upstream: 'openai', client: 'openai-chat', make: () => createOpenAIStreamTranslator({ provider: PROVIDER, wantsUsage: true }) },
  { name: 'anthropic-messages passthrough', kind: 'passthrough', upstream: 'anthropic', client: 'anthropic-messages', make: () => createAnthropicStreamTranslator(PROVIDER) },
];

/** Runs one stream through a fresh translator; returns the client bytes (as string length) and checks the outcome. */
function runOnce(pair: Pair, chunks: readonly Uint8Array[]): number {
  const t = pair.make();
  let n = 0;
  for (const c of chunks) n += t.push(c).length;
  const end = t.end();
  if (end.outcome !== 'complete' || end.error !== undefined || !t.contentSeen || end.usage === null) {
    throw new Error(`${pair.name}: the benchmark stream did not translate cleanly (${end.outcome}, error ${end.error?.kind ?? 'none'}, content ${t.contentSeen})`);
  }
  return n + end.tail.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

function measurePair(pair: Pair, chunks: readonly Uint8Array[], opts: TranslateBenchOptions): PairResult {
  const events = chunks.length;
  const outBytes = runOnce(pair, chunks);
  // Warm-up (JIT) and calibration: repetitions per round so a round lasts at least minRoundMs.
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) runOnce(pair, chunks);
    const ms = performance.now() - t0;
    if (ms >= opts.minRoundMs || reps >= 1 << 16) break;
    reps = Math.max(reps * 2, Math.ceil((reps * opts.minRoundMs) / Math.max(ms, 0.01)));
  }
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < opts.rounds; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) runOnce(pair, chunks);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / (reps * events));
    wall.push((ms * 1000) / (reps * events));
  }
  const cpuUs = round2(median(cpu));
  return {
    name: pair.name, kind: pair.kind, upstream: pair.upstream, client: pair.client, events, out_bytes_per_stream: outBytes,
    cpu_us_per_event: cpuUs, wall_us_per_event: round2(median(wall)), pass: cpuUs <= GOAL_US_PER_EVENT,
  };
}

export function runTranslateBench(opts: TranslateBenchOptions): TranslateBenchResult {
  const enc = new TextEncoder();
  const streams = { anthropic: anthropicUpstream(opts.shape).map((e) => enc.encode(e)), openai: openAIUpstream(opts.shape).map((e) => enc.encode(e)) };
  const pairs = PAIRS.map((p) => measurePair(p, streams[p.upstream], opts));
  const tr = pairs.filter((p) => p.kind === 'translated');
  const max = Math.max(...tr.map((p) => p.cpu_us_per_event));
  return {
    benchmark: 'translate', node_version: process.version, goal_us_per_event: GOAL_US_PER_EVENT,
    shape: { text_deltas: opts.shape.textDeltas, arg_deltas: opts.shape.argDeltas }, rounds: opts.rounds,
    pairs, translated_max_cpu_us_per_event: max, pass: tr.every((p) => p.pass),
  };
}

export function formatTranslateBench(r: TranslateBenchResult): string {
  const events = r.pairs.map((p) => p.events);
  const lines = [`Stream translation (${Math.min(...events)}–${Math.max(...events)} upstream events per stream, median of ${r.rounds} rounds; goal ≤ ${r.goal_us_per_event} µs CPU/event for translated pairs):`];
  for (const p of r.pairs) {
    const verdict = p.kind === 'translated' ? (p.pass ? 'PASS' : 'FAIL') : '    ';
    lines.push(`  ${verdict}  ${p.name.padEnd(32)} ${p.cpu_us_per_event.toFixed(2).padStart(7)} µs CPU/event  ${p.wall_us_per_event.toFixed(2).padStart(7)} µs wall/event  (${p.kind})`);
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false },
      rounds: { type: 'string' }, 'min-round-ms': { type: 'string' }, 'text-deltas': { type: 'string' },
    },
  });
  const int = (v: string | undefined, dflt: number, name: string): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const opts: TranslateBenchOptions = {
    rounds: int(values.rounds, values.quick ? 3 : 15, 'rounds'),
    minRoundMs: int(values['min-round-ms'], values.quick ? 5 : 40, 'min-round-ms'),
    shape: { ...DEFAULT_SHAPE, textDeltas: int(values['text-deltas'], DEFAULT_SHAPE.textDeltas, 'text-deltas') },
  };
  const r = runTranslateBench(opts);
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : formatTranslateBench(r));
}

if (import.meta.main) main();
