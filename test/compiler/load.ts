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

/** The objects of a case's optional previous.yaml (compiled first; its lastGood is the case's `previous`). */
export function loadPrevious(name: string): unknown[] | undefined {
  return existsSync(join(TESTDATA, name, 'previous.yaml')) ? loadCase(name, 'previous.yaml') : undefined;
}

/**
 * Compile options of a case: optional options.json, e.g. {"ejectedTargets": ["default/a|chat"],
 * "firstSeen": {"ModelRoute/default/a": "2025-01-01T00:00:00Z"}}, plus `previous` from previous.yaml (compiled with
 * the same options).
 */
export function loadOptions(name: string): CompileOptions {
  const file = join(TESTDATA, name, 'options.json');
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { ejectedTargets?: string[]; firstSeen?: Record<string, string> }) : {};
  const base: CompileOptions = {
    ...(raw.ejectedTargets === undefined ? {} : { ejectedTargets: new Set(raw.ejectedTargets) }),
    ...(raw.firstSeen === undefined ? {} : { firstSeen: new Map(Object.entries(raw.firstSeen).map(([k, v]) => [k, Date.parse(v)])) }),
  };
  const previous = loadPrevious(name);
  return previous === undefined ? base : { ...base, previous: compile(previous, base).lastGood };
}
