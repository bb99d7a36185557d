// The proxy half of one changed route, without a cluster: the benchmark's 500 Providers and 10,000 ModelRoutes
// compiled in-process, then one ModelRoute changed at a time (compiled with the previous compile's memo, as the
// operator does), each version turned into the delta message the sync server sends and decoded as a proxy does
// (unchanged objects stay the same objects), and `TableHolder.load` of the result timed — the part of a proxy's
// per-change work that is not decoding. `--holder PATH` (repeatable) loads the same tables into holders imported from
// other trees too (e.g. a copy of an older commit's pkg/ with node_modules linked), alternating change by change, for
// a same-process before/after. Then, per holder, the load of whole snapshots (every object new: a full build).
// Run: `node bench/operator/load-delta.ts [--routes N] [--providers N] [--changes N] [--snapshots N] [--holder PATH]...`
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { compile } from '../../pkg/compiler/index.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { computeDelta } from '../../pkg/sync/delta.ts';
import { decodeDelta, decodeSnapshot, encodeDelta, encodeSnapshot, ndjsonLine } from '../../pkg/sync/protocol.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import { listedObjects, median } from './in-process.ts';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '10000' }, providers: { type: 'string', default: '500' }, changes: { type: 'string', default: '40' },
    snapshots: { type: 'string', default: '5' }, holder: { type: 'string', multiple: true, default: [] },
  },
});
const routes = Number(values.routes);
const providers = Number(values.providers);
const changes = Number(values.changes);

const listed = listedObjects(providers, routes);
const objects = listed.objects;

type Holder = Pick<TableHolder, 'load' | 'table'>;
type HolderCtor = new (opts: ConstructorParameters<typeof TableHolder>[0]) => Holder;
const pools = createUpstreamPools();
const opts = { adapterFactory: createAdapter, adapterDeps: pools, logger: pino({ level: 'silent' }) };
const holders: { name: string; holder: Holder; times: number[]; full: number[] }[] = [{ name: 'this tree', holder: new TableHolder(opts), times: [], full: [] }];
for (const path of values.holder) {
  const mod = (await import(path)) as { TableHolder: HolderCtor };
  holders.push({ name: path, holder: new mod.TableHolder(opts), times: [], full: [] });
}

let chain = compile(objects, { version: 1 });
let table: RoutingTable = decodeSnapshot(JSON.parse(ndjsonLine(encodeSnapshot(chain.table, chain.contentJSON))));
for (const h of holders) h.holder.load(table);
for (let i = 0; i < changes; i++) {
  listed.changeRoute(i);
  const next = compile(objects, { version: 2 + i, previous: chain.lastGood, memo: chain.memo });
  const line = ndjsonLine(encodeDelta(table, next.table, computeDelta(table, next.table)));
  table = decodeDelta(JSON.parse(line), table);
  chain = next;
  // Alternate which holder goes first, so that neither always loads right after the compile.
  const order = i % 2 === 0 ? holders : [...holders].reverse();
  for (const h of order) {
    const t0 = performance.now();
    h.holder.load(table);
    h.times.push(performance.now() - t0);
  }
}
const snapshotLine = ndjsonLine(encodeSnapshot(chain.table, chain.contentJSON));
for (let i = 0; i < Number(values.snapshots); i++) {
  for (const h of i % 2 === 0 ? holders : [...holders].reverse()) {
    const fresh = { ...decodeSnapshot(JSON.parse(snapshotLine)), version: 1000 + i };
    const t0 = performance.now();
    h.holder.load(fresh);
    h.full.push(performance.now() - t0);
  }
}
await pools.destroy();
for (const h of holders) {
  process.stdout.write(`${JSON.stringify({ holder: h.name, routes, providers, changes, loadMedianMs: median(h.times), loadMinMs: Math.round(Math.min(...h.times) * 10) / 10, loadRunsMs: h.times.map(Math.round), snapshotLoadMedianMs: median(h.full) })}\n`);
}
