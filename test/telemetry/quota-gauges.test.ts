// Remaining-quota gauges: switchyard_quota_remaining / switchyard_quota_limit fed by the quota ledger's figures,
// falling as requests are admitted, settling to the real usage, resetting at the window boundary (injected clock),
// and bounded for each-user quotas (the most-consumed user only).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { QuotaLedger } from '../../pkg/quota/ledger.ts';
import { QuotaStage } from '../../pkg/quota/stage.ts';
import type { CompiledQuota, QuotaCaller } from '../../pkg/quota/stage.ts';
import { ZoneClock } from '../../pkg/quota/window.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';
import { parseExposition, samplesOf } from './exposition.ts';

const T0 = Date.parse('2026-03-14T10:17:30.000Z');
const utc = new ZoneClock('UTC');
const BODY = { model: 'm', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] };
const alice: QuotaCaller = { keyId: 'default/alice', team: 'eng', user: 'alice' };
const caller = (user: string): QuotaCaller => ({ keyId: `default/${user}`, team: 'eng', user });

const keyQuota: CompiledQuota = {
  id: 'default/alice-3rpm', subject: { kind: 'key', name: 'default/alice' }, shadow: false, clock: utc, action: { type: 'reject' },
  limits: [{ window: '1m', metric: 'requests', limit: 3 }, { window: '1h', metric: 'tokens-total', limit: 1000 }],
};
const eachUser: CompiledQuota = {
  id: 'default/per-user', subject: { kind: 'each-user' }, shadow: false, clock: utc, action: { type: 'reject' },
  limits: [{ window: '1m', metric: 'requests', limit: 10 }],
};

function world(quotas: readonly CompiledQuota[]) {
  let now = T0;
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const ledger = new QuotaLedger();
  const stage = new QuotaStage(quotas, ledger, null);
  metrics.watchQuotas(() => ledger.gauges.figures(now));
  return {
    registry, stage, ledger,
    at(t: number) {
      now = t;
    },
    admit(c: QuotaCaller) {
      const a = stage.admit(c, BODY, false, now);
      if (a === null) throw new Error('no quota matched');
      return a;
    },
    async gauge(name: string) {
      const out: Record<string, number> = {};
      for (const s of samplesOf(parseExposition(await registry.metrics()), name)) out[`${s.labels.quota}|${s.labels.window}|${s.labels.limit_type}`] = s.value;
      return out;
    },
  };
}

describe('remaining-quota gauges', () => {
  it('report nothing before a quota admits anything', async () => {
    const w = world([keyQuota]);
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({});
  });

  it('fall as requests are admitted, follow settlement and release, and reset at the window boundary', async () => {
    const w = world([keyQuota]);
    const first = w.admit(alice);
    expect(first.kind).toBe('admit');
    expect(await w.gauge('switchyard_quota_limit')).toEqual({
      'default/alice-3rpm|1m|requests': 3, 'default/alice-3rpm|1h|tokens-total': 1000,
    });
    const r1 = await w.gauge('switchyard_quota_remaining');
    expect(r1['default/alice-3rpm|1m|requests']).toBe(2);
    const reserved = 1000 - (r1['default/alice-3rpm|1h|tokens-total'] ?? 0);
    expect(reserved).toBeGreaterThan(0); // the estimate is reserved at admission
    if (first.kind === 'admit') first.ticket.settle({ inputTokens: 100, outputTokens: 50, costUSD: null });
    expect((await w.gauge('switchyard_quota_remaining'))['default/alice-3rpm|1h|tokens-total']).toBe(850);
    const second = w.admit(alice);
    if (second.kind === 'admit') second.ticket.release();
    expect((await w.gauge('switchyard_quota_remaining'))['default/alice-3rpm|1m|requests']).toBe(2);
    w.admit(alice);
    w.admit(alice);
    expect((await w.gauge('switchyard_quota_remaining'))['default/alice-3rpm|1m|requests']).toBe(0);
    expect(w.admit(alice).kind).toBe('reject');
    expect((await w.gauge('switchyard_quota_remaining'))['default/alice-3rpm|1m|requests']).toBe(0);
    // 10:18:00: a new minute; nothing was admitted in it yet, the 1h window still holds its usage.
    w.at(T0 + 30_000);
    const r2 = await w.gauge('switchyard_quota_remaining');
    expect(r2['default/alice-3rpm|1m|requests']).toBe(3);
    expect(r2['default/alice-3rpm|1h|tokens-total']).toBeLessThan(850);
    // 11:00:00: the hour resets too.
    w.at(Date.parse('2026-03-14T11:00:00.000Z'));
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({
      'default/alice-3rpm|1m|requests': 3, 'default/alice-3rpm|1h|tokens-total': 1000,
    });
  });

  it('each-user quotas keep one series per limit: the most-consumed user', async () => {
    const w = world([eachUser]);
    for (let i = 0; i < 200; i++) w.admit(caller(`user-${i}`));
    for (let i = 0; i < 4; i++) w.admit(caller('heavy'));
    w.admit(caller('user-7'));
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({ 'default/per-user|1m|requests': 6 });
    // A user who passes the tracked one takes over.
    for (let i = 0; i < 5; i++) w.admit(caller('heavier'));
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({ 'default/per-user|1m|requests': 5 });
    // Past the window the tracked user's usage is gone; the next admitted user is tracked.
    w.at(T0 + 60_000);
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({ 'default/per-user|1m|requests': 10 });
    w.admit(caller('late'));
    expect(await w.gauge('switchyard_quota_remaining')).toEqual({ 'default/per-user|1m|requests': 9 });
  });

  it('a reload that removes a quota drops its gauges', async () => {
    const w = world([keyQuota, eachUser]);
    w.admit(alice);
    expect(Object.keys(await w.gauge('switchyard_quota_limit'))).toHaveLength(3);
    w.ledger.retain(new Set(['default/per-user']));
    expect(await w.gauge('switchyard_quota_limit')).toEqual({ 'default/per-user|1m|requests': 10 });
  });
});
