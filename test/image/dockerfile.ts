// A small reader of the Dockerfile and .dockerignore subset this repository uses (no container runtime on CI):
// instructions grouped by stage, and the allow-list semantics of .dockerignore for top-level paths.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  /** Image reference after FROM (flags removed). */
  readonly image: string;
  /** The `AS name`, or the stage's index as a string. */
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions in order; comments and blank lines dropped, `\` continuations joined with one space. */
export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  let pending: { parts: string[]; line: number } | null = null;
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === null && (line.trim() === '' || line.trim().startsWith('#'))) return;
    if (pending !== null && line.trim().startsWith('#')) return; // comments inside a continuation are skipped
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    if (pending === null) pending = { parts: [], line: i + 1 };
    pending.parts.push(body.trim());
    if (!continued) {
      const joined = pending.parts.filter((p) => p !== '').join(' ');
      const m = /^(\S+)\s*(.*)$/.exec(joined);
      if (m) out.push({ keyword: (m[1] ?? '').toUpperCase(), args: m[2] ?? '', line: pending.line });
      pending = null;
    }
  });
  return out;
}

export function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { image: string; name: string; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = words[0] ?? '';
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image, name: as >= 0 ? (words[as + 1] ?? '') : String(stages.length), instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current) current.instructions.push(ins);
  }
  return stages;
}

/** `["a", "b"]` (exec form) → ['a', 'b']; shell form → null. */
export function execForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith('[')) return null;
  const parsed: unknown = JSON.parse(t);
  return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : null;
}

export interface CopySpec {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly dest: string;
}

export function copySpec(args: string): CopySpec {
  const words = args.split(/\s+/).filter((w) => w !== '');
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
}

/**
 * Whether a context path is sent to the builder under .dockerignore `patterns` (last match wins, `!` re-includes).
 * Supports the forms used here: `*`, exact names and directory names with a trailing slash.
 */
export function includedByDockerignore(patterns: readonly string[], path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
  const first = clean.split('/')[0] ?? clean;
  let included = true;
  for (const raw of patterns) {
    const p = raw.trim();
    if (p === '' || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    const pat = (negate ? p.slice(1) : p).replace(/^\.\//, '').replace(/\/+$/, '');
    const matches = pat === '*' || pat === '**' || pat === clean || pat === first;
    if (matches) included = negate;
  }
  return included;
}
