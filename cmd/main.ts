// Argument dispatch for the `switchyard` command. Commands are loaded on demand, so --help and usage errors stay
// fast and `validate` never loads the proxy. A flag a command does not know prints that command's usage.
import { parseArgs } from 'node:util';
import { EXPLAIN_HELP, MAIN_HELP, OPERATOR_HELP, PROXY_HELP, SERVE_HELP, VALIDATE_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

/** Each command's usage, for `switchyard help <command>` and its usage errors. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  serve: SERVE_HELP,
  proxy: PROXY_HELP,
  operator: OPERATOR_HELP,
  validate: VALIDATE_HELP,
  explain: EXPLAIN_HELP,
};

function isParseArgsError(err: unknown): err is TypeError {
  return err instanceof TypeError && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS');
}

export async function main(argv: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
  const [command, ...rest] = argv;
  try {
    return await dispatch(command, rest, argv, io, version);
  } catch (err) {
    if (isParseArgsError(err)) {
      // Node adds advice about `--` to unknown options of commands with positionals; the usage below says enough.
      const message = err.message.split('. To specify a positional argument')[0] ?? err.message;
      return usageError(io, message, (command === undefined ? undefined : COMMAND_HELP[command]) ?? MAIN_HELP);
    }
    throw err;
  }
}

async function dispatch(command: string | undefined, rest: readonly string[], argv: readonly string[], io: CliIO, version: string): Promise<number | 'running'> {
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
    case 'explain': {
      const { runExplain } = await import('./explain.ts');
      return await runExplain(rest, io);
    }
    case 'help':
      return help(rest, io);
    case 'version':
      if (rest.length > 0) return usageError(io, `version takes no arguments, not ${JSON.stringify(rest[0])}`, MAIN_HELP);
      io.stdout(`switchyard ${version}\n`);
      return 0;
    case undefined:
      return usageError(io, 'missing command', MAIN_HELP);
    default:
      return topLevel(argv, io, version);
  }
}

/** `switchyard help` and `switchyard help <command>`. */
function help(rest: readonly string[], io: CliIO): number {
  const [topic, ...extra] = rest;
  if (topic === undefined || topic === 'help') {
    io.stdout(MAIN_HELP);
    return 0;
  }
  const text = COMMAND_HELP[topic];
  if (text === undefined) return usageError(io, `no help for ${JSON.stringify(topic)}; commands are ${Object.keys(COMMAND_HELP).join(', ')}`, MAIN_HELP);
  if (extra.length > 0) return usageError(io, `help takes one command, not ${JSON.stringify(extra[0])}`, MAIN_HELP);
  io.stdout(text);
  return 0;
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
