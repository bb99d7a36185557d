// The compiler: raw manifests → RoutingTable + per-object status. Pure and deterministic: no I/O, clock,
// logging, randomness or environment; the same set of objects in any order gives the same table and hash.
import type { ObjectStatus, RoutingTable, RoutingTableContent } from '../table/types.ts';
import { resolveConflicts } from './conflicts.ts';
import { canonicalJSON, sha256Hex, sortedRecord } from './hash.ts';
import { compileKeys } from './keys.ts';
import { gather } from './objects.ts';
import { compileProviders } from './providers.ts';
import { compileQuotas } from './quotas.ts';
import { compileRoutes } from './routes.ts';
import { readSecrets } from './secrets.ts';
import { sortStatuses } from './status.ts';

export interface CompileOptions {
  /** Version stamped on the table (not part of the hash). Default 0. */
  readonly version?: number;
  /**
   * Targets (`${providerId}|${model}`) the operator's global health check ejected: left out of routes, unless every
   * target and fallback of a route is ejected — then all are kept (panic mode: a sick target beats none).
   */
  readonly ejectedTargets?: ReadonlySet<string>;
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
}

export function compile(objects: readonly unknown[], opts: CompileOptions = {}): CompileResult {
  const gathered = gather(objects);
  const secrets = readSecrets(gathered.secrets);
  const keys = compileKeys(secrets);
  const providers = compileProviders(gathered.providers, secrets);
  const routes = compileRoutes(gathered.routes, providers.states, keys.principals, opts.ejectedTargets);
  const resolved = resolveConflicts(routes.candidates);
  const quotas = compileQuotas(gathered.quotas, keys.principals, resolved.models);

  const ready = [...providers.states].flatMap(([id, s]) => (s.ready ? [[id, s.provider] as const] : []));
  const content: RoutingTableContent = {
    providers: sortedRecord(ready),
    routes: resolved.routes,
    models: resolved.models,
    keys: sortedRecord(keys.keys),
    quotas: quotas.quotas,
  };
  const contentJSON = canonicalContent(content);
  const hash = sha256Hex(contentJSON);
  const statuses = sortStatuses([
    ...gathered.statuses,
    ...keys.statuses,
    ...providers.statuses,
    ...routes.statuses,
    ...resolved.statuses,
    ...quotas.statuses,
  ]);
  const result = { table: { version: opts.version ?? 0, hash, ...content }, statuses };
  // Non-enumerable: callers that serialise or compare the result (golden files, `validate --output json`) never see it.
  return Object.defineProperty(result, 'contentJSON', { value: contentJSON, enumerable: false }) as CompileResult;
}

/** SHA-256 hex of the canonical JSON of a table's content (version and hash excluded). */
export function tableHash(content: RoutingTableContent): string {
  return sha256Hex(canonicalContent(content));
}

function canonicalContent(content: RoutingTableContent): string {
  const { providers, routes, models, keys, quotas } = content;
  return canonicalJSON({ providers, routes, models, keys, quotas });
}

export { canonicalJSON } from './hash.ts';
export { allAccepted, formatStatuses } from './report.ts';
export type { FormatOptions, StatusFormat } from './report.ts';
export { checkBaseURL, unsafeHost } from './url-safety.ts';
