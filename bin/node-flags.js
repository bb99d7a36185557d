// Node flags the data plane (`switchyard serve` and `switchyard proxy`) runs with (ADR 0025):
//   --max-semi-space-size=8  V8's young generation holds at most 2 × 8 MB. Node 24 sizes it from the machine's
//                            memory (64 MB semi-spaces on a 24 GB host), and under load it fills all of it, which
//                            tripled the resident set; 8 MB keeps the scavenges short and costs a few µs per request.
//   --expose-gc              lets the idle reclaim (pkg/serve/idle-reclaim.ts) run one memory-reducing collection
//                            once the process is idle after load, so memory goes back down.
// bin/switchyard.js adds the flags that are missing by re-executing node in place (process.execve: same pid, no
// wrapper process); the container image and the Helm chart pass them in NODE_OPTIONS instead, so nothing is
// re-executed there, and the benchmark starts the gateway with them. SWITCHYARD_NODE_FLAGS replaces the list
// ("" = none). A flag already given (on the command line or in NODE_OPTIONS, any value) is left as it is.
// Plain JavaScript that parses on old Node, like switchyard.js (bench/node-flags.ts types it for the benchmark).

/** The default flags for serve and proxy. */
export const DATA_PLANE_NODE_FLAGS = Object.freeze(['--max-semi-space-size=8', '--expose-gc']);

const DATA_PLANE_COMMANDS = new Set(['serve', 'proxy']);

function flagName(flag) {
  return flag.split('=')[0].replace(/_/g, '-');
}

/**
 * The node flags `command` should run with that this process lacks: none for other commands, none when every one
 * is already in `execArgv` or NODE_OPTIONS (whatever its value).
 * @param {string | undefined} command
 * @param {readonly string[]} execArgv
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {string[]}
 */
export function missingNodeFlags(command, execArgv, env) {
  if (command === undefined || !DATA_PLANE_COMMANDS.has(command)) return [];
  const wanted = env.SWITCHYARD_NODE_FLAGS === undefined ? DATA_PLANE_NODE_FLAGS : env.SWITCHYARD_NODE_FLAGS.split(/\s+/).filter((f) => f !== '');
  const present = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((f) => f.startsWith('--')).map(flagName));
  return wanted.filter((f) => !present.has(flagName(f)));
}
