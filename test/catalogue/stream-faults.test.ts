// Stream faults on every streaming client API, native and translated: B5 (reset mid-stream), B6 (in-band error
// event), B9 (malformed upstream answers), B10 (hostile upstreams), B11 (truncated stream). The fault upstream and
// the TCP fault server stand in for Toxiproxy's reset_peer / limit_data / slicer toxics.
import { beforeAll, describe, expect, it } from 'vitest';
import { faultModel, startTcpFault } from '../support/fault-upstream.ts';
import type { Fault, TcpFaultServer } from '../support/fault-upstream.ts';
import { accessLine, ALL_LANES, answerText, ask, codeOf, endedWithSuccess, errorEventCount, errorOf, hasSuccessTerminator, modelOf, STREAM_LANES, terminalError } from './support/lanes.ts';
import type { Answer, Lane } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const tcp: Record<string, TcpFaultServer> = {};
const MiB = 1024 * 1024;

beforeAll(async () => {
  tcp.reset = await startTcpFault({ kind: 'reset-after-content', afterContent: 2 });
  tcp.slicer = await startTcpFault({ kind: 'trickle', intervalMs: 1, bytes: 3 });
  tcp.bomb = await startTcpFault({ kind: 'gzip-bomb', inflatedBytes: 64 * MiB });
  tcp.layers = await startTcpFault({ kind: 'gzip-layers', layers: 1000 });
  tcp.headers = await startTcpFault({ kind: 'huge-headers', bytes: MiB });
  tcp.huge = await startTcpFault({ kind: 'huge-body', bytes: 256 * MiB });
  tcp.truncate = await startTcpFault({ kind: 'truncate' });
});

const simple = (fault: Fault) => (l: Lane): Record<string, unknown> => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: faultModel(fault) }] });
const viaTcp = (name: string) => (l: Lane): Record<string, unknown> => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, name), model: 'm' }] });

const w = useCatalogueWorld(() => ({
  // Caps small enough to test without allocating the catalogue's gigabyte.
  gateway: { options: { maxUpstreamBodyBytes: 4 * MiB } },
  endpoints: () => Object.fromEntries(Object.entries(tcp).map(([k, s]) => [k, { url: s.url }])),
  cases: {
    'b5-cut': { lanes: STREAM_LANES, spec: simple({ cutAfter: 2, gapMs: 15 }) },
    'b5-tcp': { lanes: STREAM_LANES, spec: viaTcp('reset') },
    'b6-after': { lanes: STREAM_LANES, spec: simple({ errorEventAfter: 1, gapMs: 15, code: 'overloaded_error', message: 'Overloaded' }) },
    'b6-before': { lanes: STREAM_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'main'), model: faultModel({ errorEventAfter: 0, code: 'overloaded_error', message: 'Overloaded' }) }], fallback: [{ provider: p(l, 'backup'), model: 'ok' }] }) },
    'b9-garbage-json': { lanes: ALL_LANES, spec: simple({ garbage: true }) },
    'b9-json-for-stream': { lanes: STREAM_LANES, spec: simple({ jsonForStream: true }) },
    'b9-garbage-before': { lanes: STREAM_LANES, spec: simple({ malformedAfter: 0 }) },
    'b9-garbage-after': { lanes: STREAM_LANES, spec: simple({ malformedAfter: 1, gapMs: 15 }) },
    'b9-sliced': { lanes: STREAM_LANES, spec: viaTcp('slicer') },
    'b10-event': { lanes: STREAM_LANES, spec: simple({ hugeEventBytes: 2 * MiB, gapMs: 15 }) },
    'b10-bomb': { lanes: ALL_LANES, spec: viaTcp('bomb') },
    'b10-layers': { lanes: ALL_LANES, spec: viaTcp('layers') },
    'b10-headers': { lanes: ALL_LANES, spec: viaTcp('headers') },
    'b10-huge': { lanes: ALL_LANES, spec: viaTcp('huge') },
    'b11-truncated': { lanes: STREAM_LANES, spec: simple({ truncateAfter: 2, gapMs: 15 }) },
    'b11-empty': { lanes: STREAM_LANES, spec: simple({ truncateAfter: 0 }) },
    'b11-short-body': { lanes: ALL_LANES, spec: viaTcp('truncate') },
  },
}), async () => {
  for (const s of Object.values(tcp)) await s.close();
});

