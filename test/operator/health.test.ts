// Global health aggregation (pure logic, fake clock): ejection across proxies, half-open return, doubling
// cooldown, recovery, stable condition messages.
import { describe, expect, it } from 'vitest';
import { createHealthAggregator, targetKey } from '../../pkg/operator/health.ts';
import type { HealthOptions } from '../../pkg/operator/health.ts';
import type { TargetReport } from '../../pkg/sync/protocol.ts';

function setup(o: Partial<HealthOptions> = {}) {
  let now = 1_000_000;
  const agg = createHealthAggregator({ clock: () => now, ...o });
  return {
    agg,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

const t = (provider: string, model: string, requests: number, errors: number): TargetReport => ({ provider, model, requests, errors, latencyMsSum: requests * 10 });
const KEY = targetKey('ns/bad', 'm');

describe('health aggregator', () => {
  it('ejects a target whose error rate across proxies reaches the threshold; its provider is Healthy=False', () => {
    const h = setup();
    // Two proxies, each below minRequests alone, together 12 requests at 50%.
    h.agg.ingest({ targets: [t('ns/bad', 'm', 6, 3), t('ns/good', 'm', 6, 0)] });
    h.agg.ingest({ targets: [t('ns/bad', 'm', 6, 3)] });
    const e = h.agg.evaluate();
    expect([...e.ejected]).toEqual([KEY]);
    expect(e.providers.get('ns/bad')).toEqual({
      healthy: false, reason: 'Ejected',
      message: 'ejected: model m (50% errors over 12 requests across proxies; retried after 15s)',
    });
    expect(e.providers.get('ns/good')).toMatchObject({ healthy: true, reason: 'Healthy' });
    expect(e.nextChangeAtMs).toBe(h.now() + 15_000);
  });

  it('does not judge below minRequests, nor below the threshold', () => {
    const h = setup();
    h.agg.ingest({ targets: [t('ns/bad', 'm', 9, 9)] });
    expect(h.agg.evaluate().ejected.size).toBe(0);
    const h2 = setup();
    h2.agg.ingest({ targets: [t('ns/bad', 'm', 100, 49)] });
    expect(h2.agg.evaluate().ejected.size).toBe(0);
  });

  it('only counts reports inside the window', () => {
    const h = setup({ windowMs: 30_000 });
    h.agg.ingest({ targets: [t('ns/bad', 'm', 8, 8)] });
    h.advance(31_000);
    h.agg.ingest({ targets: [t('ns/bad', 'm', 4, 4)] });
    expect(h.agg.evaluate().ejected.size).toBe(0);
    h.agg.ingest({ targets: [t('ns/bad', 'm', 6, 6)] });
    expect(h.agg.evaluate().ejected.has(KEY)).toBe(true);
  });

  it('after the cooldown the target is let back in (half-open); failing again ejects it for twice as long, capped', () => {
    const h = setup({ cooldownMs: 15_000, maxCooldownMs: 50_000 });
    const fail = () => h.agg.ingest({ targets: [t('ns/bad', 'm', 10, 10)] });
    fail();
    expect(h.agg.evaluate().ejected.has(KEY)).toBe(true);
    h.advance(14_999);
    expect(h.agg.evaluate().ejected.has(KEY)).toBe(true);
    h.advance(1);
    const back = h.agg.evaluate();
    expect(back.ejected.has(KEY)).toBe(false);
    expect(back.providers.get('ns/bad')).toMatchObject({ healthy: true, reason: 'Recovering' });

    fail();
    const again = h.agg.evaluate();
    expect(again.ejected.has(KEY)).toBe(true);
    expect(again.providers.get('ns/bad')?.message).toContain('retried after 30s');
    h.advance(30_000);
    expect(h.agg.evaluate().ejected.has(KEY)).toBe(false);
    fail();
    expect(h.agg.evaluate().providers.get('ns/bad')?.message).toContain('retried after 50s');
  });

  it('a full window half-open without failing counts as recovered and resets the cooldown', () => {
    const h = setup({ cooldownMs: 15_000, windowMs: 30_000 });
    h.agg.ingest({ targets: [t('ns/bad', 'm', 10, 10)] });
    h.agg.evaluate();
    h.advance(15_000);
    h.agg.evaluate();
    h.agg.ingest({ targets: [t('ns/bad', 'm', 20, 1)] });
    h.advance(30_000);
    expect(h.agg.evaluate().providers.get('ns/bad')).toMatchObject({ healthy: true, reason: 'Healthy' });
    h.agg.ingest({ targets: [t('ns/bad', 'm', 10, 10)] });
    expect(h.agg.evaluate().providers.get('ns/bad')?.message).toContain('retried after 15s');
  });

  it('the traffic that led to an ejection does not eject it again when it comes back', () => {
    const h = setup({ cooldownMs: 15_000, windowMs: 30_000 });
    h.agg.ingest({ targets: [t('ns/bad', 'm', 10, 10)] });
    h.agg.evaluate();
    h.advance(15_000);
    expect(h.agg.evaluate().ejected.size).toBe(0);
    h.advance(1_000);
    expect(h.agg.evaluate().ejected.size).toBe(0);
  });

  it('messages stay the same while the state holds, whatever the traffic (no status write per report)', () => {
    const h = setup();
    h.agg.ingest({ targets: [t('ns/p', 'm', 50, 1)] });
    const first = h.agg.evaluate().providers.get('ns/p');
    h.advance(2_000);
    h.agg.ingest({ targets: [t('ns/p', 'm', 70, 3)] });
    expect(h.agg.evaluate().providers.get('ns/p')).toEqual(first);
  });

  it('several ejected models of one provider are listed in a stable order', () => {
    const h = setup();
    h.agg.ingest({ targets: [t('ns/p', 'z', 10, 10), t('ns/p', 'a', 10, 9), t('ns/p', 'ok', 10, 0)] });
    const e = h.agg.evaluate();
    expect([...e.ejected].sort()).toEqual(['ns/p|a', 'ns/p|z']);
    expect(e.providers.get('ns/p')?.message).toMatch(/^ejected: model a \(90% .*; model z \(100% /);
  });

  it('targets silent for ten windows are forgotten', () => {
    const h = setup({ windowMs: 1_000 });
    h.agg.ingest({ targets: [t('ns/p', 'm', 1, 0)] });
    expect(h.agg.evaluate().providers.has('ns/p')).toBe(true);
    h.advance(11_000);
    expect(h.agg.evaluate().providers.has('ns/p')).toBe(false);
  });
});
