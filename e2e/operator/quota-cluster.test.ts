// Cluster-wide quotas on a real kube-apiserver (issue 8 points 5 and 8; catalogue D4): the whole operator and THREE
// synced proxies in this process, load spread round-robin over the proxies' data URLs. The proxies enforce in memory
// against the caps the operator hands each of them in its answer to every report (ADR 0020), so:
//   - admitted requests, tokens and dollars stay within each limit, and the whole request limit gets used (the shares
//     rebalance towards the busy proxies);
//   - Quota.status.usage shows the cluster-wide figures shortly after the load stops;
//   - every refusal is 429 quota_exceeded with Retry-After;
//   - three more proxies started mid-way get their share of a limit (re-divided over six) and all six admit;
//   - with the operator gone, fail-closed proxies keep to their last caps: the cluster never passes the limit.
// Tolerance, from the mechanism: requests count whole and are reserved before the upstream call, so 0. Tokens and
// dollars are reserved as an estimate (prompt tokens + max_tokens) and settled with the reported usage; a proxy can
// pass a limit only by what requests in flight use beyond their estimate. Here the fake upstream reports exact usage
// (prompt 1, completion = max_tokens = 10) and the estimate is 5 + 10, so the stated tolerance is 0 for all three.
// Each phase runs inside one 1m window (it waits for the next minute when too little of this one is left); the
// phases after the first use quotas of their own, so the file need not wait a whole minute between them.
// Measured on the shared 2-core box (2026-12-03, 6 runs, 250 ms intervals): overshoot 0 requests, 0 tokens, $0 every
// time; unused at the end of phase 1: 0 of 60 requests, 22–33 of 440 tokens, $0.021–0.063 of $0.84 (within the
// one-estimate-per-proxy bound asserted below); Quota.status showed the final figures 0.3–1.3 s after the last
// admitted answer (the longer ones while other jobs loaded the box); caps [15,15,15] were re-divided to ~8 each over
// 6 proxies 0.3–0.6 s after the 3 new ones started, and the six then admitted exactly 60; with the operator gone the
// six admitted 48 of 60 (their last caps). File 20–40 s (the API server start included).
import { fetch } from 'undici';
import { describe, expect, it } from 'vitest';
import { ClusterAllowance } from '../../pkg/quota/cluster-allowance.ts';
import { estimateRequest } from '../../pkg/quota/estimate.ts';
import type { SyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import type { KubeObject } from '../support/kube.ts';
import { API, applyAll, condition, provider, readObject, route, secret, sleep, waitFor } from './harness.ts';
import { useOperatorWorld } from './world.ts';

const NS = 'team-cq';
const TOKEN = 'e2e-sync-token-cluster-quota-0123456789';
const KEY = 'sk-swy-e2e-cluster-alice-0123456789';
/** The proxies' report interval and the operator's Quota.status interval (it also sets the operator's liveness). */
const INTERVAL = 250;

const w = useOperatorWorld({
  namespace: NS, token: TOKEN, identity: 'cluster-quota-op', proxyId: 'cq-proxy', authMode: 'required',
  operator: { quotaStatusIntervalMs: INTERVAL }, proxies: 3,
  proxyOptions: { quotaFailMode: 'closed', sync: { reportIntervalMs: INTERVAL } },
});

/** USD per token (Provider pricing is per 1M tokens: input 1000, output 2000). */
const PRICE = { input: 0.001, output: 0.002 };
const MAX_TOKENS = 10;
const BODY = (model: string): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: MAX_TOKENS });

interface LimitSet { requests: number; tokens: number; costUSD: number }
/** One quota per route; a different limit binds in each (the others leave room). */
const PHASE1: Record<string, LimitSet> = {
  rpm: { requests: 60, tokens: 3_000, costUSD: 5 },
  tpm: { requests: 1_000, tokens: 440, costUSD: 5 },
  cost: { requests: 1_000, tokens: 100_000, costUSD: 0.84 },
};
const SCALE_LIMIT = 60;
const OUTAGE_LIMIT = 60;

function quota(name: string, model: string, l: Partial<LimitSet>): KubeObject {
  const limits = [
    ...(l.requests === undefined ? [] : [{ window: '1m', requests: l.requests }]),
    ...(l.tokens === undefined ? [] : [{ window: '1m', tokens: l.tokens }]),
    ...(l.costUSD === undefined ? [] : [{ window: '1m', costUSD: l.costUSD }]),
  ];
  return { apiVersion: API, kind: 'Quota', metadata: { name, namespace: NS }, spec: { subject: { kind: 'key', name: 'alice' }, models: [model], limits } };
}

