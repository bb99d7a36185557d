// A cheap structural check of snapshot content that already passed its sha256 check (so the bytes are exactly what an
// operator compiled): the five top-level fields with the right JSON types, and no field this proxy does not know on
// the table, a route or a provider (a newer operator's table is refused and NACKed, not half-understood). The full
// zod schema (table-schema.ts) stays for content from elsewhere: snapshot files.
import { ProviderSchema, RouteSchema, RoutingTableContentSchema } from './table-schema.ts';

const TOP_KEYS: ReadonlySet<string> = new Set(Object.keys(RoutingTableContentSchema.shape));
const ROUTE_KEYS: ReadonlySet<string> = new Set(Object.keys(RouteSchema.shape));
const PROVIDER_KEYS: ReadonlySet<string> = new Set(Object.keys(ProviderSchema.shape));
const ARRAYS = new Set(['routes', 'quotas']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKey(obj: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  for (const k in obj) if (!known.has(k)) return k;
  return undefined;
}

/** Problem with `json` as RoutingTable content, or null when it has the expected shape. Never quotes values. */
export function tableShapeProblem(json: unknown): string | null {
  if (!isRecord(json)) return '(root): expected an object';
  const extra = unknownKey(json, TOP_KEYS);
  if (extra !== undefined) return `(root): unknown field "${extra.slice(0, 64)}"`;
  for (const key of TOP_KEYS) {
    const value = json[key];
    if (ARRAYS.has(key) ? !Array.isArray(value) : !isRecord(value)) return `${key}: expected ${ARRAYS.has(key) ? 'an array' : 'an object'}`;
  }
  const routes = json.routes as unknown[];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i];
    if (!isRecord(r)) return `routes.${i}: expected an object`;
    const k = unknownKey(r, ROUTE_KEYS);
    if (k !== undefined) return `routes.${i}: unknown field "${k.slice(0, 64)}"`;
    if (!Array.isArray(r.targets) || !Array.isArray(r.fallback)) return `routes.${i}: targets and fallback must be arrays`;
  }
  for (const [id, p] of Object.entries(json.providers as Record<string, unknown>)) {
    if (!isRecord(p)) return `providers.${id.slice(0, 128)}: expected an object`;
    const k = unknownKey(p, PROVIDER_KEYS);
    if (k !== undefined) return `providers.${id.slice(0, 128)}: unknown field "${k.slice(0, 64)}"`;
  }
  return null;
}
