// Binding a table's targets for the hot path (part of building the runtime table, runtime-table.ts): one adapter and
// the header values per provider, shared by every target of that provider and reused by the next build while the
// provider object is unchanged; per target the merged timeouts, per-token price, capabilities and health entry.
import type { ProviderAdapter } from '../providers/types.ts';
import { credentialKey } from '../providers/http/credential-sources.ts';
import type { RoutingTable, TableProvider, TableRoute, TableTarget, TableTimeouts } from '../table/types.ts';
import { targetApis, targetOperations } from './capabilities.ts';
import type { BuildDeps, RuntimeTarget, TargetPrice } from './runtime-table.ts';

/** Printable ASCII passes; anything else is percent-encoded so a header value can never be rejected or split. */
export function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

function mergeTimeouts(provider: TableTimeouts, route: Partial<TableTimeouts>): TableTimeouts {
  const poolAcquireMs = route.poolAcquireMs ?? provider.poolAcquireMs;
  return {
    connectMs: route.connectMs ?? provider.connectMs,
    firstByteMs: route.firstByteMs ?? provider.firstByteMs,
    idleMs: route.idleMs ?? provider.idleMs,
    totalMs: route.totalMs ?? provider.totalMs,
    ...(poolAcquireMs === undefined ? {} : { poolAcquireMs }),
  };
}

/** The target's price per token: the table's per-target price (issue 8), else its listed model's (older tables). */
function priceOf(provider: TableProvider, t: TableTarget): TargetPrice | null {
  const p = t.pricing ?? provider.models[t.model]?.pricing;
  if (p === undefined) return null;
  const { input: i, output: o, cachedInput, cacheWrite, reasoning } = p;
  if (i === undefined && o === undefined && cachedInput === undefined && cacheWrite === undefined && reasoning === undefined) return null;
  const input = (i ?? 0) / 1e6;
  const output = (o ?? 0) / 1e6;
  return {
    input,
    output,
    cachedInput: cachedInput === undefined ? input : cachedInput / 1e6,
    cacheWrite: cacheWrite === undefined ? input : cacheWrite / 1e6,
    reasoning: reasoning === undefined ? output : reasoning / 1e6,
  };
}

function hostOf(baseURL: string): string {
  if (baseURL === '') return '';
  try {
    return new URL(baseURL).hostname;
  } catch {
    return '';
  }
}

/** What every target of one provider shares, computed once per provider per load. */
export interface ProviderBinding {
  readonly provider: TableProvider;
  readonly adapter: ProviderAdapter;
  readonly providerHeader: string;
  readonly serverAddress: string;
}

/** credentialKey per provider object (hashes its credential: computed once, as table objects are never mutated). */
const credentialKeys = new WeakMap<TableProvider, string>();

function credentialKeyOf(p: TableProvider): string {
  let key = credentialKeys.get(p);
  if (key === undefined) {
    key = credentialKey(p);
    credentialKeys.set(p, key);
  }
  return key;
}

export class TargetBinder {
  readonly #providers = new Map<string, ProviderBinding>();
  readonly #table: RoutingTable;
  readonly #deps: BuildDeps;
  readonly #previous: ReadonlyMap<string, ProviderBinding>;

  constructor(table: RoutingTable, deps: BuildDeps, previous: ReadonlyMap<string, ProviderBinding>) {
    this.#table = table;
    this.#deps = deps;
    this.#previous = previous;
  }

  get bindings(): ReadonlyMap<string, ProviderBinding> {
    return this.#providers;
  }

  /** Whether provider `id` is the same object as in the previous build (so its binding, adapter included, is reused). */
  unchanged(id: string): boolean {
    const p = this.#table.providers[id];
    return p !== undefined && this.#previous.get(id)?.provider === p;
  }

  /**
   * The provider's binding for a reused route: the previous one, re-registered with this build's credential sources
   * (adapters ask for their background source when created; a reused adapter is not created again, so its source is
   * marked wanted here, or commitBuild would stop it).
   */
  reuse(id: string): void {
    if (this.#providers.has(id)) return;
    const b = this.#previous.get(id);
    if (b === undefined) return;
    this.#deps.adapterDeps.sources.keep(credentialKeyOf(b.provider));
    this.#providers.set(id, b);
  }

  #provider(route: TableRoute, id: string): ProviderBinding {
    let b = this.#providers.get(id);
    if (b !== undefined) return b;
    const provider = this.#table.providers[id];
    if (provider === undefined) throw new Error(`route ${route.id}: unknown provider ${id}`);
    if (this.#previous.get(id)?.provider === provider) {
      this.reuse(id);
      const kept = this.#providers.get(id);
      if (kept !== undefined) return kept;
    }
    b = {
      provider,
      adapter: this.#deps.adapterFactory(provider, this.#deps.adapterDeps),
      providerHeader: headerSafe(provider.name),
      serverAddress: hostOf(provider.baseURL),
    };
    this.#providers.set(id, b);
    return b;
  }

  bind(route: TableRoute, t: TableTarget, routeTimeouts: boolean): RuntimeTarget {
    const { provider, adapter, providerHeader, serverAddress } = this.#provider(route, t.provider);
    const { ops, capabilities } = targetOperations(provider, t.model);
    const apis = targetApis(provider, ops);
    return {
      // A route without timeouts of its own shares the provider's (read-only) timeouts object.
      bound: { provider, model: t.model, timeouts: routeTimeouts ? mergeTimeouts(provider.timeouts, route.timeouts) : provider.timeouts },
      adapter,
      providerId: provider.id,
      weight: t.weight > 0 && Number.isFinite(t.weight) ? t.weight : 0,
      priority: t.priority,
      price: priceOf(provider, t),
      health: this.#deps.health.get(provider.id, t.model),
      providerHeader,
      modelHeader: headerSafe(t.model),
      serverAddress,
      ops,
      capabilities,
      apis,
      spillover: t.spillover === true,
    };
  }
}
