#!/usr/bin/env node
// The `switchyard` command. In a checkout (the TypeScript sources beside bin/, outside node_modules) it runs them
// directly: Node 24 strips types, so development needs no build step and never runs a stale dist/ (ADR 0001). The
// published package and the container image ship no .ts sources, only the compiled dist/ (built by `prepack`), which
// it runs there; Node refuses to strip types under node_modules anyway.
// Plain JavaScript that parses on old Node: the version check must run before anything needs Node 24.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingNodeFlags } from './node-flags.js';

const MIN_MAJOR = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= MIN_MAJOR)) {
  process.stderr.write(
    `switchyard: Node.js ${MIN_MAJOR} or later is required; this is Node.js v${process.versions.node} (${process.execPath}).\n` +
      `Install Node.js ${MIN_MAJOR} or later (https://nodejs.org/) and run switchyard with it.\n`,
  );
  process.exit(1);
}

// serve and proxy run with the data plane's node flags (./node-flags.js, ADR 0025): when some are missing, node is
// re-executed in place with them (process.execve keeps the pid; once only: the marker stops a loop). Where execve
// does not exist (Windows), the process runs on without them.
const REEXEC_MARK = 'SWITCHYARD_NODE_FLAGS_APPLIED';
const missing = process.env[REEXEC_MARK] === undefined ? missingNodeFlags(process.argv[2], process.execArgv, process.env) : [];
if (missing.length > 0 && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, [REEXEC_MARK]: '1' });
}
delete process.env[REEXEC_MARK];

const sources = fileURLToPath(new URL('../cmd/switchyard.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/cmd/switchyard.js', import.meta.url));
const inCheckout = existsSync(sources) && !/[\\/]node_modules[\\/]/.test(sources);
if (inCheckout) {
  await import(new URL('../cmd/switchyard.ts', import.meta.url).href);
} else if (existsSync(built)) {
  await import(new URL('../dist/cmd/switchyard.js', import.meta.url).href);
} else {
  process.stderr.write(`switchyard: the compiled build is missing (${built}); run \`npm run build\` in the package folder.\n`);
  process.exit(1);
}
