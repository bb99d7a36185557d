// Summarise a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package, and inclusive time
// of the project's own functions (to rank pipeline stages), so a benchmark run can say where the gateway's CPU goes.
// Run alone: `node bench/cpu-profile.ts FILE.cpuprofile [--top 30]`.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

export interface SelfTimeRow {
  readonly name: string;
  readonly where: string;
  readonly self_ms: number;
  readonly self_pct: number;
}

export interface ProfileSummary {
  readonly total_ms: number;
  /** Sampled time minus (idle); (program) and (garbage collector) count as busy. */
  readonly busy_ms: number;
  readonly functions: readonly SelfTimeRow[];
  readonly packages: readonly SelfTimeRow[];
  /** Project (non-node_modules) functions by inclusive time; `self_*` fields then hold inclusive time. */
  readonly own_inclusive: readonly SelfTimeRow[];
}

function isProfile(v: unknown): v is CpuProfile {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.nodes) && Array.isArray(o.samples) && Array.isArray(o.timeDeltas);
}

/** Short location: path relative to the repo or node_modules, or the node: builtin / V8 pseudo-frame. */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const cwd = `file://${process.cwd()}/`;
  return url.startsWith(cwd) ? url.slice(cwd.length) : url;
}

/** Group key for a frame: an npm package, a node: builtin, a repo folder (pkg/proxy) or a pseudo-frame. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node: (builtins)';
  if (url.startsWith('wasm:')) return 'wasm (undici llhttp)';
  const s = shortUrl(url);
  if (s.startsWith('file://')) return s.slice('file://'.length, s.lastIndexOf('/') + 1);
  if (url.includes('/node_modules/')) {
    const parts = s.split('/');
    return (parts[0] ?? '').startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? s);
  }
  const parts = s.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : s;
}

function topRows(map: Map<string, { name: string; where: string; us: number }>, busyUs: number, n: number): SelfTimeRow[] {
  return [...map.values()].sort((a, b) => b.us - a.us).slice(0, n).map((r) => ({
    name: r.name, where: r.where,
    self_ms: Math.round(r.us / 100) / 10,
    self_pct: Math.round((r.us / busyUs) * 1000) / 10,
  }));
}

type Tally = Map<string, { name: string; where: string; us: number }>;

function add(map: Tally, key: string, name: string, where: string, us: number): void {
  const row = map.get(key) ?? { name, where, us: 0 };
  row.us += us;
  map.set(key, row);
}

function frameKey(frame: CallFrame): [key: string, name: string, where: string] {
  const where = frame.url === '' ? '' : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  return [`${name}@${where}`, name, where];
}

/** Frames of the project itself (not node_modules, not node: builtins), for the inclusive-time table. */
function isOwnCode(frame: CallFrame): boolean {
  return frame.url.startsWith(`file://${process.cwd()}/`) && !frame.url.includes('/node_modules/');
}

/** Add `us` to every distinct project function on the stack of `nodeId` (inclusive time). */
function addInclusive(inclusive: Tally, nodeId: number, us: number, byId: Map<number, CallFrame>, parent: Map<number, number>): void {
  const seen = new Set<string>();
  for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
    const frame = byId.get(id);
    if (frame === undefined || !isOwnCode(frame)) continue;
    const [key, name, where] = frameKey(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    add(inclusive, key, name, where, us);
  }
}

/**
 * Self time per function and per package, and inclusive time per project function (percentages of non-idle time).
 * `fromUs` (CLOCK_MONOTONIC µs, the clock of the profile's timestamps and of process.hrtime) skips earlier samples,
 * e.g. startup and warm-up.
 */
export function summariseProfile(profile: unknown, top = 30, fromUs = 0): ProfileSummary {
  if (!isProfile(profile)) throw new Error('not a V8 .cpuprofile');
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fns: Tally = new Map();
  const pkgs: Tally = new Map();
  const inclusive: Tally = new Map();
  let total = 0;
  let idle = 0;
  let t = typeof profile.startTime === 'number' ? profile.startTime : 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs) continue;
    const id = profile.samples[i] ?? -1;
    const frame = byId.get(id);
    total += dt;
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const [key, name, where] = frameKey(frame);
    add(fns, key, name, where, dt);
    const pk = packageOf(frame);
    add(pkgs, pk, pk, '', dt);
    addInclusive(inclusive, id, dt, byId, parent);
  }
  const busy = Math.max(1, total - idle);
  return {
    total_ms: Math.round(total / 1000), busy_ms: Math.round(busy / 1000),
    functions: topRows(fns, busy, top), packages: topRows(pkgs, busy, top), own_inclusive: topRows(inclusive, busy, top),
  };
}

export function formatProfile(s: ProfileSummary): string {
  const row = (r: SelfTimeRow): string => `  ${r.self_pct.toFixed(1).padStart(5)}%  ${String(r.self_ms).padStart(8)} ms  ${r.name}${r.where ? `  ${r.where}` : ''}`;
  return [
    `CPU profile: ${s.busy_ms} ms busy of ${s.total_ms} ms sampled`,
    'Self time by package/folder:', ...s.packages.map(row),
    'Top functions by self time:', ...s.functions.map(row),
    'Project functions by inclusive time (self + callees):', ...s.own_inclusive.map(row),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' } } });
  const file = positionals[0];
  if (file === undefined) throw new Error('usage: node bench/cpu-profile.ts FILE.cpuprofile [--top N]');
  const summary = summariseProfile(JSON.parse(await readFile(file, 'utf8')), Number(values.top));
  process.stdout.write(`${formatProfile(summary)}\n`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
