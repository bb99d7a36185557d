// Golden-file helpers: case folders under a testdata directory, outputs compared with (or, with UPDATE_GOLDEN=1,
// written to) a file next to the input. A missing expected file fails.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { ProviderCodec } from '../../pkg/canonical/codec.ts';
import type { CanonicalRequest } from '../../pkg/canonical/types.ts';
import { GatewayError } from '../../pkg/errors/errors.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';

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

/**
 * A function that registers, for the folder `root/dir`, a 'has cases' test (at least `minCases` case folders; a missing
 * folder has none) and one test per case folder, which runs `fn` with that folder's path.
 */
export function goldenCaseRunner(root: string, minCases: number): (dir: string, fn: (caseDir: string) => void) => void {
  return (dir, fn) => {
    const base = join(root, dir);
    const cases = existsSync(base) ? goldenCases(base) : [];
    it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(minCases));
    for (const name of cases) it(name, () => fn(join(base, name)));
  };
}

/** What `run` returns, or what it threw as data: a GatewayError as {error: {code, param, message}}, an upstream failure as {error: failure}. */
export function errorAsData(run: () => unknown): unknown {
  try {
    return run();
  } catch (err) {
    if (err instanceof GatewayError) return { error: { code: err.code, param: err.param, message: err.message } };
    if (err instanceof UpstreamFailureError) return { error: err.failure };
    throw err;
  }
}

/** A provider-request case: in.json ({upstreamModel, request: canonical}) → out.json (the upstream body, or the error as data). */
export function encodeRequestGolden(codec: ProviderCodec): (caseDir: string) => void {
  return (d) => {
    const input = readJson(join(d, 'in.json')) as { upstreamModel: string; request: CanonicalRequest };
    expectGolden(join(d, 'out.json'), errorAsData(() => codec.encodeRequest(input.request, input.upstreamModel)));
  };
}

/** A provider-response case: in.json (the upstream answer) → out.json (the canonical response, or the error as data). */
export function decodeResponseGolden(codec: ProviderCodec): (caseDir: string) => void {
  return (d) => expectGolden(join(d, 'out.json'), errorAsData(() => codec.decodeResponse(readJson(join(d, 'in.json')))));
}