/** A stream that failed after content reached the client: one terminal error event, no success terminator. */
async function expectTerminalError(l: Lane, a: Answer, code: string, text: string): Promise<void> {
  expect(a.status).toBe(200);
  expect(a.contentType).toContain('text/event-stream');
  expect(answerText(l.api, a)).toBe(text);
  expect(terminalError(l.api, a.text)).not.toBeNull();
  expect(errorEventCount(l.api, a.text)).toBe(1);
  expect(hasSuccessTerminator(l.api, a.text)).toBe(false);
  expect(await codeOf(w.gw, a)).toBe(code);
}

/** Nothing reached the client yet: a JSON error in its envelope. */
async function expectJsonError(l: Lane, a: Answer, status: number, code: string): Promise<void> {
  expect(a.status).toBe(status);
  expect(a.contentType).toContain('application/json');
  expect(errorOf(l.api, a).message).toEqual(expect.any(String));
  expect(await codeOf(w.gw, a)).toBe(code);
}

describe.each(STREAM_LANES)('B5 reset mid-stream after N chunks: $name', (l) => {
  it('HTTP upstream resets after 2 content events → terminal upstream_stream_interrupted, no success terminator', async () => {
    const a = await ask(w.gw, l.api, modelOf('b5-cut', l), { stream: true });
    await expectTerminalError(l, a, 'upstream_stream_interrupted', 'tok0 tok1 ');
    expect(w.up.requests).toHaveLength(1); // no automatic fallback or retry after content went out
    // The ledger records usage for what was delivered (reported so far, or estimated and flagged).
    expect(Number((await accessLine(w.gw, a.requestId)).tokensOut)).toBeGreaterThan(0);
  });

  it('TCP RST after the 2nd content event (raw socket) → the same', async () => {
    const before = tcp.reset?.requests ?? 0;
    const a = await ask(w.gw, l.api, modelOf('b5-tcp', l), { stream: true });
    await expectTerminalError(l, a, 'upstream_stream_interrupted', 'tok0 tok1 ');
    expect((tcp.reset?.requests ?? 0) - before).toBe(1);
  });
});

describe.each(STREAM_LANES)('B6 in-band error event: $name', (l) => {
  it('after content → translated into one terminal error event, never dropped, no success terminator', async () => {
    const a = await ask(w.gw, l.api, modelOf('b6-after', l), { stream: true });
    expect(a.status).toBe(200);
    expect(answerText(l.api, a)).toBe('tok0 ');
    expect(terminalError(l.api, a.text)).not.toBeNull();
    expect(errorEventCount(l.api, a.text)).toBe(1);
    expect(hasSuccessTerminator(l.api, a.text)).toBe(false);
    expect(await codeOf(w.gw, a)).not.toBe('');
  });

  it('before any content (peek window) → fallback serves the whole answer', async () => {
    const a = await ask(w.gw, l.api, modelOf('b6-before', l), { stream: true });
    expect(a.status).toBe(200);
    expect(answerText(l.api, a)).toBe('tok0 tok1 tok2 ');
    expect(endedWithSuccess(l.api, a.text)).toBe(true);
    expect(a.headers.get('x-switchyard-attempts')).toBe('2');
    expect(w.backup.requests).toHaveLength(1);
  });
});

describe.each(ALL_LANES)('B9 malformed upstream JSON (non-stream): $name', (l) => {
  it('a 200 body that is not JSON → 502 upstream_invalid_response', async () => {
    await expectJsonError(l, await ask(w.gw, l.api, modelOf('b9-garbage-json', l)), 502, 'upstream_invalid_response');
  });
});

