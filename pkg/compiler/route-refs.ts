// A route's references: targets and fallbacks bound to Providers, what to tell clients when none resolves
// (misconfiguration vs waiting, ADR 0011), whether the bound models share a capability, and which client APIs the
// route can serve (provider descriptors: a route that can serve no API of an operation is ClientApiUnsupported).
import { Reason } from '../api/conditions.ts';
import type { ModelRouteSpec } from '../api/modelroute.ts';
import type { TablePricing, TableProvider, TableTarget, TableUnresolved } from '../table/types.ts';
import { CLIENT_APIS } from '../canonical/types.ts';
import type { ClientApi } from '../canonical/types.ts';
import { apiOperation } from '../providers/descriptors.ts';
import type { DescriptorOperation } from '../providers/descriptor-types.ts';
import type { ProviderState } from './providers.ts';
import { targetPricing } from './providers.ts';
import { cond } from './status.ts';
import type { Condition } from './status.ts';

export interface RefIssue {
  readonly reason: string;
  readonly message: string;
  /** A missing Secret that may still be created (C7): the route waits instead of being misconfigured. */
  readonly waiting?: boolean;
  /** The reference would carry traffic (a positive-weight target or a fallback). */
  readonly active?: boolean;
}

export interface Binding {
  readonly targets: TableTarget[];
  readonly fallback: TableTarget[];
  readonly issues: RefIssue[];
}

/** Secret reasons a Provider can wait on: the Secret or its key may appear later. A bad value is a config error. */
const WAITING_REASONS: ReadonlySet<string> = new Set([Reason.SecretNotFound, Reason.SecretKeyNotFound]);

export function bindTargets(namespace: string, spec: ModelRouteSpec, providers: ReadonlyMap<string, ProviderState>): Binding {
  const out: Binding = { targets: [], fallback: [], issues: [] };
  out.targets.push(...bindTargetList('targets', namespace, spec.model, spec.targets, providers, out.issues, true));
  for (const [i, f] of (spec.fallback ?? []).entries()) {
    const bound = bindOne(`fallback[${i}]`, namespace, f.provider, f.model ?? spec.model, providers);
    if ('reason' in bound) out.issues.push({ ...bound, active: true });
    else out.fallback.push({ ...bound, weight: 1, priority: i, ...(f.when === undefined ? {} : { when: [...f.when] }) });
  }
  return out;
}

type SpecTarget = ModelRouteSpec['targets'][number];

/**
 * Binds a list of targets (the route's or a rule's): positive weight and a resolved Provider only; unresolved ones
 * become issues (`active` only for the route's own targets, which decide `unresolved`).
 */
export function bindTargetList(
  where: string,
  namespace: string,
  routeModel: string,
  targets: readonly SpecTarget[],
  providers: ReadonlyMap<string, ProviderState>,
  issues: RefIssue[],
  own: boolean,
): TableTarget[] {
  const out: TableTarget[] = [];
  for (const [i, t] of targets.entries()) {
    const bound = bindOne(`${where}[${i}]`, namespace, t.provider, t.model ?? routeModel, providers);
    if ('reason' in bound) issues.push({ ...bound, active: own && t.weight > 0 });
    else if (t.weight > 0) out.push({ ...bound, weight: t.weight, priority: t.priority, ...(t.spillover === true ? { spillover: true } : {}) });
  }
  return out;
}

function bindOne(
  where: string,
  namespace: string,
  providerName: string,
  model: string,
  providers: ReadonlyMap<string, ProviderState>,
): { provider: string; model: string; pricing?: TablePricing } | RefIssue {
  const id = `${namespace}/${providerName}`;
  const state = providers.get(id);
  if (state === undefined) {
    return { reason: Reason.ProviderNotFound, message: `${where}: Provider ${id} not found; create it or fix the name` };
  }
  if (!state.ready && state.rejected) {
    return { reason: Reason.ProviderNotAccepted, message: `${where}: Provider ${id} is not accepted (${state.reason}); see its status` };
  }
  if (!state.ready) {
    const waiting = WAITING_REASONS.has(state.reason);
    return { reason: state.reason, waiting, message: `${where}: Provider ${id} is accepted but its Secret does not resolve (${state.reason}); see its status` };
  }
  const p = state.provider;
  if (p.modelsListed && !Object.hasOwn(p.models, model)) {
    const listed = Object.keys(p.models);
    const shown = listed.slice(0, 5).join(', ') + (listed.length > 5 ? ', …' : '');
    return { reason: Reason.ModelNotListed, message: `${where}: model ${model} is not listed by Provider ${id} (it lists ${shown}); add it to the Provider's models or fix the target model` };
  }
  return { provider: id, model, ...targetPricing(p, model) };
}

/**
 * What the proxy answers for a route with nothing to send to. Retryable (503 + Retry-After) only when every active
 * reference that failed is waiting for a Secret; anything else (Provider missing or rejected, model not listed) is
 * a configuration error (500 route_misconfigured). The message holds object names only: it is shown to clients.
 */
