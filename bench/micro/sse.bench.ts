// Micro-benchmark: the hand-written SSE parser (and the OpenAI stream translator built on it) against a naive
// parser (decode each chunk, regex split, regex fields). Run: `npx node bench/micro/sse.bench.ts`. Prints ns/event.
import { createSseParser } from '../../pkg/stream/sse.ts';
import type { SseEvent } from '../../pkg/stream/sse.ts';
import { createOpenAIStreamTranslator } from '../../pkg/providers/openai/stream.ts';
import type { OpenAIStreamContext } from '../../pkg/providers/openai/stream.ts';

const EVENTS = 2000;
const ROUNDS = 15;

function chunkJson(i: number): string {
  return JSON.stringify({
    id: 'chatcmpl-AbCdEf0123456789', object: 'chat.completion.chunk', created: 1735689600, model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0123456789', choices: [{ index: 0, delta: { content: ` token${i} é` }, logprobs: null, finish_reason: null }], usage: null,
  });
}

const text = Array.from({ length: EVENTS }, (_v, i) => `data: ${chunkJson(i)}\n\n`).join('') + 'data: [DONE]\n\n';
const bytes = new TextEncoder().encode(text);
const perEvent: Uint8Array[] = [];
const per4k: Uint8Array[] = [];
{
  let start = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) {
    if (bytes[i + 1] === 10) {
      perEvent.push(bytes.subarray(start, i + 2));
      start = i + 2;
    }
  }
  for (let o = 0; o < bytes.length; o += 4096) per4k.push(bytes.subarray(o, o + 4096));
}

/** The naive approach: string buffer, regex split, regex field match, per chunk. */
function naiveParse(chunks: readonly Uint8Array[], onEvent: (e: SseEvent) => void): void {
  const dec = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  let event = '';
  for (const c of chunks) {
    buf += dec.decode(c, { stream: true });
    const lines = buf.split(/\r\n|\r|\n/);
    buf = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) onEvent({ event, data: data.join('\n'), id: null });
        data = [];
        event = '';
        continue;
      }
      const m = /^([^:]*)(?::\s?(.*))?$/.exec(line);
      if (m === null || m[1] === '') continue;
      if (m[1] === 'data') data.push(m[2] ?? '');
      else if (m[1] === 'event') event = m[2] ?? '';
    }
  }
}

function handParse(chunks: readonly Uint8Array[], onEvent: (e: SseEvent) => void): void {
  const p = createSseParser(onEvent);
  for (const c of chunks) p.push(c);
  p.end();
}

const ctx = { wantsUsage: false, provider: { baseURL: 'http://127.0.0.1', credential: null } } as unknown as OpenAIStreamContext;

function translate(chunks: readonly Uint8Array[]): void {
  const t = createOpenAIStreamTranslator(ctx);
  let n = 0;
  for (const c of chunks) n += t.push(c).length;
  if (n + t.end().tail.length === 0) throw new Error('no output');
}

/** Naive translator: parse every event and stringify it again (the per-chunk parse + stringify habit). */
function naiveTranslate(chunks: readonly Uint8Array[]): void {
  let n = 0;
  naiveParse(chunks, (e) => {
    if (e.data === '[DONE]') return;
    n += `data: ${JSON.stringify(JSON.parse(e.data))}\n\n`.length;
  });
  if (n === 0) throw new Error('no output');
}

function measure(name: string, fn: () => void): void {
  for (let i = 0; i < 3; i++) fn();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  console.log(`${name.padEnd(44)} ${(median / (EVENTS + 1)).toFixed(0).padStart(6)} ns/event`);
}

let sink = 0;
const count = (e: SseEvent): void => {
  sink += e.data.length;
};
console.log(`${EVENTS} OpenAI chunk events, ${bytes.length} bytes; median of ${ROUNDS} rounds`);
measure('parser: hand-written, 1 event per chunk', () => handParse(perEvent, count));
measure('parser: naive regex, 1 event per chunk', () => naiveParse(perEvent, count));
measure('parser: hand-written, 4 KiB chunks', () => handParse(per4k, count));
measure('parser: naive regex, 4 KiB chunks', () => naiveParse(per4k, count));
measure('translate: passthrough, 1 event per chunk', () => translate(perEvent));
measure('translate: naive parse+stringify, 1 event/chunk', () => naiveTranslate(perEvent));
if (sink === 0) throw new Error('benchmark produced nothing');
