// Types of bin/node-flags.js (plain JavaScript, run before anything needs Node 24), for the benchmark and tests.
export declare const DATA_PLANE_NODE_FLAGS: readonly string[];
export declare function missingNodeFlags(command: string | undefined, execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[];
