// docs/providers/*.md stay true: every served provider type (the built-in `fake` aside) has a page named for it,
// listed in the README's provider table; every YAML block of a page (Secret + Provider + ModelRoutes, as operators
// copy them) compiles with every Provider and ModelRoute accepted and its references resolved, and the page's first
// block has a Provider of the page's type; relative links point at files that exist.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../pkg/compiler/index.ts';
import { servedTypes } from '../../pkg/providers/descriptors.ts';
import { ROOT } from '../support/cli.ts';

const DIR = join(ROOT, 'docs', 'providers');
const PAGES = readdirSync(DIR).filter((n) => n.endsWith('.md')).sort();

/** The YAML code blocks of a page (fences indented in a list item too, dedented), each as its documents. */
function yamlBlocks(text: string): unknown[][] {
  return [...text.matchAll(/^( *)```ya?ml\n([\s\S]*?)^\1```/gm)].map((m) => {
    const indent = m[1] ?? '';
    const body = (m[2] ?? '').split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    return parseAllDocuments(body).map((d) => d.toJS() as unknown).filter((o) => o !== null);
  });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('docs/providers', () => {
  it('every served provider type but fake has a page, and the README table links it', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const type of servedTypes().filter((t) => t !== 'fake')) {
      expect(PAGES, `docs/providers/${type}.md`).toContain(`${type}.md`);
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${type}\` |`));
      expect(row, `README provider table row for ${type}`).toBeDefined();
      expect(row).toContain(`(docs/providers/${type}.md)`);
    }
  });

  describe.each(PAGES)('%s', (page) => {
    const text = readFileSync(join(DIR, page), 'utf8');
    const blocks = yamlBlocks(text);

    it('has a copy-paste manifest whose first block holds a Provider of this type and a ModelRoute', () => {
      const first = (blocks[0] ?? []).filter(isObj);
      const type = page.replace(/\.md$/, '');
      expect(first.some((o) => o.kind === 'Provider' && isObj(o.spec) && o.spec.type === type), `${page}: a Provider of type ${type}`).toBe(true);
      expect(first.some((o) => o.kind === 'ModelRoute')).toBe(true);
    });

    it('every YAML block compiles: Providers and ModelRoutes accepted, references resolved', () => {
      expect(blocks.length).toBeGreaterThan(0);
      blocks.forEach((objects, i) => {
        const { statuses } = compile(objects, { version: 1 });
        const kinds = new Set(objects.filter(isObj).map((o) => o.kind));
        for (const kind of ['Provider', 'ModelRoute']) if (kinds.has(kind)) expect(statuses.some((s) => s.kind === kind), `${page} block ${i}: ${kind} compiled`).toBe(true);
        const bad = statuses.flatMap((s) => s.conditions.filter((c) => (c.type === 'Accepted' || c.type === 'ResolvedRefs') && c.status !== 'True').map((c) => `${s.kind}/${s.name} ${c.type}: ${c.reason} ${c.message}`));
        expect(bad, `${page} block ${i}`).toEqual([]);
      });
    });

    it('relative links point at files that exist', () => {
      for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(join(dirname(join(DIR, page)), target)), `${page} → ${target}`).toBe(true);
      }
    });
  });
});
