// The compiler: raw manifests → RoutingTable + per-object status. Pure and deterministic: no I/O, clock,
// logging, randomness or environment; the same set of objects in any order gives the same table and hash.
import type { ObjectStatus, RoutingTable, RoutingTableContent } from '../table/types.ts';
import { resolveConflicts } from './conflicts.ts';
import { contentHashOf, contentJSONOf } from './content-json.ts';
import { sha256Hex, sortedRecord } from './hash.ts';
import { compileKeys } from './keys.ts';
import { buildLastGood, sortStale } from './last-good.ts';
import type { LastGood, StaleObject } from './last-good.ts';
import { gather } from './objects.ts';
import { compileProviders } from './providers.ts';
import { markGlobalEjections } from './provider-health.ts';
import { compileQuotas } from './quotas.ts';
import { compileRoutes } from './routes.ts';
import { readSecrets } from './secrets.ts';
import { sortStatuses } from './status.ts';
import type { CompileMemo } from './memo.ts';

export interface CompileOptions {
  /** Version stamped on the table (not part of the hash). Default 0. */
  readonly version?: number;
  /**
   * Targets (`${providerId}|${model}`) the operator's global health check ejected: left out of routes, unless every
   * target and fallback of a route is ejected — then all are kept (panic mode: a sick target beats none).
   */
  readonly ejectedTargets?: ReadonlySet<string>;
  /**
   * The previous compile's `lastGood`. A Provider, ModelRoute or Quota whose current version is rejected for its own
   * content is compiled from its entry here instead (same uid when both have one), against the current Secrets and
   * Providers, and reported Accepted=False with a message naming the version still served (ADR 0012).
   */
  readonly previous?: LastGood;
  /**
   * Epoch ms at which the caller first saw each object, by "Kind/namespace/name": the age of objects without a
   * creationTimestamp (standalone), which decides model-name conflicts (ADR 0003).
   */
  readonly firstSeen?: ReadonlyMap<string, number>;
  /**
   * The previous compile's `memo` (incremental compile, ADR 0024): Providers and ModelRoutes of the same version
   * (uid + resourceVersion) whose inputs did not change reuse their compiled form, so the table shares their objects.
   * The result is the same as without it.
   */
  readonly memo?: CompileMemo;
}

export interface CompileResult {
  readonly table: RoutingTable;
  readonly statuses: ObjectStatus[];
  /**
   * The canonical JSON of the table's content: the exact text `table.hash` is the sha256 of. The operator sends it
   * as is (encodeSnapshot) instead of serialising the table again. Not part of `table`, which is plain data, and
   * non-enumerable on the result.
   */
  readonly contentJSON: string;
  /**
   * What was accepted or kept in this compile, to pass as the next compile's `previous`. Non-enumerable like
   * `contentJSON` (it holds whole raw objects).
   */
  readonly lastGood: LastGood;
  /** Objects whose current version is not accepted while their last accepted version keeps serving. */
  readonly stale: readonly StaleObject[];
  /** Input to the next compile's `memo`. Non-enumerable like `lastGood`. */
  readonly memo: CompileMemo;
}

export function compile(objects: readonly unknown[], opts: CompileOptions = {}): CompileResult {
  const gathered = gather(objects, opts.firstSeen);
  const secrets = readSecrets(gathered.secrets);
  const keys = compileKeys(secrets);
  const providers = compileProviders(gathered.providers, secrets, opts.previous, opts.memo?.providers);
  const context = JSON.stringify([[...keys.principals].sort(), [...(opts.ejectedTargets ?? [])].sort()]);
  const routes = compileRoutes(gathered.routes, providers.states, keys.principals, opts.ejectedTargets, opts.previous, opts.memo?.routes, context);
  const resolved = resolveConflicts(routes.candidates, opts.memo?.models);
  const quotas = compileQuotas(gathered.quotas, keys.principals, resolved.models, opts.previous);

  const ready = markGlobalEjections(
    [...providers.states].flatMap(([id, s]) => (s.ready ? [[id, s.provider] as const] : [])), opts.ejectedTargets, gathered.routes, resolved.routes,
  );
  const content: RoutingTableContent = {
    providers: sortedRecord(ready),
    routes: resolved.routes,
    models: resolved.models,
    keys: sortedRecord(keys.keys),
    quotas: quotas.quotas,
  };
  const hash = contentHashOf(content, opts.memo?.content);
  const statuses = sortStatuses([
    ...gathered.statuses,
    ...keys.statuses,
    ...providers.statuses,
    ...routes.statuses,
    ...resolved.statuses,
    ...quotas.statuses,
  ]);
  const stale: readonly StaleObject[] = sortStale([...providers.stale, ...resolved.stale, ...quotas.stale]);
  const lastGood = buildLastGood([...providers.kept, ...resolved.kept, ...quotas.kept], opts.previous);
  const result = { table: { version: opts.version ?? 0, hash, ...content }, statuses, stale };
  // Non-enumerable: callers that serialise or compare the result (golden files, `validate --output json`) never see them.
  return Object.defineProperties(result, {
    // Assembled on first use (memoised per list): the hash above is fed in pieces, and only a snapshot needs the text.
    contentJSON: { get: () => contentJSONOf(content), enumerable: false },
    lastGood: { value: lastGood, enumerable: false },
    memo: { value: { routes: routes.memo, providers: providers.memo, models: resolved.models, content } satisfies CompileMemo, enumerable: false },
  }) as CompileResult;
}

/** SHA-256 hex of the canonical JSON of a table's content (version and hash excluded). */
export function tableHash(content: RoutingTableContent): string {
  return sha256Hex(canonicalContent(content));
}

/** canonicalJSON of the five content fields, assembled per object (ADR 0024): same text, reused for shared objects. */
function canonicalContent(content: RoutingTableContent): string {
  return contentJSONOf(content);
}

export { canonicalJSON } from './hash.ts';
export { contentHashOf, contentJSONOf, objectJSON } from './content-json.ts';
export { objectKey } from './last-good.ts';
export type { LastGood, StaleObject } from './last-good.ts';
export type { CompileMemo } from './memo.ts';
export { allAccepted, formatStatuses } from './report.ts';
export type { FormatOptions, StatusFormat } from './report.ts';
export { checkBaseURL, unsafeHost } from './url-safety.ts';
