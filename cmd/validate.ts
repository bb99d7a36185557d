// `switchyard validate PATH... [--strict] [--output table|json]`.
import { parseArgs } from 'node:util';
import { validatePaths } from '../pkg/serve/validate.ts';
import { VALIDATE_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

export async function runValidate(args: readonly string[], io: CliIO, now: () => number = Date.now): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'table' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    io.stdout(VALIDATE_HELP);
    return 0;
  }
  const format = values.output;
  if (format !== 'table' && format !== 'json') return usageError(io, `--output must be table or json, not ${JSON.stringify(format)}`, VALIDATE_HELP);
  if (positionals.length === 0) return usageError(io, 'validate needs at least one file or directory to check', VALIDATE_HELP);
  const result = await validatePaths({ paths: positionals, format, strict: values.strict === true, env: io.env, now: now() });
  io.stdout(result.output);
  return result.ok ? 0 : 1;
}
