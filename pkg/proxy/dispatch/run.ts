// The attempt loop (B1–B4, B12): targets in plan order, up to retry.attempts each with full-jitter exponential
// backoff on the failure kinds the route enables, then each fallback once; all within a global attempt budget.
// `client` failures end the loop at once (never retried, never failed over). An upstream 429 with Retry-After
// blocks that target for every request until then; a wait longer than maxRetryAfterWaitMs moves on instead.
import type { UpstreamFailure } from '../../providers/types.ts';
import type { TableProvider, TableRetry } from '../../table/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeRoute } from '../runtime-table.ts';
import { ABORTED, attemptOnce } from './attempt.ts';
import type { AttemptResult } from './attempt.ts';
import type { Job } from './job.ts';
import { planTargets } from './plan.ts';

export type RunResult =
  | Extract<AttemptResult, { kind: 'ok' } | { kind: 'aborted' }>
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure; readonly provider: TableProvider | null };

const NO_TARGET: UpstreamFailure = { kind: 'connect', message: 'No upstream target is available for this route.' };

export function isRetryable(kind: UpstreamFailure['kind'], retry: TableRetry): boolean {
  switch (kind) {
    case 'rate_limited':
      return retry.on429;
    case 'server':
      return retry.on5xx;
    case 'timeout':
      return retry.onTimeout;
    case 'connect':
      return retry.onConnect;
    default:
      return false;
  }
}

/** Full jitter: uniform in [0, min(max, base·2^retryIndex)). */
export function backoffMs(retryIndex: number, retry: TableRetry, random: () => number): number {
  const ceiling = Math.min(retry.maxBackoffMs, retry.baseBackoffMs * 2 ** retryIndex);
  return ceiling > 0 ? Math.floor(random() * ceiling) : 0;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function runAttempts(st: RequestState, job: Job, route: RuntimeRoute): Promise<RunResult> {
  const core = st.core;
  const retry = route.retry;
  const budget = core.options.maxAttempts;
  const plan = planTargets(route, core.random);
  st.requestBody = job.req.body;
  let last: UpstreamFailure = NO_TARGET;
  let lastProvider: TableProvider | null = null;
  for (let i = 0; i < plan.length; i++) {
    const target = plan[i];
    if (target === undefined) break;
    const tries = i < route.primaryCount ? Math.max(1, retry.attempts) : 1;
    for (let n = 0; n < tries; n++) {
      if (st.attempts >= budget) return { kind: 'failed', failure: last, provider: lastProvider };
      const now = core.now();
      if (target.health.blockedUntil > now) {
        last = { kind: 'rate_limited', retryAfter: Math.ceil((target.health.blockedUntil - now) / 1000) };
        lastProvider = target.bound.provider;
        break;
      }
      st.attempts++;
      st.target = target;
      const r = await attemptOnce(st, job, target);
      if (r.kind !== 'failed') return r;
      const f = r.failure;
      last = f;
      lastProvider = target.bound.provider;
      if (f.kind === 'client') return { kind: 'failed', failure: f, provider: lastProvider };
      if (f.kind === 'rate_limited' && f.retryAfter !== undefined && f.retryAfter > 0) {
        target.health.blockedUntil = Math.max(target.health.blockedUntil, core.now() + f.retryAfter * 1000);
      }
      if (n + 1 >= tries || !isRetryable(f.kind, retry)) break;
      let delay = backoffMs(n, retry, core.random);
      if (f.retryAfter !== undefined) {
        const wait = f.retryAfter * 1000;
        if (wait > core.options.maxRetryAfterWaitMs) break;
        delay = Math.max(delay, wait);
      }
      if (!(await sleep(delay, st.abortController().signal))) return ABORTED;
    }
  }
  return { kind: 'failed', failure: last, provider: lastProvider };
}