describe.each(STREAM_LANES)('B9 malformed upstream streams: $name', (l) => {
  it('a JSON body instead of an SSE stream → 502 upstream_invalid_response', async () => {
    await expectJsonError(l, await ask(w.gw, l.api, modelOf('b9-json-for-stream', l), { stream: true }), 502, 'upstream_invalid_response');
  });

  it('a garbage event before any content → 502 upstream_invalid_response (nothing was sent yet)', async () => {
    await expectJsonError(l, await ask(w.gw, l.api, modelOf('b9-garbage-before', l), { stream: true }), 502, 'upstream_invalid_response');
  });

  it('a garbage event after content → one terminal error event upstream_invalid_response', async () => {
    const a = await ask(w.gw, l.api, modelOf('b9-garbage-after', l), { stream: true });
    await expectTerminalError(l, a, 'upstream_invalid_response', 'tok0 ');
  });

  it('the stream sliced into 3-byte TCP writes → the same answer as unsliced', async () => {
    const a = await ask(w.gw, l.api, modelOf('b9-sliced', l), { stream: true });
    expect(a.status).toBe(200);
    expect(answerText(l.api, a)).toBe('tok0 tok1 tok2 ');
    expect(endedWithSuccess(l.api, a.text)).toBe(true);
  });
});

describe.each(STREAM_LANES)('B10 an event larger than maxEventBytes: $name', (l) => {
  it('a 2 MiB event after content → one terminal error, the rest is not forwarded', async () => {
    const a = await ask(w.gw, l.api, modelOf('b10-event', l), { stream: true });
    await expectTerminalError(l, a, 'upstream_invalid_response', 'tok0 ');
    expect(a.text.length).toBeLessThan(64 * 1024);
  });
});

describe.each(ALL_LANES)('B10 hostile upstream bodies: $name', (l) => {
  const stream = l.api !== 'embeddings';
  it.each([
    ['b10-bomb', 'a gzip bomb (64 MiB of zeros, Content-Encoding: gzip)'],
    ['b10-layers', 'Content-Encoding: gzip ×1000'],
    ['b10-huge', 'a 256 MiB body (cap 4 MiB)'],
  ])('%s: %s → 502, memory bounded', async (c) => {
    const rss = process.memoryUsage().rss;
    const a = await ask(w.gw, l.api, modelOf(c, l));
    await expectJsonError(l, a, 502, 'upstream_invalid_response');
    expect(process.memoryUsage().rss - rss).toBeLessThan(48 * MiB);
  });

  it('a 1 MiB response header → 502, no crash', async () => {
    const a = await ask(w.gw, l.api, modelOf('b10-headers', l), { stream });
    expect(a.status).toBe(502);
    expect(errorOf(l.api, a).message).toEqual(expect.any(String));
  });
});

describe.each(STREAM_LANES)('B11 truncated stream: $name', (l) => {
  it('clean close after content, no finish and no terminator → terminal upstream_stream_truncated', async () => {
    const a = await ask(w.gw, l.api, modelOf('b11-truncated', l), { stream: true });
    await expectTerminalError(l, a, 'upstream_stream_truncated', 'tok0 tok1 ');
  });

  it('clean close before any content → a 502 JSON error, never a silent empty 200', async () => {
    const a = await ask(w.gw, l.api, modelOf('b11-empty', l), { stream: true });
    expect(a.status).toBe(502);
    expect(a.contentType).toContain('application/json');
  });
});

describe.each(ALL_LANES)('B11 body shorter than its Content-Length: $name', (l) => {
  it('the connection closes early → 502, the access log says so', async () => {
    const a = await ask(w.gw, l.api, modelOf('b11-short-body', l));
    expect(a.status).toBe(502);
    expect((await accessLine(w.gw, a.requestId)).status).toBe(502);
  });
});


