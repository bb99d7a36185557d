// One operator and one synced proxy in this process over a real kube-apiserver (startOperatorEnv), started before a
// file's tests and stopped after them: the set-up the status and Quota.status files share.
import { afterAll, beforeAll } from 'vitest';
import { createHealthAggregator } from '../../pkg/operator/health.ts';
import { startOperator } from '../../pkg/operator/operator.ts';
import type { OperatorOptions, RunningOperator } from '../../pkg/operator/operator.ts';
import { sharedTokenAuth } from '../../pkg/sync/auth.ts';
import { startSyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import type { SyncedProxy } from '../../pkg/sync/proxy-mode.ts';
import type { AuthMode } from '../../pkg/telemetry/types.ts';
import { startOperatorEnv, testLogger } from './harness.ts';
import type { OperatorTestEnv } from './harness.ts';

export interface OperatorWorld {
  env: OperatorTestEnv;
  op: RunningOperator;
  proxy: SyncedProxy;
}

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
    w.proxy = await startSyncedProxy({
      syncUrls: [w.op.syncUrl], token: o.token, proxyId: o.proxyId, dataPort: 0, adminPort: 0, host: '127.0.0.1', authMode: o.authMode,
      logger: testLogger('proxy'), sync: { reportIntervalMs: 500 },
    });
  }, 120_000);
  afterAll(async () => {
    await w.proxy?.close();
    await w.op?.close();
    await w.env?.stop();
  }, 30_000);
  return w;
}
