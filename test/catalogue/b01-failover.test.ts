// B1 (connection refused / NXDOMAIN on the primary, secondary healthy) and B2 (every provider refuses), on every
// client API the core serves, through the gateway on loopback.
import { describe, expect, it } from 'vitest';
import { refusedURL } from '../support/fault-upstream.ts';
import { accessLine, ALL_LANES, answerText, ask, codeOf, endedWithSuccess, errorOf, modelOf } from './support/lanes.ts';
import { p, useCatalogueWorld } from './support/world.ts';

const w = useCatalogueWorld(async () => {
  const refused = await refusedURL();
  return {
    endpoints: () => ({ refused: { url: refused }, nxdomain: { url: 'http://switchyard-b1.invalid/v1', timeouts: { connect: '2s' } } }),
    cases: {
      'b1-refused': { lanes: ALL_LANES, spec: (l) => ({ strategy: 'priority', targets: [{ provider: p(l, 'refused'), model: 'primary', priority: 0 }, { provider: p(l, 'backup'), model: 'secondary', priority: 1 }] }) },
      'b1-nxdomain': { lanes: ALL_LANES, spec: (l) => ({ strategy: 'priority', targets: [{ provider: p(l, 'nxdomain'), model: 'primary', priority: 0 }, { provider: p(l, 'backup'), model: 'secondary', priority: 1 }] }) },
      'b2-all-refuse': { lanes: ALL_LANES, spec: (l) => ({ targets: [{ provider: p(l, 'refused'), model: 'a' }], fallback: [{ provider: p(l, 'nxdomain'), model: 'b' }] }) },
    },
  };
});

describe.each(ALL_LANES)('B1 primary unreachable, secondary healthy: $name', (l) => {
  it.each(['refused', 'nxdomain'])('%s → failover, the client sees one 200 from the secondary; one billed attempt', async (how) => {
    const stream = l.api !== 'embeddings';
    const a = await ask(w.gw, l.api, modelOf(`b1-${how}`, l), { stream });
    expect(a.status).toBe(200);
    if (stream) expect(endedWithSuccess(l.api, a.text)).toBe(true);
    if (l.api !== 'embeddings') expect(answerText(l.api, a)).toBe('tok0 tok1 tok2 ');
    // The primary may be retried (nothing was sent: a pre-dispatch failure), the secondary is asked exactly once.
    const attempts = Number(a.headers.get('x-switchyard-attempts'));
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(w.backup.requests).toHaveLength(1);
    expect(w.up.requests).toHaveLength(0);
    const line = await accessLine(w.gw, a.requestId);
    // Nothing reached the primary (pre-dispatch): no attempt is flagged as possibly billed.
    expect(line).toMatchObject({ status: 200, attempts, upstreamModel: 'secondary', tokensIn: 10, uncertainAttempts: 0 });
  });
});

describe.each(ALL_LANES)('B2 every provider refuses: $name', (l) => {
  it('502 upstream_error / no_healthy_upstream in the client\'s envelope, within the attempt budget', async () => {
    const a = await ask(w.gw, l.api, modelOf('b2-all-refuse', l), { stream: l.api !== 'embeddings' });
    expect(a.status).toBe(502);
    expect(a.contentType).toContain('application/json');
    expect(a.requestId).toBeTruthy();
    const e = errorOf(l.api, a);
    expect(e.type).toBe(l.api === 'messages' ? 'api_error' : 'upstream_error');
    expect(await codeOf(w.gw, a)).toBe('no_healthy_upstream');
    expect(Number(a.headers.get('x-switchyard-attempts'))).toBeGreaterThanOrEqual(2);
    expect(a.ms).toBeLessThan(2000);
  });
});
