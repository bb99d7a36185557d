// What `switchyard validate` concludes: each finding is a Verdict (error or warning) naming the object and file it
// concerns. REASON_SEVERITY is the one place that decides which condition reasons fail the check.
import type { ObjectStatus, TablePrincipal } from '../table/types.ts';
import { flattenControlChars } from '../compiler/text.ts';

export type Severity = 'error' | 'warning';

export interface ObjectId {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface Verdict {
  readonly severity: Severity;
  readonly reason: string;
  readonly message: string;
  /** The object concerned, or null for a file or the whole set. */
  readonly object: ObjectId | null;
  /** The file that holds it (as named on the command line), or null when unknown or the whole set. */
  readonly file: string | null;
}

/**
 * Severity of a non-True condition, by reason, in the compile where every referenced Secret and `${env:…}` value
 * is supplied (see validate-assume.ts): what is left is wrong in the manifests themselves. A reason missing here
 * is an error, so a reason added to the compiler can never pass unnoticed.
 */
export const REASON_SEVERITY: Readonly<Record<string, Severity>> = {
  // The object itself is not served as written.
  Invalid: 'error',
  Conflicted: 'error',
  Conflict: 'error',
  UnsupportedValue: 'error',
  UnsafeBaseURL: 'error',
  NoUsableTargets: 'error',
  CapabilityMismatch: 'error',
  ClientApiUnsupported: 'error',
  // References inside the set that do not resolve.
  ProviderNotFound: 'error',
  ProviderNotAccepted: 'error',
  ModelNotListed: 'error',
  RouteNotFound: 'error',
  InvalidSecretValue: 'error',
  // Secrets the set does not hold (a GitOps repository rarely holds its Secrets): errors only under --strict.
  SecretNotFound: 'warning',
  SecretKeyNotFound: 'warning',
};

/** Condition types whose False is the healthy state. */
const FALSE_IS_FINE: ReadonlySet<string> = new Set(['Exceeded']);

export function severityOf(reason: string): Severity {
  return Object.hasOwn(REASON_SEVERITY, reason) ? (REASON_SEVERITY[reason] ?? 'error') : 'error';
}

type Condition = ObjectStatus['conditions'][number];

/** The conditions that say something is wrong: Accepted alone when it is not True, else every non-True one. */
export function problems(s: ObjectStatus): Condition[] {
  const accepted = s.conditions.find((c) => c.type === 'Accepted');
  if (accepted !== undefined && accepted.status !== 'True') return [accepted];
  return s.conditions.filter((c) => c.status !== 'True' && !FALSE_IS_FINE.has(c.type));
}

export function statusKey(o: ObjectId): string {
  return `${o.kind}\u0000${o.namespace}\u0000${o.name}`;
}

export type FileOf = (o: ObjectId) => string | null;

/**
 * Verdicts for the objects' statuses. `assumed` comes from the compile where missing Secrets and unset variables
 * were supplied: its problems are classified by REASON_SEVERITY. A problem of the real compile that the assumed
 * compile does not have is caused only by a missing input, so it is a warning.
 */
export function statusVerdicts(
  real: readonly ObjectStatus[], assumed: readonly ObjectStatus[], stubs: ReadonlySet<string>, fileOf: FileOf,
): Verdict[] {
  const out: Verdict[] = [];
  const assumedProblemTypes = new Map<string, Set<string>>();
  for (const s of assumed) {
    if (s.kind === 'Secret' && stubs.has(`${s.namespace}/${s.name}`)) continue;
    const found = problems(s);
    const types = assumedProblemTypes.get(statusKey(s)) ?? new Set<string>();
    for (const c of found) {
      types.add(c.type);
      out.push(verdict(severityOf(c.reason), c.reason, c.message, s, fileOf));
    }
    assumedProblemTypes.set(statusKey(s), types);
  }
  for (const s of real) {
    const seen = assumedProblemTypes.get(statusKey(s));
    for (const c of problems(s)) {
      if (seen?.has(c.type) === true) continue;
      // A reason that alone reads like an error says why it is only a warning.
      const message = severityOf(c.reason) === 'error' ? `${c.message} (only because a Secret or environment variable is missing)` : c.message;
      out.push(verdict('warning', c.reason, message, s, fileOf));
    }
  }
  return out;
}

function verdict(severity: Severity, reason: string, message: string, s: ObjectStatus, fileOf: FileOf): Verdict {
  const object = { kind: s.kind, namespace: s.namespace, name: s.name };
  return { severity, reason, message, object, file: fileOf(object) };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Keys expiring sooner than this are reported. */
export const EXPIRY_NOTICE_MS = 7 * DAY_MS;

/** Warnings for API keys that have expired or expire within a week. Names the Secret, never the key. */
export function expiryVerdicts(principals: Iterable<TablePrincipal>, stubs: ReadonlySet<string>, now: number, fileOf: FileOf): Verdict[] {
  const out: Verdict[] = [];
  for (const p of principals) {
    if (p.expiresAt === null || stubs.has(p.id)) continue;
    const object = { kind: 'Secret', namespace: p.namespace, name: p.name };
    const when = new Date(p.expiresAt).toISOString();
    if (p.expiresAt <= now) {
      out.push({ severity: 'warning', reason: 'KeyExpired', message: `API key ${p.id} expired at ${when}; callers using it get 401. Issue a new key or remove the Secret`, object, file: fileOf(object) });
    } else if (p.expiresAt - now < EXPIRY_NOTICE_MS) {
      const days = Math.max(1, Math.ceil((p.expiresAt - now) / DAY_MS));
      out.push({ severity: 'warning', reason: 'KeyExpiresSoon', message: `API key ${p.id} expires at ${when} (within ${days} day(s)); issue a new key before then`, object, file: fileOf(object) });
    }
  }
  return out;
}

/** Under --strict every warning counts as an error. */
export function applyStrict(verdicts: readonly Verdict[], strict: boolean): Verdict[] {
  return strict ? verdicts.map((v) => (v.severity === 'warning' ? { ...v, severity: 'error' } : v)) : [...verdicts];
}

/** "ERROR: dir/routes.yaml: ModelRoute default/chat: ProviderNotFound: targets[0]: …" on one line. */
export function formatVerdict(v: Verdict): string {
  const where = [v.file, v.object === null ? null : `${v.object.kind || '<no kind>'} ${v.object.namespace}/${v.object.name || '<unnamed>'}`]
    .filter((x): x is string => x !== null && x !== '');
  const parts = [v.severity === 'error' ? 'ERROR' : 'WARNING', ...where, v.reason, v.message];
  return flattenControlChars(parts.join(': '));
}
