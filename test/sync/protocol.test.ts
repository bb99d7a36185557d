// The snapshot codec and the client's building blocks: round trips, every corruption refused with a typed error,
// 10,000-route tables, NDJSON line splitting with a cap, backoff, snapshot files, report collection.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../pkg/sync/backoff.ts';
import { LineTooLongError, ndjsonLines } from '../../pkg/sync/ndjson.ts';
import { SnapshotError, StreamMessage, decodeSnapshot, encodeSnapshot } from '../../pkg/sync/protocol.ts';
import { codeOf } from './support/snapshot-error.ts';
import type { SnapshotMessage } from '../../pkg/sync/protocol.ts';
import { createReportCollector, mergeReports } from '../../pkg/sync/report-collector.ts';
import { readSnapshotFile, writeSnapshotFile } from '../../pkg/sync/snapshot-file.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { fakeProvider, largeTable, route, tableOf, upstreamProvider } from './support/tables.ts';

const small = (): RoutingTable => tableOf([
  fakeProvider('f'), ...upstreamProvider('u', 'https://llm.example.com/v1', 'sk-secret-value'),
  route('chat', 'chat', [{ provider: 'f', weight: 2 }, { provider: 'u', model: 'gpt-x', weight: 1 }]),
], 3);


describe('snapshot codec', () => {
  it('round trip: the decoded table equals the original, version and hash included', () => {
    const t = small();
    const msg = encodeSnapshot(t);
    expect(StreamMessage.parse(JSON.parse(JSON.stringify(msg)))).toEqual(msg);
    expect(msg).toMatchObject({ type: 'snapshot', version: 3, hash: t.hash, encoding: 'gzip+base64' });
    expect(decodeSnapshot(JSON.parse(JSON.stringify(msg)))).toEqual(t);
  });

  it('round trip for tables compiled from generated manifests', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.nat(1000), (routes, providers, version) => {
      const t = largeTable(routes, providers, version);
      expect(decodeSnapshot(encodeSnapshot(t))).toEqual(t);
    }), { numRuns: 25 });
  });

  it('refuses to encode a table whose hash does not match its content', () => {
    expect(() => encodeSnapshot({ ...small(), hash: 'f'.repeat(64) })).toThrow(/hash does not match/);
  });

  it('C4 corruption cases throw SnapshotError with a code', () => {
    const msg = encodeSnapshot(small());
    const half = msg.data.slice(0, Math.floor(msg.data.length / 2));
    const cases: [string, unknown, string][] = [
      ['not an object', 'snapshot', 'message'],
      ['missing data', { ...msg, data: undefined }, 'message'],
      ['unknown encoding', { ...msg, encoding: 'brotli' }, 'message'],
      ['upper-case hash', { ...msg, hash: msg.hash.toUpperCase() }, 'message'],
      ['extra field', { ...msg, extra: 1 }, 'message'],
      ['truncated data', { ...msg, data: half }, 'encoding'],
      ['garbled data', { ...msg, data: `${msg.data.slice(0, 40)}AAAA${msg.data.slice(44)}` }, 'encoding'],
      ['bytes too small', { ...msg, bytes: msg.bytes - 1 }, 'size'],
      ['bytes too large', { ...msg, bytes: msg.bytes + 1 }, 'size'],
      ['bad checksum', { ...msg, hash: '0'.repeat(64) }, 'checksum'],
    ];
    for (const [name, input, code] of cases) expect(codeOf(() => decodeSnapshot(input)), name).toBe(code);
  });

  it('error messages never carry table content (no credential in a NACK)', () => {
    const msg: SnapshotMessage = encodeSnapshot(small());
    for (const bad of [{ ...msg, hash: '0'.repeat(64) }, { ...msg, data: msg.data.slice(0, 50) }, { ...msg, bytes: 5 }]) {
      try {
        decodeSnapshot(bad);
      } catch (err) {
        expect(String(err)).not.toContain('sk-secret-value');
      }
    }
  });

  it('10,000 routes and 500 providers encode and decode in well under a second each', () => {
    const t = largeTable(10_000, 500, 42);
    let started = performance.now();
    const msg = encodeSnapshot(t);
    const encodeMs = performance.now() - started;
    const line = JSON.stringify(msg);
    started = performance.now();
    const back = decodeSnapshot(JSON.parse(line));
    const decodeMs = performance.now() - started;
    expect(back.routes).toHaveLength(10_000);
    expect(back.hash).toBe(t.hash);
    expect(line.length).toBeLessThan(msg.bytes / 8);
    // Generous bounds for a shared CI machine (typically ~200 ms each, ~5.2 MB raw → ~0.43 MB on the wire).
    expect(encodeMs).toBeLessThan(3000);
    expect(decodeMs).toBeLessThan(3000);
  }, 30_000);
});

