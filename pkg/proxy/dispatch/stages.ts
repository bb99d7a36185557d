// Runs the route's stages before the upstream call (design §3). Today one slot, quota: admit (reserve), refuse with
// 429 quota_exceeded in the caller's dialect, or move the request to the quota's downgrade route — whose own access
// check, serving view and quotas apply (no second downgrade). Dispatch sees a Gate: go with (route, view, ticket),
// or the answer is already written.
import type { Ingress, IngressRequest } from '../../ingress/types.ts';
import type { QuotaCaller, QuotaTicket } from '../../quota/stage.ts';
import { mayUse } from '../auth.ts';
import { errorOut, writeErrorResponse } from '../error-reply.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeRoute } from '../runtime-table.ts';

export interface Gate {
  readonly route: RuntimeRoute;
  readonly view: RuntimeRoute;
  /** The reservation to settle or release exactly once; null when no quota matched. */
  readonly ticket: QuotaTicket | null;
  /** Headers every answer of this request carries (rate limits, x-switchyard-quota). */
  readonly headers: Readonly<Record<string, string>> | null;
}

function callerOf(st: RequestState): QuotaCaller {
  const rp = st.principal;
  const p = rp?.principal;
  return { keyId: p?.id ?? null, team: p?.team, user: p?.user, claims: rp?.claims };
}

function refuse(st: RequestState, ingress: Ingress, route: RuntimeRoute, retryAfter: number, headers: Readonly<Record<string, string>>, message?: string): null {
  const e = errorOut('quota_exceeded', message === undefined ? { retryAfter } : { retryAfter, message });
  st.code = e.code;
  writeErrorResponse(st.res, ingress, st.id, e, { ...headers, 'x-switchyard-route': route.routeHeader, 'x-switchyard-attempts': '0' });
  return null;
}

/** The downgrade route's view for this request, or null when it cannot serve it or the caller may not use it. */
function downgradeView(st: RequestState, req: IngressRequest, ingress: Ingress, name: string): RuntimeRoute | null {
  const down = st.rt?.routes.get(name);
  if (down === undefined || !mayUse(st.principal, name, down)) return null;
  if (down.byOperation[req.op] === null) return null;
  return down.byApi[ingress.api];
}

/** Admission through the route's stages. Returns null when the answer (a refusal) has been written. */
export function admit(st: RequestState, req: IngressRequest, ingress: Ingress, route: RuntimeRoute, view: RuntimeRoute): Gate | null {
  const quota = route.stages.quota;
  if (quota === null || req.countTokens === true) return { route, view, ticket: null, headers: null };
  const caller = callerOf(st);
  const embeddings = req.op === 'embeddings';
  const now = st.core.now();
  const a = quota.admit(caller, req.body, embeddings, now);
  if (a === null) return { route, view, ticket: null, headers: null };
  if (a.kind === 'reject') return refuse(st, ingress, route, a.retryAfter, a.headers);
  if (a.kind === 'admit') {
    const headers = a.shadowExceeded ? { ...a.ticket.headers, 'x-switchyard-quota': 'shadow-exceeded' } : a.ticket.headers;
    return { route, view, ticket: a.ticket, headers };
  }
  const downView = downgradeView(st, req, ingress, a.route);
  const down = st.rt?.routes.get(a.route);
  if (downView === null || down === undefined) {
    return refuse(st, ingress, route, a.retryAfter, a.headers, `A quota for this request is exhausted and its downgrade route ${a.route} cannot serve it.`);
  }
  st.route = down;
  const second = down.stages.quota?.admit(caller, req.body, embeddings, now) ?? null;
  if (second === null) return { route: down, view: downView, ticket: null, headers: { 'x-switchyard-quota': 'downgraded' } };
  if (second.kind !== 'admit') return refuse(st, ingress, down, second.retryAfter, second.headers);
  return { route: down, view: downView, ticket: second.ticket, headers: { ...second.ticket.headers, 'x-switchyard-quota': 'downgraded' } };
}
