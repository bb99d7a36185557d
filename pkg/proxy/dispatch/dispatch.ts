// Runs one inference request after validation and access checks: attempts, then the answer or the mapped failure.
// The response is written on the raw (hijacked) response; the request state closes once this settles.
import type { Ingress, IngressRequest } from '../../ingress/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import { errorOut, fromGatewayError, noUpstreamAvailable, writeErrorResponse } from '../error-reply.ts';
import type { ErrorOut } from '../error-reply.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeRoute } from '../runtime-table.ts';
import { failureToError } from './failure-map.ts';
import { sendJson, sendStream } from './respond.ts';
import type { StageHeaders } from './respond.ts';
import { Job } from './job.ts';
import { runAttempts } from './run.ts';
import { admit } from './stages.ts';

/**
 * Seconds a client is told to wait when a route has nothing to try: long enough not to hammer us, short enough to
 * notice a Secret or Provider that was just fixed (a new table reaches the proxies within seconds).
 */
const NO_TARGETS_RETRY_AFTER_S = 5;

/**
 * The answer for a route with nothing to send to. A configuration error (`unresolved.retryable === false`: Provider
 * missing or not accepted, model not offered) is 500 route_misconfigured with the table's message and no
 * Retry-After (design §7). Anything that may clear by itself — and a route from an older table without
 * `unresolved` — stays 503 with Retry-After, not the 502 of "every provider tried failed" (C7, B2).
 */
export function unresolvedError(route: RuntimeRoute): ErrorOut {
  const u = route.unresolved;
  if (u !== null && !u.retryable) return errorOut('route_misconfigured', { message: u.message });
  return noUpstreamAvailable(NO_TARGETS_RETRY_AFTER_S);
}

/**
 * The route's stages around the attempts: admission first (it may refuse, or move the request to a downgrade route),
 * then exactly one settlement — the reported usage once an answer went out, a release otherwise (failure, client
 * gone, internal error). Retries and fallbacks happen inside, so they never reserve or charge twice (E16).
 */
async function run(st: RequestState, req: IngressRequest, ingress: Ingress, route: RuntimeRoute, view: RuntimeRoute): Promise<void> {
  // A route without stages: one null check, no allocation.
  if (route.stages.quota === null) {
    await attemptAndAnswer(st, req, ingress, route, view, null);
    return;
  }
  const gate = admit(st, req, ingress, route, view);
  if (gate === null) return;
  const ticket = gate.ticket;
  if (ticket === null) {
    await attemptAndAnswer(st, req, ingress, gate.route, gate.view, gate.headers);
    return;
  }
  try {
    if (await attemptAndAnswer(st, req, ingress, gate.route, gate.view, gate.headers)) {
      ticket.settle({ inputTokens: st.tokensIn, outputTokens: st.tokensOut, costUSD: st.costUSD });
    }
  } finally {
    ticket.release();
  }
}

/** Attempts and writes the answer; true when an upstream answer was sent (its usage is then known or estimated). */
async function attemptAndAnswer(
  st: RequestState, req: IngressRequest, ingress: Ingress, route: RuntimeRoute, view: RuntimeRoute, extra: StageHeaders,
): Promise<boolean> {
  const headers = (): Record<string, string> => ({ ...extra, 'x-switchyard-route': route.routeHeader, 'x-switchyard-attempts': String(st.attempts) });
  if (route.primaryCount === 0 && route.fallback.length === 0) {
    const e = unresolvedError(route);
    st.code = e.code;
    writeErrorResponse(st.res, ingress, st.id, e, headers());
    return false;
  }
  let result;
  try {
    result = await runAttempts(st, new Job(st, req, ingress), view);
  } catch (err) {
    // The client body cannot be translated for the target that needs it: the client's error (400), not the target's.
    if (!(err instanceof GatewayError)) throw err;
    const e = fromGatewayError(err);
    st.code = e.code;
    writeErrorResponse(st.res, ingress, st.id, e, headers());
    return false;
  }
  if (result.kind === 'aborted') {
    // The drain deadline passed before an answer (the client is still there): it gets 503 shutting_down.
    const drained = st.drainError;
    if (drained !== null && !st.clientGone) {
      st.code = drained.code;
      writeErrorResponse(st.res, ingress, st.id, drained, headers());
    }
    return false;
  }
  if (result.kind === 'failed') {
    const e = failureToError(result.failure, result.provider);
    st.code = e.code;
    writeErrorResponse(st.res, ingress, st.id, e, headers());
    return false;
  }
  const target = st.target;
  if (target === null) throw new Error('dispatch succeeded without a target');
  if (result.translated !== null) sendJson(st, target, result.translated, extra);
  else await sendStream(st, target, result.stream, ingress, extra);
  return true;
}

function internalError(st: RequestState, ingress: Ingress, err: unknown): void {
  st.core.logger.error(
    { requestId: st.id, err: err instanceof Error ? { name: err.name, message: err.message.slice(0, 500), stack: err.stack?.slice(0, 4000) } : typeof err },
    'internal error while dispatching',
  );
  const e = errorOut('internal_error');
  st.code = e.code;
  const res = st.res;
  if (!writeErrorResponse(res, ingress, st.id, e) && !res.destroyed && !res.writableEnded) res.end(ingress.streamErrorEvent(e));
}

/**
 * Fire-and-forget from the route handler: never rejects. `req` is the ingress's validated request (its `op` picks
 * the adapter call); every error body and stream error event is written in `ingress`'s dialect
 * (`ingress.errorResponse` via writeErrorResponse, `ingress.streamErrorEvent`). `view` is the route restricted to
 * the targets that can serve the request (the route itself when all can).
 */
export function dispatchInference(st: RequestState, req: IngressRequest, ingress: Ingress, route: RuntimeRoute, view: RuntimeRoute = route): void {
  st.beginDispatch();
  run(st, req, ingress, route, view).then(
    () => st.endDispatch(),
    (err: unknown) => {
      internalError(st, ingress, err);
      st.endDispatch();
    },
  );
}
