// `switchyard validate PATH...`: load and compile without serving, as a CI gate. Exit status 1 (ok: false) when a
// file fails to parse, the set holds no Provider/ModelRoute/Quota, or anything would not serve as written (see
// validate-verdicts.ts). Secrets and `${env:…}` values that are absent, and expired keys, are warnings (errors with
// strict). Output never carries a Secret value, an environment value or key material.
import { Secret } from '../api/secret.ts';
import { compile, formatStatuses } from '../compiler/index.ts';
import { absentEnvMessage } from '../config/env.ts';
import { readManifestPaths, resolveDocuments } from '../config/load.ts';
import type { AbsentEnv, ConfigProblem, ManifestDocument } from '../config/load.ts';
import { describeCredential } from '../table/describe-credential.ts';
import type { ObjectStatus } from '../table/types.ts';
import { assumeSecrets, envPlaceholder } from './validate-assume.ts';
import { applyStrict, expiryVerdicts, formatVerdict, statusKey, statusVerdicts } from './validate-verdicts.ts';
import type { FileOf, ObjectId, Verdict } from './validate-verdicts.ts';

export type ValidateFormat = 'table' | 'json';

export interface ValidateOptions {
  /** Files and directories, as named on the command line. */
  readonly paths: readonly string[];
  readonly format: ValidateFormat;
  /** Count warnings (missing Secrets, unset variables, expiring keys) as errors. */
  readonly strict: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Epoch ms, for key expiry. */
  readonly now: number;
}

export interface ValidateResult {
  readonly ok: boolean;
  readonly output: string;
}

export interface ValidateSummary {
  readonly files: number;
  readonly objects: number;
  readonly errors: number;
  readonly warnings: number;
  readonly text: string;
}

/** The `--output json` document (stable: fields are only ever added). */
export interface ValidateReport {
  readonly ok: boolean;
  readonly strict: boolean;
  readonly paths: readonly string[];
  readonly files: readonly string[];
  readonly errors: readonly Verdict[];
  readonly warnings: readonly Verdict[];
  readonly statuses: readonly ObjectStatus[];
  /** How each Provider that would serve authenticates (its Secrets assumed present): the method, never a value. */
  readonly providers: readonly ProviderAuthSummary[];
  readonly summary: ValidateSummary;
}

export interface ProviderAuthSummary {
  /** "namespace/name". */
  readonly provider: string;
  readonly type: string;
  readonly auth: string;
}

