// Keeps every object's status in step with the last reconcile, the proxies' acknowledgements and provider health:
// recomputes the desired statuses (pure, status.ts) on a short debounce and hands the ones that differ to the
// status writer. Only the leader writes; a follower computes nothing.
import type { Logger } from 'pino';
import { ConditionType } from '../api/conditions.ts';
import type { ObjectStatus } from '../table/types.ts';
import type { KubeObject } from './kube/object.ts';
import { kindByName, PROVIDERS, QUOTAS } from './kube/resources.ts';
import type { QuotaStatusFields } from './quota-usage.ts';
import { CarriedVersions, compiledKey } from './programmed.ts';
import { createWorkQueue } from './queue.ts';
import type { Reconciled } from './reconciler.ts';
import { desiredStatus, healthyCondition, kubeTime, programmedCondition, sameStatus } from './status.ts';
import type { ConditionCore, ObjectStatusBody, ProviderHealth, ProxyView } from './status.ts';
import type { DesiredStatus, StatusWriter } from './status-writer.ts';

export interface StatusControllerOptions {
  readonly writer: StatusWriter;
  readonly lookup: (kind: string, namespace: string, name: string) => KubeObject | undefined;
  /** lookup by kind and "namespace/name", when the cache offers it (saves building the id per object per run). */
  readonly lookupById?: (kind: string, id: string) => KubeObject | undefined;
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

interface Memo {
  /** The run that last saw the object (entries not seen in a run are dropped). */
  run: number;
  readonly compiled: ObjectStatus;
  readonly obj: KubeObject;
  readonly observed: ObjectStatusBody | undefined;
  readonly quota: QuotaStatusFields | undefined;
  readonly extra: readonly ConditionCore[];
  readonly entry: DesiredStatus;
  /** The desired status equals the observed one (nothing to write). */
  readonly same: boolean;
}

function sameCore(a: ConditionCore, b: ConditionCore): boolean {
  return a === b || (a.type === b.type && a.status === b.status && a.reason === b.reason && a.message === b.message);
}

function sameCores(a: readonly ConditionCore[], b: readonly ConditionCore[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameCore(a[i] as ConditionCore, b[i] as ConditionCore)) return false;
  return true;
}

/** The same compiled status: identity, generation and conditions (in order). */
function sameCompiled(a: ObjectStatus, b: ObjectStatus): boolean {
  return a === b || (a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.generation === b.generation && sameCores(a.conditions, b.conditions));
}

function accepted(s: ObjectStatus): boolean {
  return s.conditions.some((c) => c.type === ConditionType.Accepted && c.status === 'True');
}

interface StatusInfo {
  /** statusKey ("Kind/namespace/name"). */
  readonly key: string;
  /** "namespace/name". */
  readonly id: string;
  readonly accepted: boolean;
}

const infos = new WeakMap<ObjectStatus, StatusInfo | null>();

/** What a run reads of a compiled status, once per status object (null: not a kind that carries a status). */
function infoOf(s: ObjectStatus): StatusInfo | null {
  let info = infos.get(s);
  if (info === undefined) {
    info = kindByName(s.kind) === undefined ? null : { key: compiledKey(s), id: `${s.namespace}/${s.name}`, accepted: accepted(s) };
    infos.set(s, info);
  }
  return info;
}

export function createStatusController(opts: StatusControllerOptions): StatusController {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'status' });
  const carried = new CarriedVersions();
  let latest: Reconciled | null = null;

  // Per object: what its desired status was computed from and whether it matched what the object carries, so a run
  // after one change (or one more ACK) recomputes only the objects whose inputs moved (ADR 0024): the inputs are the
  // compiled status (compared by value), the cached object and the status observed on it (by identity: the informer
  // replaces objects, never mutates them) and the operator's conditions (by value).
  const memo = new Map<string, Memo>();
  let run = 0;

  function desiredAll(r: Reconciled): DesiredStatus[] {
    if (r.published === null) return [];
    run++;
    const published = r.published;
    const proxies = opts.proxies();
    const health = opts.health();
    const nowIso = kubeTime(now());
    // Programmed depends only on (accepted, carried version) once the proxies and the published table are fixed:
    // computed once per distinct carried version (-1: not accepted, -2: not carried yet).
    const programmed = new Map<number, ConditionCore>();
    const programmedOf = (ok: boolean, version: number | null): ConditionCore => {
      const key = !ok ? -1 : version ?? -2;
      let c = programmed.get(key);
      if (c === undefined) {
        c = programmedCondition(ok, version, published, proxies);
        programmed.set(key, c);
      }
      return c;
    };
    const out: DesiredStatus[] = [];
    for (const s of r.statuses) {
      const info = infoOf(s);
      if (info === null) continue;
      const obj = opts.lookupById === undefined ? opts.lookup(s.kind, s.namespace, s.name) : opts.lookupById(s.kind, info.id);
      if (obj === undefined) continue;
      if (s.generation !== undefined && obj.metadata.generation !== undefined && obj.metadata.generation !== s.generation) continue;
      const ok = info.accepted;
      const extra: ConditionCore[] = [programmedOf(ok, carried.get(s))];
      if (s.kind === PROVIDERS.kind) extra.push(healthyCondition(health.get(info.id)));
      const quota = s.kind === QUOTAS.kind && ok ? opts.quotaStatus?.(info.id) : undefined;
      if (quota !== undefined) extra.push(quota.exceeded);
      const observed = opts.writer.observed(obj);
      const key = info.key;
      const m = memo.get(key);
      if (m !== undefined && m.obj === obj && m.observed === observed && m.quota === quota && sameCompiled(m.compiled, s) && sameCores(m.extra, extra)) {
        m.run = run;
        if (!m.same || opts.writer.isPending(key)) out.push(m.entry);
        continue;
      }
      const status = desiredStatus(s, extra, observed, nowIso);
      const body = quota === undefined ? status : { ...status, usage: quota.usage, subject: quota.subject, summary: quota.summary };
      const entry: DesiredStatus = { kind: s.kind, namespace: s.namespace, name: s.name, status: body };
      const same = sameStatus(observed, body);
      memo.set(key, { run, compiled: s, obj, observed, quota, extra, entry, same });
      if (!same || opts.writer.isPending(key)) out.push(entry);
    }
    for (const [key, m] of memo) if (m.run !== run) memo.delete(key);
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
