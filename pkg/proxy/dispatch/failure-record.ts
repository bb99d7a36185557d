// One upstream failure handed to the operator-facing failure log (pkg/proxy/upstream-failure-log.ts) with the
// request's and the target's facts: used for a failed attempt (attempt.ts) and a stream that failed after its first
// byte reached the client (respond.ts).
import type { UpstreamFailure } from '../../providers/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget } from '../runtime-table.ts';
import type { LoggedFailureKind, TimeoutPhase } from '../upstream-failure-log.ts';

export function recordUpstreamFailure(
  st: RequestState, target: RuntimeTarget, kind: LoggedFailureKind, failure?: UpstreamFailure, cause?: unknown, timeout?: TimeoutPhase,
): void {
  st.core.upstreamFailures.record({
    requestId: st.id,
    route: st.route?.id ?? null,
    provider: target.bound.provider,
    model: target.bound.model,
    attempt: st.attempts,
    kind,
    ...(failure === undefined ? {} : { failure }),
    ...(cause === undefined ? {} : { cause }),
    ...(timeout === undefined ? {} : { timeout }),
  });
}
