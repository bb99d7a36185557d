// The quota stage and ledger without HTTP: subject matching (claims included), every matching quota must pass,
// shadow never blocks, settlement replaces the estimate once, release gives it back, a window that rolled over is
// not touched by a late settlement, and a ledger shared across plans (table reloads) keeps the usage of kept quotas.
import { describe, expect, it } from 'vitest';
import { QuotaPlan } from '../../pkg/quota/build.ts';
import { counterKey, QuotaLedger } from '../../pkg/quota/ledger.ts';
import type { QuotaCaller, QuotaStage } from '../../pkg/quota/stage.ts';
import type { TableQuota } from '../../pkg/table/types.ts';

const T0 = Date.parse('2026-03-14T10:17:30.000Z');
const BODY = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 };
const ALICE: QuotaCaller = { keyId: 'ns/alice', team: 'eng', user: 'alice' };

function q(id: string, over: Partial<TableQuota>): TableQuota {
  return { id, subject: { kind: 'team', name: 'eng' }, models: null, limits: [{ window: '1m', requests: 1 }], action: { type: 'reject' }, timeZone: 'UTC', shadow: false, ...over };
}

function stage(quotas: TableQuota[], ledger = new QuotaLedger()): QuotaStage {
  const s = new QuotaPlan(quotas, { m: 'r1', alias: 'r1', other: 'r2' }, ledger).stageFor('r1', { input: 0.001, output: 0.002 });
  if (s === null) throw new Error('no stage');
  return s;
}

describe('QuotaPlan', () => {
  it('covers a route through its model scope (aliases included) and leaves other routes without a stage', () => {
    const plan = new QuotaPlan([q('a', { models: ['alias'] })], { m: 'r1', alias: 'r1', other: 'r2' }, new QuotaLedger());
    expect(plan.stageFor('r1', null)?.quotas.map((x) => x.id)).toEqual(['a']);
    expect(plan.stageFor('r2', null)).toBeNull();
  });
});

describe('QuotaStage.admit', () => {
  it('matches key, team, user, each-user and claim subjects', () => {
    const subjects: [TableQuota['subject'], QuotaCaller, boolean][] = [
      [{ kind: 'key', name: 'ns/alice' }, ALICE, true],
      [{ kind: 'key', name: 'ns/bob' }, ALICE, false],
      [{ kind: 'team', name: 'eng' }, ALICE, true],
      [{ kind: 'user', name: 'alice' }, ALICE, true],
      [{ kind: 'user', name: 'alice' }, { keyId: null, team: undefined, user: undefined }, false],
      [{ kind: 'each-user' }, ALICE, true],
      [{ kind: 'each-user' }, { keyId: 'ns/svc', team: 'eng', user: undefined }, false],
      [{ kind: 'claim', claim: 'org', name: 'acme' }, ALICE, false],
      [{ kind: 'claim', claim: 'org', name: 'acme' }, { ...ALICE, claims: { org: 'acme' } }, true],
      [{ kind: 'claim', claim: 'org', name: 'acme' }, { ...ALICE, claims: { org: 'other' } }, false],
      [{ kind: 'claim', claim: 'toString', name: 'x' }, { ...ALICE, claims: {} }, false],
    ];
    for (const [subject, caller, matches] of subjects) {
      const a = stage([q('s', { subject })]).admit(caller, BODY, false, T0);
      expect(a === null ? false : a.kind === 'admit', JSON.stringify([subject, caller])).toBe(matches);
    }
  });

  it('every matching quota must pass: one exhausted quota refuses even when another has room', () => {
    const s = stage([q('roomy', { limits: [{ window: '1h', requests: 100 }] }), q('tight', { limits: [{ window: '1m', requests: 1 }] })]);
    expect(s.admit(ALICE, BODY, false, T0)?.kind).toBe('admit');
    const second = s.admit(ALICE, BODY, false, T0);
    expect(second).toMatchObject({ kind: 'reject', retryAfter: 30 });
  });

  it('a refusal reserves nothing in the quotas that had room', () => {
    const ledger = new QuotaLedger();
    const s = stage([q('roomy', { limits: [{ window: '1h', requests: 100 }] }), q('tight', {})], ledger);
    s.admit(ALICE, BODY, false, T0);
    s.admit(ALICE, BODY, false, T0);
    s.admit(ALICE, BODY, false, T0);
    expect(ledger.usedOf(counterKey('roomy', '1h', 'requests', ''), T0)).toBe(1);
  });

  it('shadow quotas never block but count', () => {
    const ledger = new QuotaLedger();
    const s = stage([q('sh', { shadow: true })], ledger);
    const got = [0, 1, 2].map(() => s.admit(ALICE, BODY, false, T0));
    expect(got.map((a) => a?.kind)).toEqual(['admit', 'admit', 'admit']);
    expect(got.map((a) => (a?.kind === 'admit' ? a.shadowExceeded : null))).toEqual([false, true, true]);
    expect(ledger.usedOf(counterKey('sh', '1m', 'requests', ''), T0)).toBe(3);
  });

  it('downgrade names the route; reject wins when both kinds are exhausted', () => {
    const down = stage([q('d', { action: { type: 'downgrade', route: 'small' } })]);
    down.admit(ALICE, BODY, false, T0);
    expect(down.admit(ALICE, BODY, false, T0)).toMatchObject({ kind: 'downgrade', route: 'small' });
    const both = stage([q('d', { action: { type: 'downgrade', route: 'small' } }), q('r', {})]);
    both.admit(ALICE, BODY, false, T0);
    expect(both.admit(ALICE, BODY, false, T0)?.kind).toBe('reject');
  });
});

