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
import { listedObjects, median } from './in-process.ts';

const { values } = parseArgs({
  options: { routes: { type: 'string', default: '10000' }, providers: { type: 'string', default: '500' }, runs: { type: 'string', default: '7' }, 'full-runs': { type: 'string' } },
});
const routes = Number(values.routes);
const providers = Number(values.providers);
const runs = Number(values.runs);
const fullRuns = Number(values['full-runs'] ?? values.runs);

const listed = listedObjects(providers, routes);
const objects = listed.objects;

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
  listed.changeRoute(i);
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
