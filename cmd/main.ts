// Argument dispatch for the `switchyard` command. Commands are loaded on demand, so --help and usage errors stay
// fast and `validate` never loads the proxy.
import { parseArgs } from 'node:util';
import { MAIN_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

export async function main(argv: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { runServe } = await import('./serve.ts');
        return await runServe(rest, io, version);
      }
      case 'proxy': {
        const { runProxy } = await import('./proxy.ts');
        return await runProxy(rest, io, version);
      }
      case 'operator': {
        const { runOperator } = await import('./operator.ts');
        return await runOperator(rest, io, version);
      }
      case 'validate': {
        const { runValidate } = await import('./validate.ts');
        return await runValidate(rest, io);
      }
      case undefined:
        return usageError(io, 'missing command', MAIN_HELP);
      default:
        return topLevel(argv, io, version);
    }
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      return usageError(io, err.message, MAIN_HELP);
    }
    throw err;
  }
}

function topLevel(argv: readonly string[], io: CliIO, version: string): number {
  const first = argv[0] ?? '';
  if (!first.startsWith('-')) return usageError(io, `unknown command ${JSON.stringify(first)}`, MAIN_HELP);
  const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } });
  if (values.version === true) {
    io.stdout(`switchyard ${version}\n`);
    return 0;
  }
  io.stdout(MAIN_HELP);
  return 0;
}
