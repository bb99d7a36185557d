// Golden files: testdata/<case>/in.yaml (+ optional options.json, + optional previous.yaml whose lastGood is passed
// as `previous`) → compile → out.json ({table, statuses, stale}).
// UPDATE_GOLDEN=1 rewrites them.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';
import { TESTDATA, caseNames, loadCase, loadOptions } from './load.ts';

const update = process.env.UPDATE_GOLDEN === '1';

describe('compiler golden files', () => {
  const cases = caseNames();

  it('has at least 22 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(22);
  });

  for (const name of cases) {
    it(name, () => {
      const result = compile(loadCase(name), loadOptions(name));
      const text = `${JSON.stringify(result, null, 2)}\n`;
      const file = join(TESTDATA, name, 'out.json');
      if (update) writeFileSync(file, text);
      expect(existsSync(file), `${name}/out.json is missing; run with UPDATE_GOLDEN=1`).toBe(true);
      expect(JSON.parse(text)).toEqual(JSON.parse(readFileSync(file, 'utf8')));
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});