export function unresolvedOf(routeId: string, issues: readonly RefIssue[]): TableUnresolved {
  const active = issues.filter((i) => i.active === true);
  const relevant = active.length > 0 ? active : issues;
  const blocking = relevant.filter((i) => i.waiting !== true);
  const first = blocking[0] ?? relevant[0];
  const reason = first?.reason ?? Reason.NoUsableTargets;
  const detail = relevant.map((i) => i.message).join('; ');
  if (blocking.length === 0 && relevant.length > 0) {
    return { retryable: true, reason, message: `model route ${routeId} has no usable target yet: ${detail}` };
  }
  return { retryable: false, reason, message: `model route ${routeId} is misconfigured: ${detail}` };
}

/** Capability sets of the bound models; models of a Provider that lists none are unknown and left out. */
function capabilitiesOf(t: TableTarget, providers: ReadonlyMap<string, ProviderState>): readonly string[] | undefined {
  const state = providers.get(t.provider);
  const p: TableProvider | undefined = state?.ready === true ? state.provider : undefined;
  if (p === undefined || !p.modelsListed) return undefined;
  return p.models[t.model]?.capabilities;
}

/** A CapabilityMismatch issue when the bound targets and fallbacks have no capability in common, else null. */
export function capabilityIssue(binding: Binding, providers: ReadonlyMap<string, ProviderState>): RefIssue | null {
  const known: { where: string; caps: readonly string[] }[] = [];
  for (const t of [...binding.targets, ...binding.fallback]) {
    const caps = capabilitiesOf(t, providers);
    if (caps !== undefined) known.push({ where: `${t.provider} (${t.model})`, caps });
  }
  if (known.length < 2) return null;
  const common = known.slice(1).reduce((acc, k) => acc.filter((c) => k.caps.includes(c)), [...(known[0]?.caps ?? [])]);
  if (common.length > 0) return null;
  const list = known.map((k) => `${k.where}: ${k.caps.join(', ')}`).join('; ');
  return { reason: Reason.CapabilityMismatch, message: `the targets and fallbacks have no capability in common (${list}); each request goes only to the targets that declare its operation (400 unsupported_operation when none does)` };
}

const OPERATIONS: readonly string[] = ['chat', 'completions', 'embeddings'] satisfies readonly DescriptorOperation[];

export interface ClientApiCheck {
  /** The client APIs at least one bound target or fallback can serve, in CLIENT_APIS order. */
  readonly apis: ClientApi[];
  /** ClientApiUnsupported when an operation the route's models declare has no client API any of them can serve. */
  readonly issue: RefIssue | null;
}

/**
 * Which client APIs the bound targets and fallbacks serve: each one's provider's native and translated APIs, limited
 * to the operations its model declares when the Provider lists models (a native API needs its own operation, a
 * translated one chat, since it goes upstream as chat — translated embeddings need embeddings; an unlisted model may do anything its provider does). The route's operations are those its listed models declare, or chat when none is listed.
 */
export function clientApiCheck(binding: Binding, providers: ReadonlyMap<string, ProviderState>): ClientApiCheck {
  const served = new Set<ClientApi>();
  const declared = new Set<DescriptorOperation>();
  const types = new Set<string>();
  for (const t of [...binding.targets, ...binding.fallback]) {
    const state = providers.get(t.provider);
    if (state?.ready !== true) continue;
    const p = state.provider;
    types.add(p.preset === undefined ? p.type : `${p.type} (${p.preset})`);
    const ops = p.modelsListed ? (p.models[t.model]?.capabilities ?? []).filter((c): c is DescriptorOperation => OPERATIONS.includes(c)) : undefined;
    for (const op of ops ?? []) declared.add(op);
    for (const api of p.nativeApis) if (ops === undefined || ops.includes(apiOperation(api))) served.add(api);
    // A translated chat-family API goes upstream as chat, so a model that declares chat serves it; translated
    // embeddings go upstream as the provider's embeddings, so a model that declares embeddings serves them.
    for (const api of p.translatedApis) if (ops === undefined || ops.includes(apiOperation(api) === 'embeddings' ? 'embeddings' : 'chat')) served.add(api);
  }
  const apis = CLIENT_APIS.filter((a) => served.has(a));
  if (types.size === 0) return { apis, issue: null };
  if (declared.size === 0) declared.add('chat');
  const missing = [...declared].filter((op) => !apis.some((a) => apiOperation(a) === op));
  if (missing.length === 0) return { apis, issue: null };
  const named = missing.map((op) => `${op} (${CLIENT_APIS.filter((a) => apiOperation(a) === op).join(', ')})`).join('; ');
  return {
    apis,
    issue: {
      reason: Reason.ClientApiUnsupported,
      message: `no target or fallback can serve the client APIs of ${named}: ${types.size === 1 ? 'provider type' : 'provider types'} ${[...types].sort().join(', ')} ${types.size === 1 ? 'does' : 'do'} not serve them; requests in those APIs get 400`,
    },
  };
}

export function refsCondition(issues: readonly RefIssue[], spec: ModelRouteSpec): Condition {
  const first = issues[0];
  if (first === undefined) {
    const count = spec.targets.length + (spec.fallback?.length ?? 0);
    return cond('ResolvedRefs', 'True', 'ResolvedRefs', `all ${count} provider reference(s) resolved`);
  }
  return cond('ResolvedRefs', 'False', first.reason, issues.map((i) => i.message).join('; '));
}