const SWITCHYARD_KINDS: ReadonlySet<string> = new Set(['Provider', 'ModelRoute', 'Quota']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function idOf(obj: unknown): ObjectId | null {
  if (!isRecord(obj) || typeof obj.kind !== 'string') return null;
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : 'default';
  return { kind: obj.kind, namespace, name: typeof meta.name === 'string' ? meta.name : '' };
}

/** Which file an object came from (the first, when several files define it). */
function fileIndex(documents: readonly ManifestDocument[]): FileOf {
  const files = new Map<string, string>();
  for (const d of documents) {
    const id = idOf(d.object);
    if (id !== null && !files.has(statusKey(id))) files.set(statusKey(id), d.file);
  }
  return (o) => files.get(statusKey(o)) ?? null;
}

function fileVerdicts(errors: readonly ConfigProblem[]): Verdict[] {
  return errors.map((e) => ({ severity: 'error', reason: 'FileNotLoaded', message: e.message, object: null, file: e.file }));
}

/** The compiler reports only API-key Secrets; a malformed credentials Secret is reported here. */
function malformedSecrets(documents: readonly ManifestDocument[]): Verdict[] {
  const out: Verdict[] = [];
  for (const d of documents) {
    if (!isRecord(d.object) || d.object.apiVersion !== 'v1' || d.object.kind !== 'Secret') continue;
    const parsed = Secret.safeParse(d.object);
    if (parsed.success) continue;
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    out.push({ severity: 'error', reason: 'Invalid', message: `the Secret is malformed: ${where}${issue?.message ?? 'invalid'}`, object: idOf(d.object), file: d.file });
  }
  return out;
}

function envVerdicts(absent: readonly AbsentEnv[], warnings: readonly ConfigProblem[]): Verdict[] {
  const out: Verdict[] = absent.map((a) => ({
    severity: 'warning', reason: 'EnvNotSet', file: a.file,
    message: `${a.field}.${a.key}: environment variable ${a.variable} is not set, so the key is left out`,
    object: { kind: 'Secret', namespace: a.secret.split('/')[0] ?? 'default', name: a.secret.split('/').slice(1).join('/') },
  }));
  const said = new Set(absent.map(absentEnvMessage));
  for (const w of warnings) {
    if (!said.has(w.message)) out.push({ severity: 'warning', reason: 'EnvNotReplaced', message: w.message, object: null, file: w.file });
  }
  return out;
}

function emptySetVerdict(paths: readonly string[], files: number, statuses: readonly ObjectStatus[]): Verdict[] {
  if (statuses.some((s) => SWITCHYARD_KINDS.has(s.kind))) return [];
  const where = paths.join(', ');
  const message = files === 0
    ? `no manifest files (*.yaml, *.yml, *.json) found in ${where}`
    : `no Provider, ModelRoute or Quota (${'switchyard.dev/v1alpha1'}) found in ${files} file(s) under ${where}; other kinds are ignored`;
  return [{ severity: 'error', reason: 'NoSwitchyardObjects', message, object: null, file: null }];
}

export async function validatePaths(opts: ValidateOptions): Promise<ValidateResult> {
  const read = await readManifestPaths(opts.paths);
  const real = resolveDocuments(read.documents, opts.env);
  const assumedInput = assumeSecrets(resolveDocuments(read.documents, opts.env, envPlaceholder()).objects);
  const realCompile = compile(real.objects);
  const assumedCompile = compile(assumedInput.objects);
  const fileOf = fileIndex(read.documents);
  const verdicts = applyStrict([
    ...fileVerdicts(read.errors),
    ...emptySetVerdict(opts.paths, read.files.length, realCompile.statuses),
    ...malformedSecrets(read.documents),
    ...statusVerdicts(realCompile.statuses, assumedCompile.statuses, assumedInput.stubs, fileOf),
    ...envVerdicts(real.absent, real.warnings),
    ...expiryVerdicts(Object.values(assumedCompile.table.keys), assumedInput.stubs, opts.now, fileOf),
  ], opts.strict);
  const errors = verdicts.filter((v) => v.severity === 'error');
  const warnings = verdicts.filter((v) => v.severity === 'warning');
  const ok = errors.length === 0;
  const counts = `${realCompile.statuses.length} object(s) in ${read.files.length} file(s); ${errors.length} error(s), ${warnings.length} warning(s)`;
  const text = `${ok ? 'OK' : 'FAILED'}: ${counts}${opts.strict ? ' (--strict: warnings count as errors)' : ''}`;
  const report: ValidateReport = {
    ok,
    strict: opts.strict,
    paths: [...opts.paths],
    files: read.files,
    errors,
    warnings,
    statuses: realCompile.statuses,
    providers: Object.values(assumedCompile.table.providers)
      .map((p) => ({ provider: p.id, type: p.type, auth: describeCredential(p.credential) }))
      .sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0)),
    summary: { files: read.files.length, objects: realCompile.statuses.length, errors: errors.length, warnings: warnings.length, text },
  };
  return { ok, output: opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report) };
}

/** PROVIDER / TYPE / AUTH columns, padded like the status table. */
function formatProviders(rows: readonly ProviderAuthSummary[]): string {
  const all = [{ provider: 'PROVIDER', type: 'TYPE', auth: 'AUTH' }, ...rows];
  const w1 = Math.max(...all.map((r) => r.provider.length));
  const w2 = Math.max(...all.map((r) => r.type.length));
  return `${all.map((r) => `${r.provider.padEnd(w1)}  ${r.type.padEnd(w2)}  ${r.auth}`.trimEnd()).join('\n')}\n`;
}

function formatTable(r: ValidateReport): string {
  const out: string[] = [];
  if (r.statuses.length > 0) out.push(formatStatuses(r.statuses, 'table'));
  if (r.providers.length > 0) out.push(formatProviders(r.providers));
  for (const v of [...r.errors, ...r.warnings]) out.push(formatVerdict(v));
  if (r.errors.length + r.warnings.length > 0) out.push('');
  out.push(r.summary.text, '');
  return out.join('\n');
}
