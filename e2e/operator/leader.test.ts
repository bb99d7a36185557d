// C9 leader election on a real kube-apiserver: two candidates, one leader, failover when the leader releases the
// Lease (graceful) or stops renewing it (crash), the leader stepping down when the API server is gone (partition),
// never two leaders at once (isLeader of both sampled every 100 ms), and fenced versions.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeaderElector } from '../../pkg/operator/leader.ts';
import type { LeaderElector } from '../../pkg/operator/leader.ts';
import { sleep, startOperatorEnv, testLogger, waitFor } from './harness.ts';
import type { OperatorTestEnv } from './harness.ts';

const NS = 'switchyard-system';
const TIMING = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 } as const;

let env: OperatorTestEnv;
const started: LeaderElector[] = [];

beforeAll(async () => {
  env = await startOperatorEnv([NS]);
}, 120_000);

afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((e) => e.stop({ release: false })));
});

afterAll(async () => {
  await env?.stop();
}, 30_000);

function elector(identity: string, lease: string, log: string[]): LeaderElector {
  const e = createLeaderElector({
    transport: env.transport(), namespace: NS, name: lease, identity, ...TIMING, logger: testLogger(identity),
    onStartedLeading: (term) => log.push(`${identity} started term ${term}`),
    onStoppedLeading: (reason) => log.push(`${identity} stopped: ${reason}`),
  });
  started.push(e);
  e.start();
  return e;
}

/** Samples isLeader() of every candidate every 100 ms; records any moment with two leaders. */
function sampler(candidates: readonly LeaderElector[]) {
  const overlaps: string[] = [];
  let samples = 0;
  const timer = setInterval(() => {
    samples++;
    const leaders = candidates.filter((c) => c.isLeader()).map((c) => c.identity);
    if (leaders.length > 1) overlaps.push(`${new Date().toISOString()}: ${leaders.join(' and ')}`);
  }, 100);
  return {
    overlaps,
    samples: () => samples,
    stop: () => clearInterval(timer),
  };
}

const leaderOf = (cands: readonly LeaderElector[]): LeaderElector | undefined => {
  const ls = cands.filter((c) => c.isLeader());
  return ls.length === 1 ? ls[0] : undefined;
};

describe('C9 leader election (Lease)', () => {
  it('one leader of two; graceful release hands over within a retry period; versions are fenced', async () => {
    const log: string[] = [];
    const a = elector('op-a', 'graceful', log);
    const b = elector('op-b', 'graceful', log);
    const s = sampler([a, b]);
    const first = await waitFor('a leader', () => leaderOf([a, b]), 5_000);
    const other = first === a ? b : a;
    await sleep(1_500); // the follower keeps following while the leader renews
    expect(other.isLeader()).toBe(false);
    const v1 = first.nextVersion();
    const v2 = first.nextVersion();
    expect(v1).not.toBeNull();
    expect(v2).toBe((v1 ?? 0) + 1);
    expect(other.nextVersion()).toBeNull();

    const t0 = performance.now();
    await first.stop({ release: true });
    expect(first.isLeader()).toBe(false);
    await waitFor('the standby to take over', () => other.isLeader(), 3_000, 20);
    const failoverMs = performance.now() - t0;
    console.log(`leader e2e: graceful failover in ${Math.round(failoverMs)} ms`);
    expect(failoverMs).toBeLessThan(TIMING.retryPeriodMs * 1.2 + 1_000);
    const v3 = other.nextVersion();
    expect(v3).toBeGreaterThan(v2 ?? Number.MAX_SAFE_INTEGER);
    expect(other.term()).toBeGreaterThan(0);
    s.stop();
    expect(s.samples()).toBeGreaterThan(10);
    expect(s.overlaps).toEqual([]);
  });

  it('a crashed leader (no release) is replaced after the lease duration, not before', async () => {
    const log: string[] = [];
    const a = elector('crash-a', 'crash', log);
    const first = await waitFor('crash-a to lead', () => a.isLeader(), 5_000);
    expect(first).toBe(true);
    const b = elector('crash-b', 'crash', log);
    const s = sampler([a, b]);
    await sleep(1_000);
    expect(b.isLeader()).toBe(false);
    const lastOld = a.nextVersion() ?? 0;
    const t0 = performance.now();
    await a.stop({ release: false });
    await waitFor('crash-b to take over', () => b.isLeader(), TIMING.leaseDurationMs + 3 * TIMING.retryPeriodMs + 2_000, 20);
    const takeoverMs = performance.now() - t0;
    console.log(`leader e2e: takeover after a crash in ${Math.round(takeoverMs)} ms (lease ${TIMING.leaseDurationMs} ms)`);
    expect(takeoverMs).toBeGreaterThanOrEqual(TIMING.leaseDurationMs - TIMING.retryPeriodMs * 1.2 - 1_000);
    expect(takeoverMs).toBeLessThan(TIMING.leaseDurationMs + 2 * TIMING.retryPeriodMs + 1_500);
    expect(b.nextVersion()).toBeGreaterThan(lastOld);
    s.stop();
    expect(s.overlaps).toEqual([]);
  });

  it('C1/C9 the leader steps down when the API server is gone, and exactly one leads when it returns', async () => {
    const log: string[] = [];
    const a = elector('part-a', 'partition', log);
    const b = elector('part-b', 'partition', log);
    const s = sampler([a, b]);
    const first = await waitFor('a leader', () => leaderOf([a, b]), 5_000);
    const termBefore = first.term() ?? -1;

    const t0 = performance.now();
    await env.cluster.stopApiServer();
    const stoppedMs = performance.now() - t0;
    await waitFor('the leader to step down', () => !a.isLeader() && !b.isLeader(), TIMING.renewDeadlineMs + 1_500, 20);
    const stepDownMs = performance.now() - t0;
    console.log(`leader e2e: apiserver stopped in ${Math.round(stoppedMs)} ms; leader stepped down ${Math.round(stepDownMs)} ms after the stop began`);
    expect(log.some((l) => l.includes('stopped: lease not renewed'))).toBe(true);
    await sleep(1_000);
    expect(leaderOf([a, b])).toBeUndefined();

    const t1 = performance.now();
    await env.cluster.startApiServer();
    const next = await waitFor('a leader after the API server returned', () => leaderOf([a, b]), 15_000, 50);
    console.log(`leader e2e: apiserver restarted; a leader ${Math.round(performance.now() - t1)} ms after the restart began`);
    expect(next.term()).toBeGreaterThan(termBefore);
    await sleep(1_500);
    s.stop();
    expect(s.overlaps).toEqual([]);
    expect(leaderOf([a, b])).toBe(next);
  }, 60_000);
});
