// The compile half of `npm run bench:operator` without a cluster: the same 500 Providers (+ Secrets) and 10,000
// ModelRoutes, with the metadata the API server adds (uid, resourceVersion, generation, creationTimestamp), compiled
// in-process: full compiles, then one ModelRoute changed at a time compiled with the previous compile's memo (as the
// operator's reconciler does), then the delta the sync server computes and encodes for it. For profiling
// (`node --cpu-prof bench/operator/compile-only.ts`) and quick before/after figures on the compiler alone.
// Run: `node bench/operator/compile-only.ts [--routes N] [--providers N] [--runs N] [--full-runs N]` (3 × runs one-change
// compiles; --full-runs 0 profiles the incremental compile alone).
import { parseArgs } from 'node:util';
import { compile } from '../../pkg/compiler/index.ts';
import type { CompileResult } from '../../pkg/compiler/index.ts';
import { computeDelta } from '../../pkg/sync/delta.ts';
import { encodeDelta } from '../../pkg/sync/protocol.ts';
import { benchObjects, weightPatch } from './objects.ts';

const { values } = parseArgs({
  options: { routes: { type: 'string', default: '10000' }, providers: { type: 'string', default: '500' }, runs: { type: 'string', default: '7' }, 'full-runs': { type: 'string' } },
});
const routes = Number(values.routes);
const providers = Number(values.providers);
const runs = Number(values.runs);
const fullRuns = Number(values['full-runs'] ?? values.runs);

let rv = 1000;
const objects: Record<string, unknown>[] = benchObjects(providers, routes).map((o, i) => ({
  ...o,
  metadata: {
    ...o.metadata, uid: `uid-${i}`, resourceVersion: String(rv++), generation: 1,
    creationTimestamp: new Date(Date.UTC(2026, 11, 1, 0, 0, Math.floor(i / 50))).toISOString().replace('.000Z', 'Z'),
  },
}));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? Number.NaN) * 10) / 10;
}

const full: number[] = [];
let result: CompileResult = compile(objects, { version: 1 });
for (let i = 0; i < fullRuns; i++) {
  const t0 = performance.now();
  result = compile(objects, { version: 1 });
  full.push(performance.now() - t0);
}
let chain = compile(objects, { version: 1, previous: result.lastGood, memo: result.memo });
const one: number[] = [];
const delta: number[] = [];
for (let i = 0; i < runs * 3; i++) {
  const at = objects.findIndex((o) => o.kind === 'ModelRoute' && (o.metadata as { name: string }).name === `r-${(i * 7919) % routes}`);
  const target = objects[at] as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  const index = (i * 7919) % routes;
  objects[at] = { ...target, metadata: { ...target.metadata, resourceVersion: String(rv++), generation: 2 + i }, spec: { ...target.spec, ...(weightPatch(index, providers, 10 + i).spec as object) } };
  const t0 = performance.now();
  const next = compile(objects, { version: 2 + i, previous: chain.lastGood, memo: chain.memo });
  const t1 = performance.now();
  encodeDelta(chain.table, next.table, computeDelta(chain.table, next.table));
  delta.push(performance.now() - t1);
  one.push(t1 - t0);
  chain = next;
}
process.stdout.write(`${JSON.stringify({
  routes, providers, fullMedianMs: median(full), fullRunsMs: full.map(Math.round), oneChangeMedianMs: median(one), oneChangeRunsMs: one.map(Math.round),
  deltaEncodeMedianMs: median(delta),
})}\n`);
