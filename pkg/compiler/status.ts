// Building blocks for ObjectStatus: conditions, zod issue messages, ordering.
import type { z } from 'zod';
import type { ObjectStatus } from '../table/types.ts';
import { canonicalJSON, compareStrings } from './hash.ts';

export type Condition = ObjectStatus['conditions'][number];
export type ConditionState = Condition['status'];

/** Identity of an input object as the compiler reports it. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation?: number;
}

export function cond(type: string, status: ConditionState, reason: string, message: string): Condition {
  return { type, status, reason, message };
}

export function makeStatus(ref: ObjectRef, conditions: readonly Condition[]): ObjectStatus {
  const base = { kind: ref.kind, namespace: ref.namespace, name: ref.name };
  return ref.generation === undefined ? { ...base, conditions } : { ...base, generation: ref.generation, conditions };
}

/** Accepted=False plus ResolvedRefs=Unknown (references are not checked on an object that was not accepted). */
export function rejected(ref: ObjectRef, reason: string, message: string): ObjectStatus {
  return makeStatus(ref, [
    cond('Accepted', 'False', reason, message),
    cond('ResolvedRefs', 'Unknown', reason, 'references were not checked because the object was not accepted'),
  ]);
}

export function refId(ref: { readonly namespace: string; readonly name: string }): string {
  return `${ref.namespace}/${ref.name}`;
}

const MAX_ISSUES = 8;

/** "spec.targets[0].weight: Too small: expected number to be >=0; ..." */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_ISSUES).map((issue) => (issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`));
  if (issues.length > MAX_ISSUES) parts.push(`and ${issues.length - MAX_ISSUES} more problem(s)`);
  return parts.join('; ');
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && /^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out;
}

/** Sort by kind, namespace, name; ties (duplicates) by content so the order never depends on the input order. */
export function sortStatuses(statuses: readonly ObjectStatus[]): ObjectStatus[] {
  return [...statuses].sort(
    (a, b) =>
      compareStrings(a.kind, b.kind) ||
      compareStrings(a.namespace, b.namespace) ||
      compareStrings(a.name, b.name) ||
      compareStrings(canonicalJSON(a), canonicalJSON(b)),
  );
}
