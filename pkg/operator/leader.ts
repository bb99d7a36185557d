// Leader election on a coordination.k8s.io/v1 Lease (C9). A candidate takes the lease when it is free, released, or
// not renewed for a lease duration (optimistic concurrency on resourceVersion), and increments leaseTransitions on
// every acquisition: that number is the term, and every table version of the term is term·1,000,000 + seq, so a new
// leader's versions are always higher than an old one's and proxies refuse the old leader's late pushes (C4).
// The leader renews every retry period and steps down AT ONCE when it has not renewed for renewDeadline (< lease
// duration), before anyone else may take the lease. On graceful shutdown it releases the lease (immediate failover).
import type { Logger } from 'pino';
import { jittered, sleep } from './backoff.ts';
import { objectPath, collectionPath, LEASES } from './kube/resources.ts';
import type { KubeTransport } from './kube/transport.ts';
import { statusOf } from './kube/transport.ts';
import {
  VERSIONS_PER_TERM, canAcquire, fencedVersion, leaseBody, microTime, observe, parseLease,
} from './lease.ts';
import type { LeaseRecord, Observation } from './lease.ts';

export interface LeaderElectorOptions {
  readonly transport: KubeTransport;
  readonly namespace: string;
  /** Lease name. Default switchyard-operator. */
  readonly name?: string;
  /** Unique per process (pod name, or hostname-pid). */
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly logger: Logger;
  /** Monotonic ms for durations. Default performance.now. */
  readonly monotonic?: () => number;
  /** Epoch ms for the times written in the lease. Default Date.now. */
  readonly wallClock?: () => number;
  readonly onStartedLeading: (term: number) => void;
  readonly onStoppedLeading: (reason: string) => void;
}

export interface LeaderElector {
  readonly identity: string;
  start(): void;
  /** Stops campaigning; releases the lease when leading (unless release is false: a simulated crash). */
  stop(opts?: { release?: boolean }): Promise<void>;
  /** True while leading and the last renewal is younger than renewDeadline. */
  isLeader(): boolean;
  term(): number | null;
  /** The next fenced table version of this term, or null when not leading (or the term is used up). */
  nextVersion(): number | null;
  /** Starts a new term of at least `atLeast` while keeping the lease (fence repair / term exhausted). */
  advanceTerm(atLeast: number): Promise<boolean>;
}

export const LEASE_DEFAULTS = { name: 'switchyard-operator', leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 2_000 } as const;

interface Term {
  readonly term: number;
  seq: number;
  record: LeaseRecord;
  lastRenewAt: number;
  deadline: NodeJS.Timeout | undefined;
}

