// `switchyard validate DIR`: load and compile without serving; report file errors, warnings and every object's
// conditions. Exit status 1 when a file fails to parse, no manifest is found, or any object is not accepted.
import { allAccepted, compile, formatStatuses } from '../compiler/index.ts';
import { ConfigDirError, loadConfigDir } from '../config/load.ts';
import type { ConfigProblem } from '../config/load.ts';
import type { ObjectStatus } from '../table/types.ts';

export type ValidateFormat = 'table' | 'json';

export interface ValidateResult {
  readonly ok: boolean;
  readonly output: string;
}

interface Report {
  readonly ok: boolean;
  readonly dir: string;
  readonly files: readonly string[];
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
  readonly statuses: readonly ObjectStatus[];
  readonly summary: string;
}

function summarize(files: number, errors: number, statuses: readonly ObjectStatus[]): string {
  const rejected = statuses.filter((s) => !s.conditions.some((c) => c.type === 'Accepted' && c.status === 'True')).length;
  const parts = [`${statuses.length} object(s) in ${files} file(s)`];
  if (errors > 0) parts.push(`${errors} file(s) could not be parsed`);
  if (rejected > 0) parts.push(`${rejected} object(s) not accepted`);
  if (errors === 0 && rejected === 0) parts.push('all accepted');
  return parts.join('; ');
}

function formatTable(r: Report): string {
  const out: string[] = [];
  if (r.errors.length > 0) {
    out.push('FILE ERRORS (these files were not loaded):');
    for (const e of r.errors) out.push(`  ${e.file}: ${e.message}`);
    out.push('');
  }
  if (r.warnings.length > 0) {
    out.push('WARNINGS:');
    for (const w of r.warnings) out.push(`  ${w.file}: ${w.message}`);
    out.push('');
  }
  if (r.statuses.length > 0) out.push(formatStatuses(r.statuses, 'table'));
  out.push(`${r.ok ? 'OK' : 'FAILED'}: ${r.summary}`, '');
  return out.join('\n');
}

export async function validateDir(dir: string, format: ValidateFormat, env: Readonly<Record<string, string | undefined>>): Promise<ValidateResult> {
  let report: Report;
  try {
    const loaded = await loadConfigDir(dir, env);
    const { statuses } = compile(loaded.objects);
    const empty = loaded.files.length === 0;
    const ok = !empty && loaded.errors.length === 0 && allAccepted(statuses);
    const summary = empty ? `no manifest files (*.yaml, *.yml, *.json) found in ${dir}` : summarize(loaded.files.length, loaded.errors.length, statuses);
    report = { ok, dir, files: loaded.files, errors: loaded.errors, warnings: loaded.warnings, statuses, summary };
  } catch (err) {
    if (!(err instanceof ConfigDirError)) throw err;
    report = { ok: false, dir, files: [], errors: [{ file: dir, message: err.message }], warnings: [], statuses: [], summary: err.message };
  }
  const output = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report);
  return { ok: report.ok, output };
}
