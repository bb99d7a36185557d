// Keeps every object's status in step with the last reconcile, the proxies' acknowledgements and provider health:
// recomputes the desired statuses (pure, status.ts) on a short debounce and hands the ones that differ to the
// status writer. Only the leader writes; a follower computes nothing.
import type { Logger } from 'pino';
import { ConditionType } from '../api/conditions.ts';
import type { ObjectStatus } from '../table/types.ts';
import type { KubeObject } from './kube/object.ts';
import { kindByName, PROVIDERS, QUOTAS } from './kube/resources.ts';
import type { QuotaStatusFields } from './quota-usage.ts';
import { CarriedVersions } from './programmed.ts';
import { createWorkQueue } from './queue.ts';
import type { Reconciled } from './reconciler.ts';
import { desiredStatus, healthyCondition, kubeTime, programmedCondition } from './status.ts';
import type { ConditionCore, ProviderHealth, ProxyView } from './status.ts';
import type { DesiredStatus, StatusWriter } from './status-writer.ts';

export interface StatusControllerOptions {
  readonly writer: StatusWriter;
  readonly lookup: (kind: string, namespace: string, name: string) => KubeObject | undefined;
  readonly proxies: () => readonly ProxyView[];
  /** Provider id ("namespace/name") → health verdict. */
  readonly health: () => ReadonlyMap<string, ProviderHealth>;
  /** Quota id ("namespace/name") → live usage fields and Exceeded (a snapshot refreshed once per report interval). */
  readonly quotaStatus?: (id: string) => QuotaStatusFields | undefined;
  readonly isLeader: () => boolean;
  readonly logger: Logger;
  /** Epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Default 200 ms. */
  readonly debounceMs?: number;
}

export interface StatusController {
  /** A reconcile completed. */
  reconciled(r: Reconciled): void;
  /** Acks, health or an object's status changed: recompute soon. */
  trigger(): void;
  leadershipChanged(leader: boolean): void;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

function accepted(s: ObjectStatus): boolean {
  return s.conditions.some((c) => c.type === ConditionType.Accepted && c.status === 'True');
}

export function createStatusController(opts: StatusControllerOptions): StatusController {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'status' });
  const carried = new CarriedVersions();
  let latest: Reconciled | null = null;

  function desiredAll(r: Reconciled): DesiredStatus[] {
    if (r.published === null) return [];
    const proxies = opts.proxies();
    const health = opts.health();
    const nowIso = kubeTime(now());
    const out: DesiredStatus[] = [];
    for (const s of r.statuses) {
      if (kindByName(s.kind) === undefined) continue;
      const obj = opts.lookup(s.kind, s.namespace, s.name);
      if (obj === undefined) continue;
      if (s.generation !== undefined && obj.metadata.generation !== undefined && obj.metadata.generation !== s.generation) continue;
      const extra: ConditionCore[] = [programmedCondition(accepted(s), carried.get(s), r.published, proxies)];
      if (s.kind === PROVIDERS.kind) extra.push(healthyCondition(health.get(`${s.namespace}/${s.name}`)));
      const quota = s.kind === QUOTAS.kind && accepted(s) ? opts.quotaStatus?.(`${s.namespace}/${s.name}`) : undefined;
      if (quota !== undefined) extra.push(quota.exceeded);
      const status = desiredStatus(s, extra, opts.writer.observed(obj), nowIso);
      const body = quota === undefined ? status : { ...status, usage: quota.usage, subject: quota.subject, summary: quota.summary };
      out.push({ kind: s.kind, namespace: s.namespace, name: s.name, status: body });
    }
    return out;
  }

  const queue = createWorkQueue({
    debounceMs: opts.debounceMs ?? 200,
    maxDelayMs: 1_000,
    now,
    run: async () => {
      const r = latest;
      if (r === null || !opts.isLeader()) return;
      opts.writer.submit(desiredAll(r));
    },
    onError: (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, 'status computation failed'),
  });

  return {
    reconciled: (r) => {
      latest = r;
      if (r.published !== null) carried.update(r.statuses, r.published.version);
      queue.trigger();
    },
    trigger: () => queue.trigger(),
    leadershipChanged: (leader) => {
      if (!leader) {
        carried.clear();
        latest = null;
        opts.writer.cancel();
      }
    },
    idle: async () => {
      await queue.idle();
      await opts.writer.idle();
    },
    stop: async () => {
      await queue.stop();
      await opts.writer.stop();
    },
  };
}
