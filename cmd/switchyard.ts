// The `switchyard` command: the composition root's entry point (process I/O in, exit status out).
import pkg from '../package.json' with { type: 'json' };
import type { CliIO } from './io.ts';
import { main } from './main.ts';

const io: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

const status = await main(process.argv.slice(2), io, pkg.version);
if (status !== 'running') process.exitCode = status;
