// B7 (slow first byte), B8 (slow trickle; stall), B13 (TLS errors), on every client API the core serves, through
// the gateway on loopback. Timeouts are scaled down (first byte 400 ms, idle 300 ms) so the suite stays fast.
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../proxy/harness.ts';
import { faultModel, startTcpFault, startTlsFault } from '../support/fault-upstream.ts';
import type { Fault, TcpFaultServer, TlsFault, TlsFaultServer } from '../support/fault-upstream.ts';
import { accessLine, ALL_LANES, answerText, ask, codeOf, endedWithSuccess, errorEventCount, errorOf, hasSuccessTerminator, modelOf, STREAM_LANES, terminalError } from './support/lanes.ts';
import type { Lane } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const TIMEOUTS = { firstByte: '400ms', idle: '300ms', connect: '300ms' };
const TLS_KINDS: readonly TlsFault[] = ['valid', 'self-signed', 'expired', 'wrong-host', 'tls1.0'];
const tlsServers: Partial<Record<TlsFault, TlsFaultServer>> = {};
let hang: TcpFaultServer;
let restoreCAs: (() => void) | undefined;

beforeAll(async () => {
  for (const k of TLS_KINDS) tlsServers[k] = await startTlsFault(k);
  hang = await startTcpFault({ kind: 'hang' });
  // Trust every certificate except the self-signed one's, so each failure has exactly the cause its name says.
  const before = tls.getCACertificates('default');
  tls.setDefaultCACertificates([...before, ...TLS_KINDS.filter((k) => k !== 'self-signed').map((k) => tlsServers[k]?.cert ?? '')]);
  restoreCAs = () => tls.setDefaultCACertificates(before);
});

afterAll(() => restoreCAs?.());

const one = (f: Fault) => (l: Lane): Record<string, unknown> => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'slow'), model: faultModel(f) }] });
const withFallback = (f: Fault) => (l: Lane): Record<string, unknown> => ({ ...one(f)(l), fallback: [{ provider: p(l, 'backup'), model: 'ok' }] });

const w = useCatalogueWorld(() => ({
  endpoints: ({ main }) => ({
    slow: { url: main, timeouts: TIMEOUTS },
    'tls-hang': { url: hang.url.replace('http:', 'https:'), timeouts: TIMEOUTS },
    ...Object.fromEntries(TLS_KINDS.map((k) => [`tls-${k.replace('.', '')}`, { url: tlsServers[k]?.url ?? '', timeouts: TIMEOUTS }])),
  }),
  cases: {
    'b7-under': { lanes: ALL_LANES, spec: one({ headDelayMs: 150 }) },
    'b7-think': { lanes: STREAM_LANES, spec: one({ firstEventDelayMs: 200 }) },
    'b7-over': { lanes: ALL_LANES, spec: one({ headDelayMs: 5000 }) },
    'b7-over-fallback': { lanes: ALL_LANES, spec: withFallback({ headDelayMs: 5000, tag: 'fo' }) },
    'b8-trickle': { lanes: STREAM_LANES, spec: one({ gapMs: 120, pieces: 6 }) },
    'b8-stall': { lanes: STREAM_LANES, spec: one({ stallAfter: 2, gapMs: 10 }) },
    ...Object.fromEntries(TLS_KINDS.map((k) => [`b13-${k.replace('.', '')}`, { lanes: ALL_LANES, spec: (l: Lane) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, `tls-${k.replace('.', '')}`), model: 'm' }] }) }])),
    'b13-hang': { lanes: ALL_LANES, spec: (l) => ({ retry: { attempts: 1 }, targets: [{ provider: p(l, 'tls-hang'), model: 'm' }] }) },
  },
}), async () => {
  for (const s of Object.values(tlsServers)) await s.close();
  await hang.close();
});

const streamed = (l: Lane): boolean => l.api !== 'embeddings';

