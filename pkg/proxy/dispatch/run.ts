// The attempt loop (B1–B4, B7, B12, B15; ADR 0023): one attempt budget per request (ProxyOptions.maxAttempts).
// Targets in plan order, up to retry.attempts each with full-jitter exponential backoff (at least the upstream's
// Retry-After, which also blocks the target for every request) on the failure kinds the route enables; then each
// fallback whose `on` holds `error`, once. An uncertain failure (the upstream may have the request) is never
// retried on the same target and is counted for the access log. `client` failures end the loop at once — except a
// context-length answer, which goes on to the fallbacks whose `on` holds `context-length`. Nothing here writes to
// the client: the loop ends before the first byte goes out (respond.ts writes), so nothing is retried after it.
import type { UpstreamFailure } from '../../providers/types.ts';
import type { TableProvider } from '../../table/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeRoute, RuntimeTarget } from '../runtime-table.ts';
import { ABORTED, attemptOnce } from './attempt.ts';
import type { AttemptResult } from './attempt.ts';
import { fallbackUseOf } from './fallback-use.ts';
import type { Job } from './job.ts';
import { planFor } from './plan.ts';
import { GatewayError } from '../../errors/errors.ts';
import { blockedUntil, isContextLength, retriesSameTarget, retryDelayMs } from './retry-policy.ts';

export { backoffMs, isRetryable } from './retry-policy.ts';

export type RunResult =
  | Extract<AttemptResult, { kind: 'ok' } | { kind: 'aborted' }>
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure; readonly provider: TableProvider | null };

const NO_TARGET: UpstreamFailure = { kind: 'connect', message: 'No upstream target is available for this route.' };

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

/** The loop's running state: the last failure and where it came from. */
interface Last {
  failure: UpstreamFailure;
  provider: TableProvider | null;
}

type TargetOutcome = { readonly kind: 'done'; readonly result: RunResult } | { readonly kind: 'next' } | { readonly kind: 'context-length' };

/** Attempts on one target: the first, then retries while the policy allows and the budget lasts. */
async function onTarget(st: RequestState, job: Job, route: RuntimeRoute, target: RuntimeTarget, tries: number, last: Last): Promise<TargetOutcome> {
  const core = st.core;
  const retry = route.retry;
  for (let n = 0; n < tries; n++) {
    if (st.attempts >= core.options.maxAttempts) return { kind: 'done', result: { kind: 'failed', failure: last.failure, provider: last.provider } };
    const now = core.now();
    // A retry has just waited for the target's own hint: only a first try respects the shared block.
    if (n === 0 && target.health.blockedUntil > now) {
      last.failure = { kind: 'rate_limited', retryAfter: Math.ceil((target.health.blockedUntil - now) / 1000) };
      last.provider = target.bound.provider;
      return { kind: 'next' };
    }
    st.attempts++;
    st.target = target;
    const r = await attemptOnce(st, job, target);
    if (r.kind !== 'failed') return { kind: 'done', result: r };
    const f = r.failure;
    last.failure = f;
    last.provider = target.bound.provider;
    if (f.delivery === 'uncertain') st.uncertainAttempts++;
    if (f.kind === 'client') return isContextLength(f) ? { kind: 'context-length' } : { kind: 'done', result: { kind: 'failed', failure: f, provider: last.provider } };
    const until = blockedUntil(f, core.now());
    if (until > target.health.blockedUntil) target.health.blockedUntil = until;
    if (n + 1 >= tries || !retriesSameTarget(f, retry)) return { kind: 'next' };
    const delay = retryDelayMs(n, f, retry, core.options.maxRetryAfterWaitMs, core.random);
    if (delay === null) return { kind: 'next' };
    if (!(await sleep(delay, st.abortController().signal))) return { kind: 'done', result: ABORTED };
  }
  return { kind: 'next' };
}

export async function runAttempts(st: RequestState, job: Job, route: RuntimeRoute): Promise<RunResult> {
  const { targets: plan, primaryCount, rule } = planFor(st, job, route);
  st.requestBody = job.req.body;
  if (plan.length === 0 && rule !== null) {
    // The matched rule has no usable target and the route no fallback: a configuration error is the operator's to
    // fix (500 route_misconfigured), never a retryable outage (design §7); a rule waiting for a Secret stays 503.
    const u = route.rules?.find((r) => r.name === rule)?.route.unresolved;
    if (u !== undefined && u !== null && !u.retryable) throw new GatewayError('route_misconfigured', { message: u.message });
  }
  const last: Last = { failure: NO_TARGET, provider: null };
  // After a context-length answer only the fallbacks that take it are tried (each once).
  let contextLength = false;
  for (let i = 0; i < plan.length; i++) {
    const target = plan[i];
    if (target === undefined) break;
    const primary = i < primaryCount;
    if (contextLength && primary) continue;
    if (!primary) {
      const use = fallbackUseOf(st.rt, route, target);
      if (contextLength ? !use.contextLength : !use.error) continue;
    }
    const tries = primary ? Math.max(1, route.retry.attempts) : 1;
    const out = await onTarget(st, job, route, target, tries, last);
    if (out.kind === 'done') return out.result;
    if (out.kind === 'context-length') contextLength = true;
  }
  return { kind: 'failed', failure: last.failure, provider: last.provider };
}
