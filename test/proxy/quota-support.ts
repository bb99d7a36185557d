// Shared world of the quota tests: one fake OpenAI upstream, two API keys (alice: team eng; bob: team eng), a route
// per case and the Quota manifests that limit them, compiled by the real compiler.
import { apiKey, NS, provider, route } from './harness.ts';

export const ALICE = 'sk-swy-quota-alice-0123456789';
export const BOB = 'sk-swy-quota-bob-9876543210';
/** 10:17:30 UTC: a 1m window resets in 30 s, a 1h window in 42m30s. */
export const T0 = Date.parse('2026-03-14T10:17:30.000Z');

export function quota(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'switchyard.dev/v1alpha1', kind: 'Quota', metadata: { name, namespace: NS }, spec };
}

const PRICED = { input: 1000, output: 2000 }; // USD per 1M tokens: 0.001 per input token, 0.002 per output token

export function world(upURL: string, extraQuotas: readonly unknown[] = [], rpm3Limit = 3): unknown[] {
  const r = (name: string, target: string, extra: Record<string, unknown> = {}): unknown =>
    route(name, { model: name, targets: [{ provider: 'up', model: target }], ...extra });
  return [
    apiKey('alice', ALICE, { team: 'eng', user: 'alice' }),
    apiKey('bob', BOB, { team: 'eng', user: 'bob' }),
    ...provider('up', upURL, { key: 'sk-up-0000000000000001', models: [{ name: 'priced', pricing: PRICED }, { name: 'ok' }, { name: 'small-up' }, { name: 'slow-headers-40' }, { name: 'slow-headers-400' }, { name: 'status-500' }, { name: 'status-503' }] }),
    r('rpm3', 'ok'),
    r('par', 'slow-headers-40'),
    r('tok', 'ok'),
    r('cost', 'priced'),
    r('shadow', 'ok'),
    r('big', 'ok'),
    r('small', 'small-up'),
    r('big-locked', 'ok'),
    r('locked', 'small-up', { access: { allow: [{ teams: ['ops'] }] } }),
    r('big-chain', 'ok'),
    r('small-limited', 'small-up'),
    r('fail', 'status-500'),
    r('hang', 'slow-headers-400'),
    route('retry', { model: 'retry', retry: { attempts: 2, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: 'up', model: 'status-503' }], fallback: [{ provider: 'up', model: 'ok' }] }),
    r('anthropic-zero', 'ok'),
    r('claimed', 'ok'),
    r('free', 'ok'),
    quota('three-rpm', { subject: { kind: 'key', name: 'alice' }, models: ['rpm3'], limits: [{ window: '1m', requests: rpm3Limit }] }),
    quota('par-5', { subject: { kind: 'team', name: 'eng' }, models: ['par'], limits: [{ window: '1m', requests: 5 }] }),
    quota('tok-eng', { subject: { kind: 'team', name: 'eng' }, models: ['tok'], limits: [{ window: '1h', tokens: 300 }, { window: '1h', requests: 100 }] }),
    quota('cost-alice', { subject: { kind: 'user', name: 'alice' }, models: ['cost'], limits: [{ window: '1d', costUSD: 0.1 }] }),
    quota('shadow-each', { subject: { kind: 'each-user' }, models: ['shadow'], limits: [{ window: '1m', requests: 1 }], shadow: true }),
    quota('big-down', { subject: { kind: 'key', name: 'alice' }, models: ['big'], limits: [{ window: '1m', requests: 1 }], action: { type: 'downgrade', route: 'small' } }),
    quota('locked-down', { subject: { kind: 'key', name: 'alice' }, models: ['big-locked'], limits: [{ window: '1m', requests: 1 }], action: { type: 'downgrade', route: 'locked' } }),
    quota('chain-down', { subject: { kind: 'key', name: 'alice' }, models: ['big-chain'], limits: [{ window: '1m', requests: 1 }], action: { type: 'downgrade', route: 'small-limited' } }),
    quota('small-limited-1', { subject: { kind: 'key', name: 'alice' }, models: ['small-limited'], limits: [{ window: '1m', requests: 1 }] }),
    quota('fail-1', { subject: { kind: 'user', name: 'alice' }, models: ['fail', 'hang'], limits: [{ window: '1m', requests: 1 }] }),
    quota('retry-2', { subject: { kind: 'user', name: 'alice' }, models: ['retry'], limits: [{ window: '1m', requests: 2 }, { window: '1m', tokens: 1000, tokenType: 'input' }] }),
    quota('zero', { subject: { kind: 'team', name: 'eng' }, models: ['anthropic-zero'], limits: [{ window: '1h', requests: 0 }] }),
    quota('by-claim', { subject: { kind: 'claim', claim: 'org', name: 'acme' }, models: ['claimed'], limits: [{ window: '1m', requests: 0 }] }),
    ...extraQuotas,
  ];
}
