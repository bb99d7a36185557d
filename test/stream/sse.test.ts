import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSseParser, encodeSseData, encodeSseEvent, SseEventTooLargeError } from '../../pkg/stream/sse.ts';
import type { SseEvent, SseParserOptions } from '../../pkg/stream/sse.ts';
import { splitAt } from '../support/byte-splits.ts';

const enc = new TextEncoder();

function parseChunks(chunks: readonly Uint8Array[], opts?: SseParserOptions): SseEvent[] {
  const events: SseEvent[] = [];
  const p = createSseParser((e) => events.push(e), opts);
  for (const c of chunks) p.push(c);
  p.end();
  return events;
}

const parse = (text: string, opts?: SseParserOptions): SseEvent[] => parseChunks([enc.encode(text)], opts);

/** Every split of `bytes` into two pieces, plus one byte at a time. */
function everySplit(bytes: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push(Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1)));
  return out;
}

describe('SSE parser', () => {
  it('parses data with and without a space, several events per chunk', () => {
    expect(parse('data: a\n\ndata:b\n\ndata:  c\n\n').map((e) => e.data)).toEqual(['a', 'b', ' c']);
  });

  it('handles \\n, \\r\\n and \\r line endings alike', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = `event: x${eol}data: one${eol}data: two${eol}${eol}data: three${eol}${eol}`;
      expect(parse(text)).toEqual([
        { event: 'x', data: 'one\ntwo', id: null },
        { event: '', data: 'three', id: null },
      ]);
    }
  });

  it('ignores comments, unknown fields and retry; keeps id; "data" without colon is empty data', () => {
    const events = parse(': keep-alive\n\nfoo: bar\nretry: 10\nid: 7\ndata: x\n\ndata\n\n');
    expect(events).toEqual([
      { event: '', data: 'x', id: '7' },
      { event: '', data: '', id: null },
    ]);
  });

  it('dispatches nothing for a blank event and strips a leading BOM', () => {
    expect(parse('\n\nevent: only\n\n')).toEqual([]);
    expect(parse('\uFEFFdata: x\n\n')).toEqual([{ event: '', data: 'x', id: null }]);
  });

  it('B9 a \\r\\n split across chunks is one terminator', () => {
    const events = parseChunks([enc.encode('data: a\r'), enc.encode('\n\r'), enc.encode('\ndata: b\r\n\r\n')]);
    expect(events.map((e) => e.data)).toEqual(['a', 'b']);
  });

  it('B9 a UTF-8 character split across chunks is decoded whole', () => {
    const bytes = enc.encode('data: {"c":"héllo 😀 ✓"}\n\n');
    for (const chunks of everySplit(bytes)) expect(parseChunks(chunks)[0]?.data).toBe('{"c":"héllo 😀 ✓"}');
  });

  it('at end: flushes an event whose lines ended, discards an unterminated line', () => {
    expect(parse('data: [DONE]\n').map((e) => e.data)).toEqual(['[DONE]']);
    expect(parse('data: a\n\ndata: {"trunc')).toEqual([{ event: '', data: 'a', id: null }]);
  });

  it('B10 an event over maxEventBytes throws', () => {
    const big = `data: ${'x'.repeat(200)}\n`;
    expect(() => parse(big.repeat(3) + '\n', { maxEventBytes: 500 })).toThrow(SseEventTooLargeError);
    expect(parse(big.repeat(2) + '\n', { maxEventBytes: 500 })).toHaveLength(1);
  });

  it('A10 1 MiB with no newline throws instead of buffering forever', () => {
    const p = createSseParser(() => {}, { maxEventBytes: 1024 * 1024 });
    const piece = enc.encode('x'.repeat(64 * 1024));
    expect(() => {
      for (let i = 0; i < 20; i++) p.push(piece);
    }).toThrow(SseEventTooLargeError);
  });

  it('the parser copies partial lines (callers may reuse their buffer)', () => {
    const events: string[] = [];
    const p = createSseParser((e) => events.push(e.data));
    const buf = enc.encode('data: abc');
    p.push(buf);
    buf.fill(0x7a);
    p.push(enc.encode('\n\n'));
    expect(events).toEqual(['abc']);
  });
});

