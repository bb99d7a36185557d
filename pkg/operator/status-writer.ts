// Writes desired statuses to the /status subresource with a JSON merge patch — only when the desired status differs
// from what the object carries (no write loops, C11), only while leading, rate-limited (token bucket), a few at a
// time, newest desired status wins. 404 (deleted) and 409 (re-created: uid precondition) are dropped quietly: the next
// reconcile computes what is needed. Other failures are retried with backoff.
import type { Logger } from 'pino';
import { backoffDelay } from './backoff.ts';
import type { KubeObject } from './kube/object.ts';
import { kindByName, objectPath } from './kube/resources.ts';
import type { KubeTransport } from './kube/transport.ts';
import { statusOf } from './kube/transport.ts';
import type { OperatorMetrics } from './metrics.ts';
import { statusKey } from './programmed.ts';
import { currentStatus, sameStatus } from './status.ts';
import type { ObjectStatusBody } from './status.ts';

export interface DesiredStatus {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: ObjectStatusBody;
}

export interface StatusWriterOptions {
  readonly transport: KubeTransport;
  readonly logger: Logger;
  readonly metrics: OperatorMetrics;
  /** The cached object (informer), by kind. */
  readonly lookup: (kind: string, namespace: string, name: string) => KubeObject | undefined;
  readonly isLeader: () => boolean;
  /** Sustained writes per second. Default 20. */
  readonly qps?: number;
  /** Writes allowed in a burst. Default 40. */
  readonly burst?: number;
  /** Writes in flight at once. Default 4. */
  readonly concurrency?: number;
}

export interface StatusWriter {
  /** The status the object carries, or the one we just wrote when the cache has not caught up with it yet. */
  observed(obj: KubeObject): ObjectStatusBody | undefined;
  /** Whether a status for this object ("Kind/namespace/name", statusKey) is queued. */
  isPending(key: string): boolean;
  /** Queues every entry whose status differs from observed(); returns how many were queued. */
  submit(entries: readonly DesiredStatus[]): number;
  /** Drops everything queued (leadership lost). */
  cancel(): void;
  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Written {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: ObjectStatusBody;
  readonly rvBefore: string;
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function summary(s: ObjectStatusBody): string {
  return s.conditions.map((c) => (c.status === 'True' ? `${c.type}=True` : `${c.type}=${c.status}(${c.reason})`)).join(' ');
}

export function createStatusWriter(opts: StatusWriterOptions): StatusWriter {
  const log = opts.logger.child({ component: 'status' });
  const qps = opts.qps ?? 20;
  const burst = opts.burst ?? 40;
  const concurrency = opts.concurrency ?? 4;
  const pending = new Map<string, DesiredStatus>();
  const written = new Map<string, Written>();
  const failures = new Map<string, number>();
  const retryTimers = new Set<NodeJS.Timeout>();
  let tokens = burst;
  let refilledAt = performance.now();
  let workers = 0;
  let stopped = false;
  let batch = { ok: 0, failed: 0 };
  let idleWaiters: (() => void)[] = [];

  const observed = (obj: KubeObject): ObjectStatusBody | undefined => {
    const key = statusKey({ kind: obj.kind, namespace: obj.metadata.namespace ?? 'default', name: obj.metadata.name });
    const w = written.get(key);
    if (w !== undefined) {
      if (obj.metadata.resourceVersion === w.rvBefore) return w.status;
      written.delete(key); // the cache has caught up with our write (or moved past it)
    }
    return currentStatus(obj);
  };

  async function takeToken(): Promise<void> {
    for (;;) {
      const t = performance.now();
      tokens = Math.min(burst, tokens + ((t - refilledAt) / 1000) * qps);
      refilledAt = t;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleepMs(Math.ceil(((1 - tokens) / qps) * 1000));
    }
  }

  function retryLater(entry: DesiredStatus, key: string): void {
    const n = (failures.get(key) ?? 0) + 1;
    failures.set(key, n);
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      if (!stopped && !pending.has(key)) submit([entry]);
    }, backoffDelay({ baseMs: 1_000, maxMs: 30_000 }, n));
    retryTimers.add(timer);
  }

