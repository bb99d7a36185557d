// Test helper: read a golden case's multi-document YAML into plain objects.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { CompileOptions } from '../../pkg/compiler/index.ts';

export const TESTDATA = join(import.meta.dirname, 'testdata');

export function caseNames(): string[] {
  return readdirSync(TESTDATA, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

export function loadCase(name: string): unknown[] {
  const text = readFileSync(join(TESTDATA, name, 'in.yaml'), 'utf8');
  const objects: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${name}/in.yaml: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value);
  }
  return objects;
}

/** Compile options of a case: optional options.json, e.g. {"ejectedTargets": ["default/a|chat"]}. */
export function loadOptions(name: string): CompileOptions {
  const file = join(TESTDATA, name, 'options.json');
  if (!existsSync(file)) return {};
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { ejectedTargets?: string[] };
  return raw.ejectedTargets === undefined ? {} : { ejectedTargets: new Set(raw.ejectedTargets) };
}
