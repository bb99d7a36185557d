// `switchyard explain --config PATH... --model M [--key K | --team T] [--user U] [--output text|json]`.
import { parseArgs } from 'node:util';
import { explainPaths } from '../pkg/serve/explain.ts';
import { EXPLAIN_HELP } from './help.ts';
import type { CliIO } from './io.ts';
import { usageError } from './io.ts';

const MAX_CHARS = 256;

export async function runExplain(args: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c', multiple: true },
      model: { type: 'string', short: 'm' },
      key: { type: 'string' },
      team: { type: 'string' },
      user: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'text' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    io.stdout(EXPLAIN_HELP);
    return 0;
  }
  const format = values.output;
  if (format !== 'text' && format !== 'json') return usageError(io, `--output must be text or json, not ${JSON.stringify(format)}`, EXPLAIN_HELP);
  if (positionals.length > 0) return usageError(io, `explain takes its paths with --config, not ${JSON.stringify(positionals[0])}`, EXPLAIN_HELP);
  const paths = values.config ?? [];
  if (paths.length === 0) return usageError(io, 'explain needs --config DIR (a directory or file of manifests; repeat it for several)', EXPLAIN_HELP);
  const model = values.model;
  if (model === undefined || model === '') return usageError(io, 'explain needs --model NAME (the model name clients send)', EXPLAIN_HELP);
  for (const [flag, v] of [['--model', model], ['--key', values.key], ['--team', values.team], ['--user', values.user]] as const) {
    if (v !== undefined && (v === '' || v.length > MAX_CHARS)) return usageError(io, `${flag} must be 1 to ${MAX_CHARS} characters`, EXPLAIN_HELP);
  }
  if (values.key !== undefined && (values.team !== undefined || values.user !== undefined)) {
    return usageError(io, '--key cannot be combined with --team or --user (the key\'s Secret gives its team and user)', EXPLAIN_HELP);
  }
  const caller = {
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values.team === undefined ? {} : { team: values.team }),
    ...(values.user === undefined ? {} : { user: values.user }),
  };
  const result = await explainPaths({ paths, model, format, env: io.env, ...(Object.keys(caller).length === 0 ? {} : { caller }) });
  if (result.stdout !== '') io.stdout(result.stdout);
  if (result.stderr !== '') io.stderr(result.stderr);
  return result.code;
}
