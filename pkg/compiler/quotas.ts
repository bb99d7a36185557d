// Quota → TableQuota: validated by the schema (including its cross-field rules); key subjects and downgrade
// routes are resolved here.
// An unresolved downgrade falls back to reject, so a quota never stops limiting because of a bad reference.
import { Quota } from '../api/quota.ts';
import { Reason } from '../api/conditions.ts';
import type { QuotaSpec } from '../api/quota.ts';
import type { ObjectStatus, TableQuota } from '../table/types.ts';
import { compareStrings } from './hash.ts';
import { keptMessage, previousVersion, rejection, staleObject } from './last-good.ts';
import type { LastGood, StaleObject } from './last-good.ts';
import type { InputObject } from './objects.ts';
import { cond, formatIssues, makeStatus, refId, rejected } from './status.ts';

export interface QuotasResult {
  /** Sorted by id. */
  readonly quotas: TableQuota[];
  readonly statuses: ObjectStatus[];
  /** Accepted Quotas, or the last accepted version kept in place of a rejected one (for the next `previous`). */
  readonly kept: InputObject[];
  readonly stale: StaleObject[];
}

export function compileQuotas(
  objs: readonly InputObject[],
  principals: ReadonlySet<string>,
  models: Readonly<Record<string, string>>,
  previous?: LastGood,
): QuotasResult {
  const out: QuotasResult = { quotas: [], statuses: [], kept: [], stale: [] };
  for (const obj of objs) {
    const now = compileQuota(obj, principals, models);
    const refused = rejection(now.status.conditions);
    const prev = refused === undefined ? undefined : previousVersion(obj, previous);
    const old = prev === undefined || prev.sameSpec ? undefined : compileQuota(prev.obj, principals, models);
    if (refused === undefined || prev === undefined || old?.quota == null) {
      if (now.quota !== null) {
        out.quotas.push(now.quota);
        out.kept.push(obj);
      }
      out.statuses.push(now.status);
      continue;
    }
    const accepted = cond('Accepted', 'False', refused.reason, keptMessage(refused.message, prev));
    out.quotas.push(old.quota);
    out.kept.push(prev.obj);
    out.stale.push(staleObject(obj, prev, accepted));
    out.statuses.push(makeStatus(obj, [accepted, ...old.status.conditions.filter((c) => c.type !== 'Accepted')]));
  }
  out.quotas.sort((a, b) => compareStrings(a.id, b.id));
  return out;
}

function compileQuota(
  obj: InputObject,
  principals: ReadonlySet<string>,
  models: Readonly<Record<string, string>>,
): { quota: TableQuota | null; status: ObjectStatus } {
  const parsed = Quota.safeParse(obj.raw);
  if (!parsed.success) return { quota: null, status: rejected(obj, Reason.Invalid, formatIssues(parsed.error.issues)) };
  const spec = parsed.data.spec;
  const { quota, issues } = buildQuota(obj, spec, principals, models);
  const first = issues[0];
  const refs = first === undefined
    ? cond('ResolvedRefs', 'True', 'ResolvedRefs', 'all references resolved')
    : cond('ResolvedRefs', 'False', first.reason, issues.map((i) => i.message).join('; '));
  return { quota, status: makeStatus(obj, [cond('Accepted', 'True', 'Accepted', summary(quota)), refs]) };
}

function buildQuota(
  obj: InputObject,
  spec: QuotaSpec,
  principals: ReadonlySet<string>,
  models: Readonly<Record<string, string>>,
): { quota: TableQuota; issues: { reason: string; message: string }[] } {
  const issues: { reason: string; message: string }[] = [];
  const s = spec.subject;
  let subjectName = s.name;
  if (s.kind === 'key') {
    subjectName = `${obj.namespace}/${s.name ?? ''}`;
    if (!principals.has(subjectName)) {
      issues.push({ reason: 'SecretNotFound', message: `spec.subject.name: API-key Secret ${subjectName} not found or not accepted; the quota applies to no one until it is` });
    }
  }
  let action: TableQuota['action'] = { type: 'reject' };
  const route = spec.action?.route;
  if (spec.action?.type === 'downgrade' && route !== undefined) {
    if (Object.hasOwn(models, route)) action = { type: 'downgrade', route };
    else issues.push({ reason: Reason.RouteNotFound, message: `spec.action.route: no accepted ModelRoute serves model ${route}; requests over the limit are rejected instead` });
  }
  const quota: TableQuota = {
    id: refId(obj),
    subject: {
      kind: s.kind,
      ...(subjectName === undefined ? {} : { name: subjectName }),
      ...(s.claim === undefined ? {} : { claim: s.claim }),
    },
    models: spec.models === undefined ? null : [...new Set(spec.models)],
    limits: spec.limits.map((l) => ({ ...l })),
    action,
    timeZone: spec.timeZone ?? 'UTC',
    shadow: spec.shadow === true,
  };
  return { quota, issues };
}

function summary(q: TableQuota): string {
  const who = q.subject.kind === 'each-user' ? 'each user' : `${q.subject.kind} ${q.subject.claim === undefined ? '' : `${q.subject.claim}=`}${q.subject.name ?? ''}`;
  const action = q.action.type === 'downgrade' ? `downgrades to ${q.action.route ?? ''}` : 'rejects';
  const mode = q.shadow ? ' (shadow: counted and reported, never enforced)' : '';
  return `${q.limits.length} limit(s) on ${who} in ${q.timeZone}; over the limit it ${action}${mode}`;
}