describe('QuotaTicket', () => {
  const tokens = (tokenType: 'input' | 'output' | 'total'): TableQuota => q('t', { limits: [{ window: '1h', tokens: 1000, tokenType }] });

  it('settle replaces the estimate with the reported tokens of the limit\'s type, once', () => {
    for (const [type, expected] of [['input', 40], ['output', 25], ['total', 65]] as const) {
      const ledger = new QuotaLedger();
      const a = stage([tokens(type)], ledger).admit(ALICE, BODY, false, T0);
      if (a?.kind !== 'admit') throw new Error('not admitted');
      a.ticket.settle({ inputTokens: 40, outputTokens: 25, costUSD: null });
      a.ticket.settle({ inputTokens: 400, outputTokens: 250, costUSD: null });
      a.ticket.release();
      expect(ledger.usedOf(counterKey('t', '1h', `tokens-${type}`, ''), T0)).toBe(expected);
    }
  });

  it('release gives the whole reservation back; no usage reported keeps the estimate', () => {
    const ledger = new QuotaLedger();
    const s = stage([tokens('output')], ledger);
    const a = s.admit(ALICE, BODY, false, T0);
    if (a?.kind !== 'admit') throw new Error('not admitted');
    expect(ledger.usedOf(counterKey('t', '1h', 'tokens-output', ''), T0)).toBe(10);
    a.ticket.release();
    expect(ledger.usedOf(counterKey('t', '1h', 'tokens-output', ''), T0)).toBe(0);
    const b = s.admit(ALICE, BODY, false, T0);
    if (b?.kind !== 'admit') throw new Error('not admitted');
    b.ticket.settle({ inputTokens: null, outputTokens: null, costUSD: null });
    expect(ledger.usedOf(counterKey('t', '1h', 'tokens-output', ''), T0)).toBe(10);
  });

  it('a settlement after the window rolled over leaves the new window alone', () => {
    const ledger = new QuotaLedger();
    const s = stage([q('w', {})], ledger);
    const a = s.admit(ALICE, BODY, false, T0);
    if (a?.kind !== 'admit') throw new Error('not admitted');
    const later = T0 + 60_000;
    expect(s.admit(ALICE, BODY, false, later)?.kind).toBe('admit');
    a.ticket.release();
    expect(ledger.usedOf(counterKey('w', '1m', 'requests', ''), later)).toBe(1);
  });

  it('cost is estimated with the route price and settled with the reported cost', () => {
    const ledger = new QuotaLedger();
    const s = stage([q('c', { limits: [{ window: '1d', costUSD: 1 }] })], ledger);
    const a = s.admit(ALICE, BODY, false, T0);
    if (a?.kind !== 'admit') throw new Error('not admitted');
    expect(ledger.usedOf(counterKey('c', '1d', 'cost', ''), T0)).toBeGreaterThan(0.02); // 10 output tokens × 0.002 + input
    a.ticket.settle({ inputTokens: 1, outputTokens: 1, costUSD: 0.5 });
    expect(ledger.usedOf(counterKey('c', '1d', 'cost', ''), T0)).toBeCloseTo(0.5, 9);
  });
});

describe('QuotaLedger across reloads', () => {
  it('a new plan over the same ledger keeps the usage of kept quotas (even with a new limit); retain drops removed ones', () => {
    const ledger = new QuotaLedger();
    const first = stage([q('keep', {}), q('gone', {})], ledger);
    first.admit(ALICE, BODY, false, T0);
    const second = stage([q('keep', { limits: [{ window: '1m', requests: 2 }] })], ledger);
    ledger.retain(new Set(['keep']));
    expect(second.admit(ALICE, BODY, false, T0)?.kind).toBe('admit');
    expect(second.admit(ALICE, BODY, false, T0)?.kind).toBe('reject');
    expect(ledger.usedOf(counterKey('gone', '1m', 'requests', ''), T0)).toBe(0);
    expect(ledger.size).toBe(1);
  });
});
