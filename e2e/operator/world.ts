// One operator and one or more synced proxies in this process over a real kube-apiserver (startOperatorEnv), started
// before a file's tests and stopped after them: the set-up the status and Quota.status files share. addProxy() starts
// one more proxy later (a scale-up); every proxy is stopped after the file's tests.
import { afterAll, beforeAll } from 'vitest';
import { createHealthAggregator } from '../../pkg/operator/health.ts';
import { startOperator } from '../../pkg/operator/operator.ts';
import type { OperatorOptions, RunningOperator } from '../../pkg/operator/operator.ts';
import { sharedTokenAuth } from '../../pkg/sync/auth.ts';
import { startSyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import type { SyncedProxy, SyncedProxyOptions } from '../../pkg/sync/proxy-mode.ts';
import type { AuthMode } from '../../pkg/telemetry/types.ts';
import { startOperatorEnv, testLogger } from './harness.ts';
import type { OperatorTestEnv } from './harness.ts';

export interface OperatorWorld {
  env: OperatorTestEnv;
  op: RunningOperator;
  /** The first proxy (id `proxyId`). */
  proxy: SyncedProxy;
  /** Every proxy started so far, in start order (proxies[0] is `proxy`). */
  proxies: SyncedProxy[];
  /** Starts one more proxy with the world's proxy options (id `${proxyId}-${n}`, n counting from 2). */
  addProxy(): Promise<SyncedProxy>;
}

/** What every proxy of a world shares beyond the defaults. */
export type WorldProxyOptions = Partial<Pick<SyncedProxyOptions, 'quotaFailMode' | 'sync'>>;

export interface OperatorWorldOptions {
  readonly namespace: string;
  readonly token: string;
  /** The operator's Lease identity. */
  readonly identity: string;
  readonly proxyId: string;
  /** The proxy's --auth mode: stated by every file. */
  readonly authMode: AuthMode;
  /** Extra operator options (e.g. a short quotaStatusIntervalMs). */
  readonly operator?: Partial<OperatorOptions>;
  /** Synced proxies started before the tests. Default 1. */
  readonly proxies?: number;
  /** Options of every proxy (default: a 500 ms report interval, quotas fail-closed). */
  readonly proxyOptions?: WorldProxyOptions;
}

/** Filled in beforeAll; read its fields inside tests only. */
export function useOperatorWorld(o: OperatorWorldOptions): OperatorWorld {
  const w = {} as OperatorWorld;
  beforeAll(async () => {
    w.env = await startOperatorEnv([o.namespace]);
    w.op = await startOperator({
      transport: w.env.transport(), logger: testLogger('operator'), auth: sharedTokenAuth(o.token),
      health: createHealthAggregator({ clock: Date.now }),
      lease: { namespace: o.namespace, identity: o.identity, leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 500 },
      syncPort: 0, adminPort: 0, host: '127.0.0.1', statusQps: 200, processMetrics: false,
      ...o.operator,
    });
    w.proxies = [];
    let started = 0;
    w.addProxy = async () => {
      const n = ++started; // taken before any await: proxies started together get distinct ids
      const proxyId = n === 1 ? o.proxyId : `${o.proxyId}-${n}`;
      const p = await startSyncedProxy({
        syncUrls: [w.op.syncUrl], token: o.token, proxyId, dataPort: 0, adminPort: 0, host: '127.0.0.1', authMode: o.authMode,
        logger: testLogger(proxyId), sync: { reportIntervalMs: 500 }, ...o.proxyOptions,
      });
      w.proxies.push(p);
      return p;
    };
    for (let i = 0; i < (o.proxies ?? 1); i++) await w.addProxy();
    w.proxy = w.proxies[0] as SyncedProxy;
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled((w.proxies ?? []).map((p) => p.close()));
    await w.op?.close();
    await w.env?.stop();
  }, 30_000);
  return w;
}
