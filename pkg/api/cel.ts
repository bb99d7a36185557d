// Cross-field rules written once and enforced twice: as CEL `x-kubernetes-validations` by the API server
// (emitted into crds/*.yaml) and as a zod refinement in standalone mode and `switchyard validate`.
import type { z } from 'zod';

/** The `reason` values the API server accepts on an x-kubernetes-validations rule. */
export type CelReason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/** One entry of `x-kubernetes-validations`, as written into the CRD. */
export interface XValidation {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: CelReason;
}

/** A rule on one schema node: CEL for the API server and the same predicate in TypeScript for zod. */
export interface CelRule<T> extends XValidation {
  /** True when `self` satisfies the rule; must agree with `rule` on every value the schema accepts. */
  readonly holds: (self: T) => boolean;
}

export const X_VALIDATIONS = 'x-kubernetes-validations';

const FIELD_PATH = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

/** Turns a simple JSONPath such as ".spec.baseURL" into zod issue path segments. */
export function fieldPathSegments(fieldPath: string | undefined): string[] {
  if (fieldPath === undefined) return [];
  if (!FIELD_PATH.test(fieldPath)) throw new Error(`unsupported fieldPath ${JSON.stringify(fieldPath)}: use .a.b form`);
  return fieldPath.slice(1).split('.');
}

/** Quotes a string as a CEL string literal (single quotes; backslashes and quotes escaped). */
export function celQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The x-kubernetes-validations already attached to a schema (through its metadata). */
export function existingValidations(schema: z.ZodType): XValidation[] {
  const found = schema.meta()?.[X_VALIDATIONS];
  return Array.isArray(found) ? (found as XValidation[]) : [];
}

/**
 * Attaches rules to a schema: each becomes an x-kubernetes-validations entry in the generated CRD and a zod
 * refinement reporting `message` at `fieldPath` (relative to the value the rule is attached to).
 */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  const segments = rules.map((r) => fieldPathSegments(r.fieldPath));
  const refined = schema.superRefine((value, ctx) => {
    rules.forEach((r, i) => {
      if (!r.holds(value)) ctx.addIssue({ code: 'custom', message: r.message, path: [...(segments[i] ?? [])], input: value });
    });
  });
  const entries: XValidation[] = rules.map(({ rule, message, fieldPath, reason }) => ({
    rule,
    message,
    ...(fieldPath === undefined ? {} : { fieldPath }),
    ...(reason === undefined ? {} : { reason }),
  }));
  return refined.meta({ [X_VALIDATIONS]: [...existingValidations(schema), ...entries] });
}