  async function writeOne(entry: DesiredStatus): Promise<void> {
    const key = statusKey(entry);
    const obj = opts.lookup(entry.kind, entry.namespace, entry.name);
    const resource = kindByName(entry.kind);
    if (obj === undefined || resource === undefined) return;
    const gen = obj.metadata.generation;
    if (typeof gen === 'number' && entry.status.observedGeneration !== undefined && gen !== entry.status.observedGeneration) return;
    if (sameStatus(observed(obj), entry.status)) return;
    const body = { metadata: { uid: obj.metadata.uid }, status: entry.status };
    let res;
    try {
      res = await opts.transport.request({
        method: 'PATCH', path: objectPath(resource, entry.namespace, entry.name, 'status'), body, contentType: 'application/merge-patch+json', timeoutMs: 10_000,
      });
    } catch (err) {
      opts.metrics.statusWrite('error');
      batch.failed++;
      log.debug({ kind: entry.kind, namespace: entry.namespace, name: entry.name, err: err instanceof Error ? err.message : String(err) }, 'status write failed; will retry');
      retryLater(entry, key);
      return;
    }
    if (res.status === 200) {
      written.set(key, { kind: entry.kind, namespace: entry.namespace, name: entry.name, status: entry.status, rvBefore: obj.metadata.resourceVersion ?? '' });
      failures.delete(key);
      opts.metrics.statusWrite('ok');
      batch.ok++;
      log.debug({ kind: entry.kind, namespace: entry.namespace, name: entry.name, generation: entry.status.observedGeneration, conditions: summary(entry.status) }, 'status written');
      return;
    }
    const { message } = statusOf(res);
    if (res.status === 404) opts.metrics.statusWrite('not_found');
    else if (res.status === 409) opts.metrics.statusWrite('conflict');
    else if (res.status === 422 || res.status === 400) {
      opts.metrics.statusWrite('invalid');
      log.warn({ kind: entry.kind, namespace: entry.namespace, name: entry.name, status: res.status, message }, 'the API server refused a status update');
    } else {
      opts.metrics.statusWrite('error');
      batch.failed++;
      log.debug({ kind: entry.kind, namespace: entry.namespace, name: entry.name, status: res.status, message }, 'status write failed; will retry');
      retryLater(entry, key);
    }
  }

  function settle(): void {
    if (workers > 0 || pending.size > 0) return;
    if (batch.ok > 0 || batch.failed > 0) {
      log.info({ written: batch.ok, failed: batch.failed }, 'status writes done');
      batch = { ok: 0, failed: 0 };
    }
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  async function worker(): Promise<void> {
    try {
      while (!stopped && opts.isLeader()) {
        const next = pending.entries().next();
        if (next.done === true) break;
        const [key, entry] = next.value;
        pending.delete(key);
        await takeToken();
        if (stopped || !opts.isLeader()) break;
        await writeOne(entry);
      }
    } finally {
      workers--;
      if (!opts.isLeader()) pending.clear();
      settle();
    }
  }

  function submit(entries: readonly DesiredStatus[]): number {
    if (stopped || !opts.isLeader()) return 0;
    for (const [key, w] of written) if (opts.lookup(w.kind, w.namespace, w.name) === undefined) written.delete(key);
    let queued = 0;
    for (const e of entries) {
      const key = statusKey(e);
      const obj = opts.lookup(e.kind, e.namespace, e.name);
      if (obj === undefined || sameStatus(observed(obj), e.status)) {
        pending.delete(key);
        continue;
      }
      pending.set(key, e);
      queued++;
    }
    while (workers < concurrency && workers < pending.size) {
      workers++;
      void worker();
    }
    return queued;
  }

  return {
    observed,
    isPending: (key) => pending.has(key),
    submit,
    cancel: () => {
      pending.clear();
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      failures.clear();
    },
    idle: () => new Promise<void>((resolve) => {
      idleWaiters.push(resolve);
      settle();
    }),
    stop: async () => {
      stopped = true;
      pending.clear();
      for (const t of retryTimers) clearTimeout(t);
      retryTimers.clear();
      while (workers > 0) await sleepMs(10);
      settle();
    },
  };
}