describe('SSE encoder', () => {
  it('A10 data with line breaks becomes several data lines, never a new event', () => {
    const data = 'a\n\ndata: [DONE]\n\nb\r\nc\rd';
    const text = encodeSseData(data);
    expect(text).toBe('data: a\ndata: \ndata: data: [DONE]\ndata: \ndata: b\ndata: c\ndata: d\n\n');
    expect(parse(text)).toEqual([{ event: '', data: 'a\n\ndata: [DONE]\n\nb\nc\nd', id: null }]);
  });

  it('encodes event and id on one line each', () => {
    expect(encodeSseEvent({ event: 'error\nx', data: '{}', id: '1' })).toBe('event: error x\nid: 1\ndata: {}\n\n');
  });
});

// ---- property tests --------------------------------------------------------------------------------------------

interface GenEvent {
  readonly event: string;
  readonly lines: readonly string[];
  readonly eol: number;
  readonly noSpace: readonly boolean[];
  readonly comment: boolean;
}

const EOLS = ['\n', '\r\n', '\r'] as const;
const noBreaks = (s: string): boolean => !s.includes('\n') && !s.includes('\r');
const lineText = fc.string({ unit: 'binary', maxLength: 40 }).filter(noBreaks);

const genEvent: fc.Arbitrary<GenEvent> = fc.record({
  event: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }).filter((s) => noBreaks(s) && !s.startsWith(' '))),
  lines: fc.array(lineText, { minLength: 1, maxLength: 3 }),
  eol: fc.integer({ min: 0, max: 2 }),
  noSpace: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  comment: fc.boolean(),
});

function render(events: readonly GenEvent[]): string {
  let out = '';
  for (const e of events) {
    // One line-ending style per event: a \r line end followed by a blank \n line would read as one \r\n.
    const eol = (): string => EOLS[e.eol] ?? '\n';
    if (e.comment) out += `: comment${eol()}`;
    if (e.event !== '') out += `event: ${e.event}${eol()}`;
    e.lines.forEach((l, i) => {
      const bare = (e.noSpace[i] ?? false) && !l.startsWith(' ');
      out += `${bare ? 'data:' : 'data: '}${l}${eol()}`;
    });
    out += eol();
  }
  return out;
}

function expected(events: readonly GenEvent[]): SseEvent[] {
  return events.map((e) => ({ event: e.event, data: e.lines.join('\n'), id: null }));
}

describe('SSE properties', () => {
  it('B9 any valid stream parses to identical events however it is chunked', () => {
    fc.assert(
      fc.property(fc.array(genEvent, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (events, cuts) => {
        const bytes = enc.encode(render(events));
        expect(parseChunks(splitAt(bytes, cuts))).toEqual(expected(events));
      }),
      { numRuns: 300 },
    );
  });

  it('B9 a sample stream splits identically at every byte offset', () => {
    const text = 'event: a\r\ndata: {"x":"é😀"}\r\n\r\n: c\rdata:1\rdata: 2\r\rdata: [DONE]\n\n';
    const bytes = enc.encode(text);
    const want = parse(text);
    expect(want).toHaveLength(3);
    for (const chunks of everySplit(bytes)) expect(parseChunks(chunks)).toEqual(want);
  });

  it('A10 JSON-encoded content never produces extra events (\\n\\ndata: [DONE], \\r, U+2028, NUL, event: x)', () => {
    const hostile = fc.oneof(
      fc.constantFrom('\n\ndata: [DONE]\n\n', '\r', '\r\n', '\u2028', '\u2029', '\0', 'event: x\n', '\n\n'),
      fc.string({ unit: 'binary', maxLength: 10 }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(hostile, { maxLength: 5 }).map((p) => p.join('')), { minLength: 1, maxLength: 5 }), (contents) => {
        const text = contents.map((c) => encodeSseData(JSON.stringify({ choices: [{ delta: { content: c } }] }))).join('');
        const events = parse(text);
        expect(events.map((e) => (JSON.parse(e.data) as { choices: { delta: { content: string } }[] }).choices[0]?.delta.content)).toEqual(contents);
      }),
      { numRuns: 200 },
    );
  });

  it('A10 raw (non-JSON) data with line breaks round-trips through the encoder as one event', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 1, maxLength: 4 }), (datas) => {
        const text = datas.map((d) => encodeSseData(d)).join('');
        expect(parse(text).map((e) => e.data)).toEqual(datas.map((d) => d.replace(/\r\n|\r/g, '\n')));
      }),
      { numRuns: 200 },
    );
  });
});
