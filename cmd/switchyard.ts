// The `switchyard` command: the composition root. It only parses arguments and wires; pkg/ does the work.
import { parseArgs } from 'node:util';
import pkg from '../package.json' with { type: 'json' };
import { MAIN_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';
import { runValidate } from './validate.ts';

export async function main(argv: readonly string[], io: CliIO): Promise<number | 'running'> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        // Loaded on demand: validate and --help stay fast and never load the proxy.
        const { runServe } = await import('./serve.ts');
        return await runServe(rest, io, pkg.version);
      }
      case 'validate':
        return await runValidate(rest, io);
      case undefined:
        return usageError(io, 'missing command', MAIN_HELP);
      default:
        return topLevel(argv, io);
    }
  } catch (err) {
    if (err instanceof TypeError && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      return usageError(io, err.message, MAIN_HELP);
    }
    throw err;
  }
}

function topLevel(argv: readonly string[], io: CliIO): number {
  const first = argv[0] ?? '';
  if (!first.startsWith('-')) return usageError(io, `unknown command ${JSON.stringify(first)}`, MAIN_HELP);
  const { values } = parseArgs({ args: [...argv], options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } });
  if (values.version === true) {
    io.stdout(`switchyard ${pkg.version}\n`);
    return 0;
  }
  io.stdout(MAIN_HELP);
  return 0;
}

const io: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

const status = await main(process.argv.slice(2), io);
if (status !== 'running') process.exitCode = status;
