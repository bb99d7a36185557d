// The data-plane node flags of bin/node-flags.js (plain JavaScript shipped in the package, without a .d.ts: the
// tarball holds no .ts), typed for the benchmark, which starts the gateway with them as bin/switchyard.js would.
interface NodeFlagsModule {
  readonly DATA_PLANE_NODE_FLAGS: readonly string[];
  missingNodeFlags(command: string | undefined, execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[];
}

const mod = (await import(new URL('../bin/node-flags.js', import.meta.url).href)) as NodeFlagsModule;

export const DATA_PLANE_NODE_FLAGS = mod.DATA_PLANE_NODE_FLAGS;
/** The flags `switchyard <command>` gets from bin/switchyard.js that `execArgv` (and NODE_OPTIONS) do not set. */
export const missingNodeFlags = mod.missingNodeFlags;
