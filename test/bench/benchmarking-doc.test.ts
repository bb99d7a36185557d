// docs/benchmarking.md stays true to the scripts it describes: its table of bench/run.ts flags lists exactly the
// options of run.ts's parseArgs, every command it shows passes only flags the script it runs declares (npm scripts
// resolved through package.json), every `npm run X` it names exists, every `--flag` in its prose belongs to a bench
// script (or to the few other tools it names), and every bench/test/cmd .ts path it names exists. Reads source text
// only: nothing is run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOC = 'docs/benchmarking.md';
const text = readFileSync(join(ROOT, DOC), 'utf8');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Option names declared in a script's parseArgs call (read from its source); empty when it has none. */
function optionsOf(file: string): Set<string> {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const at = src.indexOf('parseArgs({');
  if (at < 0) return new Set();
  const names = [...src.slice(at).matchAll(/(?:'([a-z][a-z0-9-]*)'|\b([a-z][a-z0-9]*))\s*:\s*\{\s*type:\s*'(?:string|boolean)'/g)];
  return new Set(names.map((m) => m[1] ?? m[2] ?? ''));
}

/** The .ts script an npm script runs (the last bench/… .ts file it names). */
function npmScriptFile(name: string): string | null {
  const cmd = scripts[name];
  return cmd === undefined ? null : ([...cmd.matchAll(/\b(bench\/[\w/.-]+\.ts)\b/g)].at(-1)?.[1] ?? null);
}

/** Shell lines of the doc's fenced sh blocks, comments removed. */
function shellLines(): string[] {
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks.flatMap((b) => b.split('\n')).map((l) => l.replace(/\s+#\s.*$/, '').trim()).filter((l) => l !== '');
}

interface Invocation { readonly line: string; readonly file: string; readonly flags: readonly string[]; readonly problem?: string }

const flagName = (token: string): string => token.slice(2).split('=')[0] ?? '';

/** Every bench script a shell line runs, with the flags passed to it. */
function invocations(): Invocation[] {
  const out: Invocation[] = [];
  for (const line of shellLines()) {
    for (const seg of line.split(/\s+&&\s+/)) {
      const npm = /\bnpm run (\S+)(.*)$/.exec(seg);
      if (npm !== null) {
        const file = npmScriptFile(npm[1] ?? '');
        if (file === null) continue; // non-bench scripts are checked by the npm-run test
        const rest = (npm[2] ?? '').trim().split(/\s+/).filter((t) => t !== '');
        const flags = rest[0] === '--' ? rest.slice(1).filter((t) => t.startsWith('--')).map(flagName) : [];
        const problem = rest.length > 0 && rest[0] !== '--' ? 'arguments to npm run must follow --' : undefined;
        out.push({ line: seg, file, flags, ...(problem === undefined ? {} : { problem }) });
        continue;
      }
      const m = /\b((?:bench)\/[\w/.-]+\.ts)\b(.*)$/.exec(seg);
      if (m === null) continue;
      const flags = (m[2] ?? '').trim().split(/\s+/).filter((t) => t.startsWith('--')).map(flagName);
      out.push({ line: seg, file: m[1] ?? '', flags });
    }
  }
  return out;
}

/** Flags that belong to tools other than the bench scripts, named in the prose (tsc, setpriv, node, switchyard serve). */
const OTHER_TOOLS_FLAGS = new Set(['outDir', 'pdeathsig', 'cpu-prof', 'max-semi-space-size', 'config', 'log-level']);

describe(DOC, () => {
  it('lists exactly the options of bench/run.ts in its flags table', () => {
    const section = text.slice(text.indexOf('## Flags of `bench/run.ts`'), text.indexOf('### Comparing two builds'));
    const documented = new Set([...section.matchAll(/^\| `--([a-z][a-z0-9-]*)/gm)].map((m) => m[1] ?? ''));
    const declared = optionsOf('bench/run.ts');
    expect(declared.size).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('passes each script it runs only flags that script declares', () => {
    const runs = invocations();
    expect(runs.filter((r) => r.file === 'bench/run.ts').length).toBeGreaterThan(4);
    expect(new Set(runs.map((r) => r.file)).size).toBeGreaterThan(6);
    const bad = runs.flatMap((r) => {
      const known = optionsOf(r.file);
      return [...(r.problem === undefined ? [] : [`${r.line}: ${r.problem}`]),
        ...r.flags.filter((f) => !known.has(f)).map((f) => `${r.line}: --${f} is not an option of ${r.file}`)];
    });
    expect(bad).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const named = [...new Set([...text.matchAll(/\bnpm run ([a-z][a-z0-9:-]*)/g)].map((m) => m[1] ?? ''))];
    expect(named).toEqual(expect.arrayContaining(['bench', 'bench:quick', 'bench:source', 'bench:micro', 'load:d1', 'load:d2']));
    expect(named.filter((n) => scripts[n] === undefined)).toEqual([]);
  });

  it('mentions only flags that some bench script (or another named tool) declares', () => {
    const files = [...new Set([...text.matchAll(/\b(bench\/[\w/.-]+\.ts)\b/g)].map((m) => m[1] ?? ''))].filter((f) => existsSync(join(ROOT, f)));
    const known = new Set([...files.flatMap((f) => [...optionsOf(f)]), ...OTHER_TOOLS_FLAGS]);
    const mentioned = [...new Set([...text.matchAll(/(?<![\w-])--([a-zA-Z][a-zA-Z0-9-]*)/g)].map((m) => m[1] ?? ''))];
    expect(mentioned.length).toBeGreaterThan(20);
    expect(mentioned.filter((f) => !known.has(f))).toEqual([]);
  });

  it('names only .ts files that exist', () => {
    const paths = [...new Set([...text.matchAll(/\b((?:bench|test|cmd)\/[\w/.-]+\.ts)\b/g)].map((m) => m[1] ?? ''))];
    expect(paths.length).toBeGreaterThan(15);
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it('keeps the results section for the lead to fill in', () => {
    expect(text).toMatch(/## Results on the development machine\n/);
  });
});
