// Golden-file helpers for dialect tests: case folders under a testdata directory, outputs compared with (or, with
// UPDATE_GOLDEN=1, written to) a file next to the input.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

export const UPDATE_GOLDEN = process.env.UPDATE_GOLDEN === '1';

/** The case folders directly under `dir`, sorted. */
export function goldenCases(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** Text as written: strings as they are, anything else as 2-space JSON, with a final newline. */
function render(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Asserts `value` equals the golden `file` (JSON compared structurally first for a readable diff, then as text). */
export function expectGolden(file: string, value: unknown): void {
  const text = render(value);
  if (UPDATE_GOLDEN) writeFileSync(file, text);
  expect(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
  const want = readFileSync(file, 'utf8');
  if (typeof value !== 'string') expect(JSON.parse(text)).toEqual(JSON.parse(want));
  expect(text).toBe(want);
}

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}