interface Usage { prompt_tokens: number; completion_tokens: number; total_tokens: number }
interface Outcome {
  readonly model: string;
  readonly proxy: number;
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly usage: Usage | undefined;
  /** performance.now() when the answer arrived. */
  readonly at: number;
}

/**
 * Concurrent load for `ms`: request n goes to model n mod M and, per model, round-robin over the proxies. The client
 * never retries: a refusal is final (it waits 10 ms before its next request, to spare the shared CPU).
 */
async function load(proxies: readonly SyncedProxy[], models: readonly string[], ms: number, workers: number): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const until = Date.now() + ms;
  let seq = 0;
  const worker = async (): Promise<void> => {
    while (Date.now() < until) {
      const n = seq++;
      const model = models[n % models.length] ?? '';
      const proxy = Math.floor(n / models.length) % proxies.length;
      const res = await fetch(`${proxies[proxy]?.dataUrl}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(BODY(model)),
      });
      const body = await res.json() as { usage?: Usage; error?: { code?: string } };
      out.push({ model, proxy, status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after'), usage: body.usage, at: performance.now() });
      if (res.status !== 200) await sleep(10);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return out;
}

interface Totals { requests: number; tokens: number; costUSD: number; byProxy: number[]; lastAt: number }
function admitted(outcomes: readonly Outcome[], model: string, proxies: number): Totals {
  const t: Totals = { requests: 0, tokens: 0, costUSD: 0, byProxy: new Array<number>(proxies).fill(0), lastAt: 0 };
  for (const o of outcomes) {
    if (o.model !== model || o.status !== 200 || o.usage === undefined) continue;
    t.requests++;
    t.lastAt = Math.max(t.lastAt, o.at);
    t.tokens += o.usage.total_tokens;
    t.costUSD += o.usage.prompt_tokens * PRICE.input + o.usage.completion_tokens * PRICE.output;
    t.byProxy[o.proxy] = (t.byProxy[o.proxy] ?? 0) + 1;
  }
  t.costUSD = Math.round(t.costUSD * 1e9) / 1e9;
  return t;
}

/** Every answer is a 200 or a 429 quota_exceeded with a positive whole Retry-After. */
function expectOnlyQuotaRefusals(outcomes: readonly Outcome[]): number {
  const refusals = outcomes.filter((o) => o.status !== 200);
  for (const r of refusals) {
    expect({ status: r.status, code: r.code }).toEqual({ status: 429, code: 'quota_exceeded' });
    expect(r.retryAfter).toMatch(/^[1-9]\d*$/);
  }
  return refusals.length;
}

const windowStart = (now = Date.now()): number => Math.floor(now / 60_000) * 60_000;

/** Waits for the next minute when less than `ms` (plus a margin) is left of this one. */
async function ensureRoom(ms: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < ms + 500) await sleep(left + 300);
}

function allowanceOf(p: SyncedProxy): ClusterAllowance {
  const a = p.holder.quotaLedger.allowance;
  if (!(a instanceof ClusterAllowance)) throw new Error('a synced proxy enforces cluster allowances');
  return a;
}

/** The request cap `p` applies to `quotaName` in the current window (undefined before its first grant). */
const requestCap = (p: SyncedProxy, quotaName: string): number | undefined =>
  allowanceOf(p).capsOf(`${NS}/${quotaName}`, '1m', windowStart())?.requests;

interface UsageView { window: string; limitType: string; used: number; limit: number }
async function statusUsage(name: string): Promise<UsageView[]> {
  const res = await w.env.kube.get(`${await w.env.kube.collectionPath(API, 'Quota', NS)}/${name}`);
  if (res.status !== 200) return [];
  return (res.body as { status?: { usage?: UsageView[] } }).status?.usage ?? [];
}

interface StatusSample { readonly at: number; readonly requests?: number; readonly tokens?: number; readonly costUSD?: number }

/**
 * Reads the quotas' status.usage (what `kubectl get quotas` would show) every 50 ms until stop(), the quotas in
 * parallel; a sample is stamped with the time its GET was sent (the figure it shows was written before that answer).
 */
function watchStatus(names: readonly string[]): { samples: Map<string, StatusSample[]>; stop(): Promise<void> } {
  const samples = new Map<string, StatusSample[]>(names.map((n) => [n, []]));
  let running = true;
  const loop = (async () => {
    while (running) {
      await Promise.all(names.map(async (n) => {
        const at = performance.now();
        const u = await statusUsage(n);
        const used = (type: string): number | undefined => u.find((x) => x.limitType === type)?.used;
        samples.get(n)?.push({ at, requests: used('requests'), tokens: used('totalTokens'), costUSD: used('costUSD') });
      }));
      await sleep(50);
    }
  })();
  return { samples, stop: async () => { running = false; await loop; } };
}

describe('cluster-wide quotas over three (then six) proxies on a real API server', () => {
  it('admits no more than each limit and uses all of it, shows live usage, re-divides on scale-up, holds with the operator gone', async () => {
    const t0 = performance.now();
    const estimate = estimateRequest(BODY('rpm'), false);
    const estTokens = estimate.inputTokens + estimate.outputTokens;
    const estCost = estimate.inputTokens * PRICE.input + estimate.outputTokens * PRICE.output;
    // The fake answers prompt 1 + completion 10: never above the estimate, hence the zero tolerance stated above.
    expect(estimate).toEqual({ inputTokens: 5, outputTokens: MAX_TOKENS });

    await applyAll(w.env.kube, [
      provider(NS, 'fake', { type: 'fake', fake: { latency: '20ms', outputTokens: MAX_TOKENS }, models: [{ name: 'fake-priced', pricing: { input: 1000, output: 2000 } }] }),
      ...['rpm', 'tpm', 'cost', 'scale', 'outage'].map((m) => route(NS, m, { model: m, targets: [{ provider: 'fake', model: 'fake-priced' }] })),
      secret(NS, 'alice', { key: KEY, user: 'alice' }, { 'switchyard.dev/api-key': 'true' }),
      ...Object.entries(PHASE1).map(([m, l]) => quota(`q-${m}`, m, l)),
      quota('q-scale', 'scale', { requests: SCALE_LIMIT }),
      quota('q-outage', 'outage', { requests: OUTAGE_LIMIT }),
    ]);
    for (const m of [...Object.keys(PHASE1), 'scale', 'outage']) {
      await waitFor(`Quota q-${m} Programmed=True`, async () => condition(await readObject(w.env.kube, 'Quota', NS, `q-${m}`), 'Programmed')?.status === 'True', 20_000);
    }

    // Phase 1: three proxies, load on the three quotas for 5 s.
    await ensureRoom(10_000);
    await waitFor('every proxy holds caps for every phase-1 quota', () => w.proxies.every((p) => Object.keys(PHASE1).every((m) => requestCap(p, `q-${m}`) !== undefined)), 10_000);
    const watch = watchStatus(Object.keys(PHASE1).map((m) => `q-${m}`));
    const outcomes = await load(w.proxies, Object.keys(PHASE1), 5_000, 12);
    const refused = expectOnlyQuotaRefusals(outcomes);
    const totals = Object.fromEntries(Object.keys(PHASE1).map((m) => [m, admitted(outcomes, m, 3)])) as Record<string, Totals>;
    const rpm = totals.rpm as Totals;
    const tpm = totals.tpm as Totals;
    const cost = totals.cost as Totals;
    console.log(`D4 phase 1: ${outcomes.length} requests, ${refused} refused; admitted rpm ${JSON.stringify(rpm)} tpm ${JSON.stringify(tpm)} cost ${JSON.stringify(cost)}`);
    for (const [m, l] of Object.entries(PHASE1)) {
      const t = totals[m] as Totals;
      // Tolerance 0 (see the top of the file); cost compares at the nano-dollar the proxy rounds to.
      expect(t.requests).toBeLessThanOrEqual(l.requests);
      expect(t.tokens).toBeLessThanOrEqual(l.tokens);
      expect(t.costUSD).toBeLessThanOrEqual(l.costUSD + 1e-9);
      // Load was spread: every proxy admitted some of every quota.
      expect(t.byProxy.every((n) => n > 0)).toBe(true);
      console.log(`D4 overshoot ${m}: requests ${t.requests - l.requests}, tokens ${t.tokens - l.tokens}, USD ${Math.round((t.costUSD - l.costUSD) * 1e9) / 1e9}`);
    }
    // The whole limit is used: requests count whole, so the shares rebalance until nothing is left anywhere.
    expect(rpm.requests).toBe(PHASE1.rpm?.requests);
    // Tokens and dollars: at rest no proxy can fit one more estimate under its cap and the operator has less than one
    // estimate free for it, so at most one estimate per proxy goes unused.
    expect(tpm.tokens).toBeGreaterThan((PHASE1.tpm?.tokens ?? 0) - 3 * estTokens);
    expect(cost.costUSD).toBeGreaterThan((PHASE1.cost?.costUSD ?? 0) - 3 * estCost);

    // Quota.status.usage: the cluster-wide sums, shortly after the last admitted request (the watch ran all along).
    const lags: number[] = [];
    for (const [m, t] of Object.entries(totals)) {
      const matches = (s: StatusSample): boolean => s.requests === t.requests && s.tokens === t.tokens && s.costUSD === Math.round(t.costUSD * 1e6) / 1e6;
      await waitFor(`q-${m} status shows the admitted totals`, () => watch.samples.get(`q-${m}`)?.some(matches), 5_000, 25);
      const first = watch.samples.get(`q-${m}`)?.find(matches);
      lags.push(Math.round((first?.at ?? Number.POSITIVE_INFINITY) - t.lastAt));
    }
    await watch.stop();
    console.log(`D4 Quota.status showed the final figures ${JSON.stringify(lags)} ms after the last admitted answer (rpm, tpm, cost; interval ${INTERVAL} ms, polled every 50 ms)`);
    // One report interval to the operator, one status interval to the trigger, then the status controller's pass and
    // the API server write (measured 0.3–1.3 s in all on the shared 2-core box, the longer ones under heavy load).
    for (const lag of lags) expect(lag).toBeLessThan(2 * INTERVAL + 1_500);
    expect(condition(await readObject(w.env.kube, 'Quota', NS, 'q-rpm'), 'Exceeded')?.status).toBe('True');

    // Phase 2: three more proxies; the scale quota's limit is re-divided over six and all six admit.
    await ensureRoom(6_000);
    const three = await waitFor('the three proxies hold caps for q-scale', () => {
      const c = w.proxies.map((p) => requestCap(p, 'q-scale'));
      return c.every((x) => x !== undefined) ? (c as number[]) : undefined;
    }, 5_000);
    const scaling = performance.now();
    await Promise.all([w.addProxy(), w.addProxy(), w.addProxy()]);
    expect(w.proxies).toHaveLength(6);
    // Re-divided: each of the first three holds less than before, and each newcomer holds a share.
    await waitFor('the limit re-divided over six proxies', () => w.proxies.every((p, i) => {
      const cap = requestCap(p, 'q-scale') ?? 0;
      return cap >= 1 && (i >= 3 || cap < (three[i] ?? 0));
    }), 10_000, 10);
    const redividedMs = Math.round(performance.now() - scaling);
    const caps = w.proxies.map((p) => requestCap(p, 'q-scale') ?? 0);
    console.log(`D4 scale-up: caps ${JSON.stringify(three)} over 3 proxies re-divided to ${JSON.stringify(caps)} over 6, ${redividedMs} ms after starting 3 more`);
    expect(caps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(SCALE_LIMIT);
    const scaled = await load(w.proxies, ['scale'], 3_000, 12);
    expectOnlyQuotaRefusals(scaled);
    const six = admitted(scaled, 'scale', 6);
    console.log(`D4 scale-up: admitted ${six.requests}/${SCALE_LIMIT}, per proxy ${JSON.stringify(six.byProxy)}`);
    expect(six.byProxy.every((n) => n > 0)).toBe(true);
    expect(six.requests).toBe(SCALE_LIMIT);

    // Phase 3: the operator goes away; fail-closed proxies keep their last caps and admit within them.
    await ensureRoom(4_000);
    await waitFor('six proxies hold caps for q-outage', () => w.proxies.every((p) => requestCap(p, 'q-outage') !== undefined), 5_000);
    await w.op.close();
    await sleep(3 * INTERVAL + 200); // past staleAfterMs: every proxy now knows the operator is unreachable
    expect(w.proxies.every((p) => allowanceOf(p).stale())).toBe(true);
    const held = w.proxies.map((p) => requestCap(p, 'q-outage') ?? 0);
    const outage = await load(w.proxies, ['outage'], 2_000, 12);
    expectOnlyQuotaRefusals(outage);
    const closed = admitted(outage, 'outage', 6);
    const heldSum = held.reduce((a, b) => a + b, 0);
    console.log(`D4 operator gone (fail-closed): admitted ${closed.requests}/${OUTAGE_LIMIT} within the last caps ${JSON.stringify(held)} (Σ ${heldSum})`);
    expect(closed.requests).toBeLessThanOrEqual(OUTAGE_LIMIT);
    expect(closed.requests).toBe(heldSum); // each proxy uses exactly its last cap, no more
    expect(closed.requests).toBeGreaterThan(0);
    console.log(`D4 wall time of the test body: ${Math.round(performance.now() - t0)} ms`);
  }, 150_000);
});