describe.each(ALL_LANES)('B7 slow first byte: $name', (l) => {
  it('the head after 150 ms (first byte timeout 400 ms) → served', async () => {
    const a = await ask(w.gw, l.api, modelOf('b7-under', l), { stream: streamed(l) });
    expect(a.status).toBe(200);
    if (l.api !== 'embeddings') expect(answerText(l.api, a)).toBe('tok0 tok1 tok2 ');
  });

  it('no head within the first byte timeout → the upstream call is aborted, 504 upstream_timeout', async () => {
    const a = await ask(w.gw, l.api, modelOf('b7-over', l), { stream: streamed(l) });
    expect(a.status).toBe(504);
    expect(errorOf(l.api, a).message).toEqual(expect.any(String));
    expect(await codeOf(w.gw, a)).toBe('upstream_timeout');
    expect(a.ms).toBeLessThan(3000); // the upstream would take 5 s
    await eventually(() => w.up.requests[0]?.aborted === true);
  });

  it('no head in time and a fallback configured → nothing was emitted, so the fallback serves', async () => {
    const a = await ask(w.gw, l.api, modelOf('b7-over-fallback', l), { stream: streamed(l) });
    expect(a.status).toBe(200);
    expect(a.headers.get('x-switchyard-attempts')).toBe('2');
    expect(w.backup.requests).toHaveLength(1);
    // The timed-out attempt may have been received and billed: flagged uncertain, not retried on the same target.
    expect((await accessLine(w.gw, a.requestId)).uncertainAttempts).toBe(1);
    expect(w.up.requests).toHaveLength(1);
  });
});

describe.each(STREAM_LANES)('B7 a reasoning model thinks after the head: $name', (l) => {
  it('the first event 200 ms after the head (idle 300 ms) → served', async () => {
    const a = await ask(w.gw, l.api, modelOf('b7-think', l), { stream: true });
    expect(a.status).toBe(200);
    expect(endedWithSuccess(l.api, a.text)).toBe(true);
  });
});

describe.each(STREAM_LANES)('B8 slow trickle and stall: $name', (l) => {
  it('one token every 120 ms for ~0.7 s, idle timeout 300 ms → completes (idle resets on every chunk, no total cap)', async () => {
    const a = await ask(w.gw, l.api, modelOf('b8-trickle', l), { stream: true });
    expect(a.status).toBe(200);
    expect(answerText(l.api, a)).toBe(Array.from({ length: 6 }, (_, i) => `tok${i} `).join(''));
    expect(endedWithSuccess(l.api, a.text)).toBe(true);
    expect(a.ms).toBeGreaterThan(600);
  });

  it('a stall after 2 content events → one terminal error after the idle timeout; the upstream socket is closed', async () => {
    const a = await ask(w.gw, l.api, modelOf('b8-stall', l), { stream: true });
    expect(a.status).toBe(200);
    expect(answerText(l.api, a)).toBe('tok0 tok1 ');
    expect(terminalError(l.api, a.text)).not.toBeNull();
    expect(errorEventCount(l.api, a.text)).toBe(1);
    expect(hasSuccessTerminator(l.api, a.text)).toBe(false);
    expect(a.ms).toBeGreaterThanOrEqual(280);
    expect(a.ms).toBeLessThan(3000); // the stall lasts until the client gives up
    await eventually(() => w.up.requests[0]?.aborted === true && w.up.inFlight === 0);
  });
});

describe.each(ALL_LANES)('B13 TLS errors: $name', (l) => {
  it('control: a trusted, valid certificate for the host → served over TLS', async () => {
    const a = await ask(w.gw, l.api, modelOf('b13-valid', l), { stream: streamed(l) });
    expect(a.status).toBe(200);
  });

  it.each(['self-signed', 'expired', 'wrong-host', 'tls1.0'])('%s → fail closed: 502 upstream_tls_error, no request reaches the server', async (k) => {
    const server = tlsServers[k as TlsFault];
    const before = server?.requests ?? 0;
    const a = await ask(w.gw, l.api, modelOf(`b13-${k.replace('.', '')}`, l), { stream: streamed(l) });
    expect(a.status).toBe(502);
    expect(await codeOf(w.gw, a)).toBe('upstream_tls_error');
    expect(server?.requests ?? 0).toBe(before);
  });

  it('a handshake that never completes → bounded by the connect timeout (300 ms)', async () => {
    const a = await ask(w.gw, l.api, modelOf('b13-hang', l), { stream: streamed(l) });
    expect([502, 504]).toContain(a.status);
    expect(a.ms).toBeLessThan(3000); // the Provider's connect timeout is 300 ms (default 10 s)
  });
});
