// The install-time engine check, done right (ADR 0014). npm judges each package's `engines.node` against the Node
// that runs npm (the system Node, often 20), which is noise: .npmrc shows errors only. What matters is the Node
// that runs the project — the `node` devDependency — and that is checked here for every locked package.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Version = readonly [number, number, number];

function parse(v: string): Version {
  const [a = 0, b = 0, c = 0] = v.replace(/^v/, '').split('.').map((p) => (p === 'x' || p === '*' ? 0 : Number.parseInt(p, 10)));
  return [a, b, c];
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Number of leading parts given in a partial version ("20" → 1, "22.12" → 2, "6.*" → 1). */
function precision(v: string): number {
  return v.split('.').filter((p) => p !== 'x' && p !== '*' && p !== '').length;
}

function satisfiesOne(v: Version, comparator: string): boolean {
  const m = /^(>=|<=|>|<|=|\^|~)?\s*v?([0-9x*.]+)$/.exec(comparator.trim());
  if (m === null) throw new Error(`unsupported comparator "${comparator}"`);
  const op = m[1] ?? '';
  const raw = m[2] ?? '';
  const base = parse(raw);
  const p = precision(raw);
  const c = cmp(v, base);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return c >= 0 && (base[0] > 0 ? v[0] === base[0] : v[0] === 0 && v[1] === base[1]);
    case '~':
      return c >= 0 && v[0] === base[0] && (p < 2 || v[1] === base[1]);
    default:
      // "20", "6.*", "1.2.3": every given part must match.
      return base.slice(0, p).every((part, i) => v[i] === part);
  }
}

/** npm's range grammar as used in `engines.node`: `||` of space-separated comparators (">= 18" spacing allowed). */
export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter((s) => s !== '');
    return parts.length === 0 || parts.every((c) => satisfiesOne(v, c));
  });
}

interface LockPackage {
  readonly engines?: { readonly node?: string } | readonly string[];
  readonly optional?: boolean;
}

describe('engines', () => {
  it('the range check follows npm for the forms found in the lock file', () => {
    expect(satisfies('24.21.0', '>=22.15.0')).toBe(true);
    expect(satisfies('20.20.2', '>=22.15.0')).toBe(false);
    expect(satisfies('24.21.0', '^22.12.0 || ^24.0.0 || >=26.0.0')).toBe(true);
    expect(satisfies('25.1.0', '^22.12.0 || ^24.0.0 || >=26.0.0')).toBe(false);
    expect(satisfies('24.21.0', '>= 10.x')).toBe(true);
    expect(satisfies('24.21.0', '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies('8.5.0', '>=9.3.0 || >=8.10.0 <9.0.0')).toBe(false);
    expect(satisfies('18.1.0', '18 || 20 || >=22')).toBe(true);
    expect(satisfies('21.0.0', '18 || 20 || >=22')).toBe(false);
    expect(satisfies('14.3.0', '~14.2')).toBe(false);
  });

  it('every locked package accepts the Node the project runs on (the `node` devDependency)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string>; engines: { node: string } };
    const runtime = pkg.devDependencies.node ?? '';
    expect(runtime).toMatch(/^\d+\.\d+\.\d+$/); // pinned: the version every script runs on
    expect(satisfies(runtime, pkg.engines.node)).toBe(true);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockPackage> };
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const range = Array.isArray(p.engines) ? undefined : (p.engines as { node?: string } | undefined)?.node;
      if (path === '' || range === undefined || p.optional === true) continue;
      if (!satisfies(runtime, range)) refused.push(`${path} (${range})`);
    }
    expect(refused).toEqual([]);
  });

  it('.npmrc keeps install output to errors, and install scripts are an explicit policy', () => {
    expect(readFileSync('.npmrc', 'utf8')).toMatch(/^loglevel=error$/m);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    // The `node` package's preinstall fetches the Node 24 binary every script runs on.
    expect(pkg.allowScripts?.node).toBe(true);
  });
});