async function collect(chunks: (string | Buffer)[], max: number): Promise<string[]> {
  async function* source(): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  }
  const out: string[] = [];
  for await (const line of ndjsonLines(source(), max)) out.push(line);
  return out;
}

describe('NDJSON lines', () => {
  it('splits across chunk boundaries, skips blank lines, drops a trailing partial line', async () => {
    expect(await collect(['{"a":', '1}\n\n{"b"', ':2}\n{"c":3}\n{"partial"'], 100)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    const euro = Buffer.from('{"x":"€"}\n');
    expect(await collect([euro.subarray(0, 7), euro.subarray(7)], 100)).toEqual(['{"x":"€"}']);
  });

  it('a line over the cap throws LineTooLongError, whether or not its newline has arrived', async () => {
    await expect(collect(['x'.repeat(50), 'y'.repeat(60)], 100)).rejects.toBeInstanceOf(LineTooLongError);
    await expect(collect([`${'x'.repeat(101)}\n`], 100)).rejects.toBeInstanceOf(LineTooLongError);
    expect(await collect([`${'x'.repeat(100)}\n`], 100)).toHaveLength(1);
  });
});

describe('backoff', () => {
  it('grows from 250 ms to a 10 s cap, jittered within [delay/2, delay]', () => {
    const opts = { initialMs: 250, maxMs: 10_000 };
    expect(backoffDelay(0, opts, () => 0.999999)).toBe(250);
    expect(backoffDelay(0, opts, () => 0)).toBe(125);
    expect(backoffDelay(3, opts, () => 0.999999)).toBe(2000);
    expect(backoffDelay(10, opts, () => 0.999999)).toBe(10_000);
    expect(backoffDelay(1000, opts, () => 0)).toBe(5_000);
  });
});

describe('snapshot files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'swy-snap-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('write then read gives the same table; the file is mode 0600', async () => {
    const file = join(dir, 'a.json');
    await writeSnapshotFile(file, small());
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readSnapshotFile(file)).toEqual(small());
  });

  it('a tampered, truncated or foreign file is refused with a typed error', async () => {
    const file = join(dir, 'b.json');
    await writeSnapshotFile(file, small());
    const text = await readFile(file, 'utf8');
    const variants: [string, string, string][] = [
      ['tampered', text.replace('"chat"', '"chat2"'), 'checksum'],
      ['truncated', text.slice(0, text.length - 10), 'json'],
      ['foreign', JSON.stringify({ hello: 'world' }), 'table'],
    ];
    for (const [name, content, code] of variants) {
      await writeFile(file, content);
      const err = await readSnapshotFile(file).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(SnapshotError);
      expect((err as SnapshotError).code, name).toBe(code);
    }
  });
});

describe('report collector', () => {
  it('tees observeUpstream into the real metrics and counts requests, target errors and latency per target', async () => {
    const registry = new Registry();
    const collector = createReportCollector(createMetrics(registry));
    const obs = (model: string, outcome: string, durationMs: number) =>
      collector.observeUpstream({ provider: 'ns/p', model, outcome, status: outcome === 'ok' ? 200 : 500, durationMs });
    obs('a', 'ok', 10);
    obs('a', 'server', 5);
    obs('a', 'timeout', 5);
    obs('a', 'client', 1);
    obs('a', 'rate_limited', 1);
    obs('b', 'connect', 2);
    expect(collector.drain()).toEqual([
      { provider: 'ns/p', model: 'a', requests: 5, errors: 2, latencyMsSum: 22 },
      { provider: 'ns/p', model: 'b', requests: 1, errors: 1, latencyMsSum: 2 },
    ]);
    expect(collector.drain()).toEqual([]);
    expect(await registry.metrics()).toMatch(/switchyard_upstream_requests_total\{provider="ns\/p",model="a",outcome="ok",status="200"\} 1/);
  });

  it('mergeReports adds counts of the same target', () => {
    const t = { provider: 'p', model: 'm', requests: 2, errors: 1, latencyMsSum: 3 };
    expect(mergeReports([t], [t, { ...t, model: 'n' }])).toEqual([{ ...t, requests: 4, errors: 2, latencyMsSum: 6 }, { ...t, model: 'n' }]);
  });
});