export function createLeaderElector(opts: LeaderElectorOptions): LeaderElector {
  const name = opts.name ?? LEASE_DEFAULTS.name;
  const leaseMs = opts.leaseDurationMs ?? LEASE_DEFAULTS.leaseDurationMs;
  const deadlineMs = opts.renewDeadlineMs ?? LEASE_DEFAULTS.renewDeadlineMs;
  const retryMs = opts.retryPeriodMs ?? LEASE_DEFAULTS.retryPeriodMs;
  if (!(deadlineMs < leaseMs)) throw new Error('renewDeadline must be shorter than leaseDuration');
  if (!(retryMs < deadlineMs)) throw new Error('retryPeriod must be shorter than renewDeadline');
  const mono = opts.monotonic ?? (() => performance.now());
  const wall = opts.wallClock ?? Date.now;
  const log = opts.logger.child({ component: 'leader', lease: `${opts.namespace}/${name}`, identity: opts.identity });
  const leasePath = objectPath(LEASES, opts.namespace, name);
  const durationSeconds = Math.max(1, Math.round(leaseMs / 1000));
  const stopper = new AbortController();
  let current: Term | null = null;
  let observation: Observation | null = null;
  let lastHolderLogged: string | null = null;
  let running: Promise<void> | undefined;
  let lock: Promise<unknown> = Promise.resolve();

  /** Lease writes never overlap (renewals, term advances, release). */
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = lock.then(fn, fn);
    lock = next.catch(() => undefined);
    return next;
  };

  const stepDown = (reason: string): void => {
    const t = current;
    if (t === null) return;
    current = null;
    clearTimeout(t.deadline);
    log.warn({ term: t.term, reason }, 'lost leadership');
    opts.onStoppedLeading(reason);
  };

  const armDeadline = (t: Term): void => {
    clearTimeout(t.deadline);
    t.deadline = setTimeout(() => {
      if (current === t) stepDown(`lease not renewed for ${deadlineMs} ms`);
    }, Math.max(0, t.lastRenewAt + deadlineMs - mono()));
  };

  const put = (record: LeaseRecord | null, spec: Parameters<typeof leaseBody>[3], timeoutMs: number) =>
    record === null
      ? opts.transport.request({ method: 'POST', path: collectionPath(LEASES, opts.namespace), body: leaseBody(opts.namespace, name, null, spec), timeoutMs })
      : opts.transport.request({ method: 'PUT', path: leasePath, body: leaseBody(opts.namespace, name, record.resourceVersion, spec), timeoutMs });

  async function tryAcquire(): Promise<void> {
    const got = await opts.transport.request({ method: 'GET', path: leasePath, timeoutMs: retryMs * 2 });
    let record: LeaseRecord | null = null;
    if (got.status === 200) {
      record = parseLease(got.body);
      if (record === null) throw new Error('the Lease could not be read');
      observation = observe(observation, record, mono());
      if (record.holderIdentity !== lastHolderLogged && record.holderIdentity !== opts.identity) {
        lastHolderLogged = record.holderIdentity;
        log.info({ holder: record.holderIdentity || '(none)' }, 'waiting for leadership');
      }
      if (!canAcquire(observation, opts.identity, mono(), leaseMs)) return;
    } else if (got.status !== 404) {
      throw new Error(`reading the Lease: HTTP ${got.status} ${statusOf(got).message}`);
    }
    const startedAt = mono();
    const now = microTime(wall());
    const term = record === null ? 0 : record.leaseTransitions + 1;
    const res = await put(record, { holderIdentity: opts.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: term }, retryMs * 2);
    if (res.status === 409) return; // someone else was faster
    if (res.status !== 200 && res.status !== 201) throw new Error(`taking the Lease: HTTP ${res.status} ${statusOf(res).message}`);
    const written = parseLease(res.body);
    if (written === null) return;
    if (stopper.signal.aborted) {
      // Stopped while taking the lease: hand it back at once rather than make the others wait for it to expire.
      await put(written, { holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: term }, 2_000).catch(() => undefined);
      return;
    }
    const t: Term = { term, seq: 0, record: written, lastRenewAt: startedAt, deadline: undefined };
    current = t;
    lastHolderLogged = null;
    armDeadline(t);
    log.info({ term, versionsFrom: fencedVersion(term, 1) }, 'became leader');
    opts.onStartedLeading(term);
  }

  async function renew(t: Term): Promise<void> {
    const startedAt = mono();
    const timeoutMs = Math.max(250, t.lastRenewAt + deadlineMs - startedAt);
    const res = await put(t.record, {
      holderIdentity: opts.identity, leaseDurationSeconds: durationSeconds, acquireTime: t.record.acquireTime,
      renewTime: microTime(wall()), leaseTransitions: t.term,
    }, timeoutMs);
    if (current !== t) return;
    if (res.status === 200) {
      const written = parseLease(res.body);
      if (written === null) throw new Error('the renewed Lease could not be read');
      t.record = written;
      t.lastRenewAt = startedAt;
      armDeadline(t);
      return;
    }
    if (res.status === 409 || res.status === 404) {
      const again = await opts.transport.request({ method: 'GET', path: leasePath, timeoutMs });
      const record = again.status === 200 ? parseLease(again.body) : null;
      if (current !== t) return;
      if (record !== null && record.holderIdentity === opts.identity && record.leaseTransitions === t.term) {
        t.record = record; // changed by someone else (a label, an annotation): retry with the new resourceVersion
        return;
      }
      stepDown(record === null ? 'the Lease was deleted' : `the Lease is now held by ${record.holderIdentity || 'nobody'}`);
      return;
    }
    throw new Error(`renewing the Lease: HTTP ${res.status} ${statusOf(res).message}`);
  }

  async function loop(): Promise<void> {
    let failing = false;
    while (!stopper.signal.aborted) {
      const t = current;
      try {
        if (t === null) await serialized(tryAcquire);
        else await serialized(() => renew(t));
        if (failing) log.info('the API server answers again');
        failing = false;
      } catch (err) {
        if (!failing) log.warn({ err: err instanceof Error ? err.message : String(err), leading: current !== null }, 'leader election call failed; retrying');
        failing = true;
      }
      await sleep(current === null ? jittered(retryMs, 0.2) : retryMs, stopper.signal);
    }
  }

  async function release(): Promise<void> {
    const t = current;
    if (t === null) return;
    stepDown('shutting down');
    try {
      const now = microTime(wall());
      const res = await put(t.record, { holderIdentity: null, leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: t.term }, 2_000);
      if (res.status === 200) log.info({ term: t.term }, 'released leadership');
      else log.warn({ status: res.status }, 'could not release the Lease; it expires on its own');
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not release the Lease; it expires on its own');
    }
  }

  async function advanceTerm(atLeast: number): Promise<boolean> {
    return serialized(async () => {
      const t = current;
      if (t === null) return false;
      const term = Math.max(atLeast, t.term + 1);
      const startedAt = mono();
      const res = await put(t.record, {
        holderIdentity: opts.identity, leaseDurationSeconds: durationSeconds, acquireTime: t.record.acquireTime,
        renewTime: microTime(wall()), leaseTransitions: term,
      }, Math.max(250, t.lastRenewAt + deadlineMs - startedAt)).catch(() => null);
      const written = res !== null && res.status === 200 ? parseLease(res.body) : null;
      if (current !== t || written === null) return false;
      const next: Term = { term, seq: 0, record: written, lastRenewAt: startedAt, deadline: undefined };
      clearTimeout(t.deadline);
      current = next;
      armDeadline(next);
      log.info({ from: t.term, term, versionsFrom: fencedVersion(term, 1) }, 'started a new leadership term');
      return true;
    });
  }

  const isLeader = (): boolean => current !== null && mono() - current.lastRenewAt < deadlineMs;

  return {
    identity: opts.identity,
    start: () => {
      running ??= loop();
    },
    stop: async (stopOpts = {}) => {
      stopper.abort();
      await running;
      if (stopOpts.release === false) stepDown('stopped');
      else await serialized(release);
    },
    isLeader,
    term: () => current?.term ?? null,
    nextVersion: () => {
      const t = current;
      if (t === null || !isLeader()) return null;
      if (t.seq + 1 >= VERSIONS_PER_TERM) {
        void advanceTerm(t.term + 1);
        return null;
      }
      t.seq += 1;
      return fencedVersion(t.term, t.seq);
    },
    advanceTerm,
  };
}
