// Quota usage in the sync reports (issue 8 point 5): the ledger's usage so far per quota window, the report round
// trip from a real synced proxy to the real sync server, and backward compatibility (reports without usage).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QuotaLedger, counterKey } from '../../pkg/quota/ledger.ts';
import { ReportMessage } from '../../pkg/sync/protocol.ts';
import type { QuotaUsageReport } from '../../pkg/sync/protocol.ts';
import { usageReports } from '../../pkg/sync/report-collector.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';
import { apiKey } from '../proxy/harness.ts';
import { TOKEN, startProxy, startSyncServer, until } from './support/harness.ts';
import { NS, route, tableOf, upstreamProvider } from './support/tables.ts';

const W0 = { start: 60_000, end: 120_000 };
const W1 = { start: 120_000, end: 180_000 };

describe('QuotaLedger.usage', () => {
  it('reports what each open window has used so far, per quota window, over metrics; reading it changes nothing', () => {
    const l = new QuotaLedger();
    l.counter('ns/q', counterKey('ns/q', '1m', 'requests', ''), W0).used += 3;
    l.counter('ns/q', counterKey('ns/q', '1m', 'tokens-total', ''), W0).used += 500;
    l.counter('ns/q', counterKey('ns/q', '1h', 'requests', ''), { start: 0, end: 3_600_000 }).used += 3;
    const expected = [
      { quota: 'ns/q', window: '1m', start: W0.start, end: W0.end, figures: { requests: 3, 'tokens-total': 500 } },
      { quota: 'ns/q', window: '1h', start: 0, end: 3_600_000, figures: { requests: 3 } },
    ];
    expect(l.usage(W0.start + 1)).toEqual(expected);
    expect(l.usage(W0.start + 1)).toEqual(expected);
    l.counter('ns/q', counterKey('ns/q', '1m', 'tokens-total', ''), W0).used -= 200; // a settlement below the estimate
    expect(l.usage(W0.start + 2)[0]?.figures).toEqual({ requests: 3, 'tokens-total': 300 });
  });

  it('a window that rolled over reports only the new window; ended windows are not reported', () => {
    const l = new QuotaLedger();
    const key = counterKey('ns/q', '1m', 'requests', '');
    l.counter('ns/q', key, W0).used += 2;
    expect(l.usage(W1.start)).toEqual([]);
    l.counter('ns/q', key, W1).used += 4; // rolls over
    expect(l.usage(W1.start + 5)).toEqual([{ quota: 'ns/q', window: '1m', start: W1.start, end: W1.end, figures: { requests: 4 } }]);
  });

  it('each-user lists the heaviest subjects (bounded) and counts the others; the totals hold every subject', () => {
    const l = new QuotaLedger();
    for (let i = 0; i < 30; i++) l.counter('ns/e', counterKey('ns/e', '1m', 'requests', `user-${i}`), W0).used += i + 1;
    const [d] = l.usage(W0.start, 5);
    expect(d?.figures).toEqual({ requests: (30 * 31) / 2 });
    expect(d?.subjects?.map((s) => s.subject)).toEqual(['user-29', 'user-28', 'user-27', 'user-26', 'user-25']);
    expect(d?.otherSubjects).toBe(25);
    const [r] = usageReports(d === undefined ? [] : [d]);
    expect(r).toMatchObject({ quota: 'ns/e', window: '1m', requests: 465, otherSubjects: 25 });
    expect(r?.subjects?.[0]).toEqual({ subject: 'user-29', requests: 30 });
  });
});

describe('report message: backward and forward compatible', () => {
  const base = { proxy: 'p', version: 1, intervalMs: 2000, targets: [] };
  it('a report without usage (an older proxy) parses with usage []', () => {
    expect(ReportMessage.parse(base).usage).toEqual([]);
  });
  it('unknown fields of a usage entry (a newer proxy) are dropped, not refused', () => {
    const parsed = ReportMessage.parse({ ...base, usage: [{ quota: 'ns/q', window: '1m', start: 0, end: 60_000, requests: 1, allowanceAsk: 9 }] });
    expect(parsed.usage).toEqual([{ quota: 'ns/q', window: '1m', start: 0, end: 60_000, requests: 1 }]);
  });
});

describe('report round trip over the real sync server and client', () => {
  let upstream: FakeOpenAI;
  const open: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
  });
  afterEach(async () => {
    await Promise.allSettled(open.splice(0).reverse().map((x) => x.close()));
  });
  afterAll(async () => {
    await upstream.close();
  });

  it('requests through a synced proxy arrive as the usage of the quota window; an old-style report is accepted', async () => {
    const KEY = 'sk-swy-report-alice-0123456789';
    const op = await startSyncServer();
    open.push(op);
    const usage: QuotaUsageReport[] = [];
    op.server.onReport((r) => usage.push(...r.usage));
    op.server.publish(tableOf([
      ...upstreamProvider('up', upstream.url, 'sk-upstream-W8rT2mQ9xLp4'),
      route('chat', 'chat', [{ provider: 'up', model: 'ok' }]),
      apiKey('alice', KEY, { team: 'eng', user: 'alice' }),
      { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name: 'rpm', namespace: NS }, spec: { subject: { kind: 'key', name: 'alice' }, limits: [{ window: '1m', requests: 100 }, { window: '1h', tokens: 100_000, tokenType: 'output' }] } },
    ], 1));
    const p = await startProxy([op.url], { proxyId: 'usage-reporter' });
    open.push(p);
    await until(async () => (await p.ready()) === 200, 'the proxy to load the table');
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${p.proxy.dataUrl}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16 }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    // Figures are the window's usage so far: the latest report's figure is the total.
    const sum = (window: string, field: 'requests' | 'outputTokens'): number =>
      usage.filter((u) => u.quota === `${NS}/rpm` && u.window === window).at(-1)?.[field] ?? 0;
    await until(() => sum('1m', 'requests') === 4, '4 requests in the reported 1m window');
    const entry = usage.find((u) => u.window === '1m');
    expect((entry?.end ?? 0) - (entry?.start ?? 0)).toBe(60_000);
    // Output tokens: the reservation is replaced by what the upstream reported, so the sum is the real usage.
    await until(() => sum('1h', 'outputTokens') > 0 && sum('1h', 'outputTokens') < 4 * 16, 'settled output tokens');

    const old = await fetch(`${op.url}/sync/v1/reports`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ proxy: 'old-proxy', version: 1, intervalMs: 2000, targets: [] }),
    });
    expect(old.status).toBe(200);
  });
});
