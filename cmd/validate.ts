// `switchyard validate DIR [--output table|json]`.
import { parseArgs } from 'node:util';
import { validateDir } from '../pkg/serve/validate.ts';
import { VALIDATE_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

export async function runValidate(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o', default: 'table' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    io.stdout(VALIDATE_HELP);
    return 0;
  }
  const format = values.output;
  if (format !== 'table' && format !== 'json') return usageError(io, `--output must be table or json, not ${JSON.stringify(format)}`, VALIDATE_HELP);
  const [dir, ...extra] = positionals;
  if (dir === undefined) return usageError(io, 'validate needs the directory to check', VALIDATE_HELP);
  if (extra.length > 0) return usageError(io, `unexpected argument ${JSON.stringify(extra[0])}`, VALIDATE_HELP);
  const result = await validateDir(dir, format, io.env);
  io.stdout(result.output);
  return result.ok ? 0 : 1;
}
