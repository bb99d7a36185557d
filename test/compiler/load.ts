// Test helper: read a golden case's multi-document YAML into plain objects, and its compile options.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { compile } from '../../pkg/compiler/index.ts';
import type { CompileOptions } from '../../pkg/compiler/index.ts';

export const TESTDATA = join(import.meta.dirname, 'testdata');

export function caseNames(): string[] {
  return readdirSync(TESTDATA, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

export function loadCase(name: string, file = 'in.yaml'): unknown[] {
  const text = readFileSync(join(TESTDATA, name, file), 'utf8');
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${name}/${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

/**
 * The earlier stages of a case, oldest first: previous.yaml, or previous-1.yaml, previous-2.yaml, … Each is compiled
 * with the lastGood of the one before; the last one's lastGood is the case's `previous`.
 */
export function previousStages(name: string): unknown[][] {
  const files = readdirSync(join(TESTDATA, name)).filter((f) => /^previous(-\d+)?\.yaml$/.test(f));
  files.sort((a, b) => stage(a) - stage(b));
  return files.map((f) => loadCase(name, f));
}

function stage(file: string): number {
  return Number(/-(\d+)\./.exec(file)?.[1] ?? 0);
}

/**
 * Compile options of a case: optional options.json, e.g. {"ejectedTargets": ["default/a|chat"],
 * "firstSeen": {"ModelRoute/default/a": "2025-01-01T00:00:00Z"}}, plus `previous` from the case's earlier stages
 * (compiled with the same options).
 */
export function loadOptions(name: string): CompileOptions {
  const file = join(TESTDATA, name, 'options.json');
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { ejectedTargets?: string[]; firstSeen?: Record<string, string> }) : {};
  const base: CompileOptions = {
    ...(raw.ejectedTargets === undefined ? {} : { ejectedTargets: new Set(raw.ejectedTargets) }),
    ...(raw.firstSeen === undefined ? {} : { firstSeen: new Map(Object.entries(raw.firstSeen).map(([k, v]) => [k, Date.parse(v)])) }),
  };
  let opts = base;
  for (const objects of previousStages(name)) opts = { ...base, previous: compile(objects, opts).lastGood };
  return opts;
}
