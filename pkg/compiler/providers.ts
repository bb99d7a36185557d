// Provider → TableProvider: type support, default and safe base URL, headers, models, credentials — every per-type
// fact (served or not, default base URL, auth scheme and whether it is required, client APIs, stream usage) comes
// from the provider descriptors (pkg/providers/descriptors.ts).
// A Provider whose credentials do not resolve is accepted but left out of the table (no half-configured provider).
// spec.auth → TableCredential lives in credentials.ts.
import { Provider, authMethodsText } from '../api/provider.ts';
import type { ProviderSpec } from '../api/provider.ts';
import type { ObjectStatus, TableCredential, TableFake, TableModel, TablePricing, TableProvider } from '../table/types.ts';
import { descriptorFor, effectiveDescriptor, servedTypes } from '../providers/descriptors.ts';
import type { EffectiveDescriptor } from '../providers/descriptors.ts';
import type { ProviderDescriptor } from '../providers/descriptor-types.ts';
import { durationMs } from '../api/duration.ts';
import { fullTimeouts } from './durations.ts';
import { sortedRecord } from './hash.ts';
import type { InputObject } from './objects.ts';
import { isRecord } from './objects.ts';
import { resolveAuth } from './credentials.ts';
import type { SecretIndex } from './secrets.ts';
import { keptMessage, previousVersion, rejection, staleObject } from './last-good.ts';
import type { LastGood, StaleObject } from './last-good.ts';
import { cond, formatIssues, makeStatus, refId, rejected } from './status.ts';
import { hasHeaderUnsafeChars } from './text.ts';
import { checkBaseURL } from './url-safety.ts';
import { listPricing, mergePricing } from '../pricing/defaults.ts';
import { healthFields } from './provider-health.ts';
import { inputKey } from './objects.ts';
import { lastGoodIsSelf, recording, sameReads, sameSecret, sameVersion, versionOf } from './memo.ts';
import type { ProviderMemoEntry } from './memo.ts';
import type { SecretEntry } from './secrets.ts';
import type { HealthFields } from './provider-health.ts';

/**
 * `rejected`: Accepted=False for its own content (a configuration error). `waiting`: accepted, but its Secret does
 * not resolve (SecretNotFound, SecretKeyNotFound, InvalidSecretValue); `reason`/`message` say why.
 */
export type ProviderState =
  | { readonly ready: true; readonly provider: TableProvider }
  | { readonly ready: false; readonly rejected: boolean; readonly reason: string; readonly message: string };

export interface ProvidersResult {
  /** Every Provider that has an identity, by id, ready or not (routes distinguish "not found" from "not ready"). */
  readonly states: ReadonlyMap<string, ProviderState>;
  readonly statuses: ObjectStatus[];
  /** Accepted Providers, or the last accepted version kept in place of a rejected one (for the next `previous`). */
  readonly kept: InputObject[];
  readonly stale: StaleObject[];
  /** Providers compiled (or reused) this time that a later compile may reuse (memo.ts). */
  readonly memo: Map<string, ProviderMemoEntry>;
}

const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection']);

export function compileProviders(
  objs: readonly InputObject[], secrets: SecretIndex, previous?: LastGood, memo?: ReadonlyMap<string, ProviderMemoEntry>,
): ProvidersResult {
  const out: ProvidersResult = { states: new Map(), statuses: [], kept: [], stale: [], memo: new Map() };
  const states = out.states as Map<string, ProviderState>;
  for (const obj of objs) {
    const { state, status, kept } = memoised(obj, secrets, previous, out, memo);
    out.statuses.push(status);
    if (kept !== undefined) out.kept.push(kept);
    if (obj.name !== '') states.set(refId(obj), state);
  }
  return out;
}

/** withLastGood, reusing the memo entry of the same version of obj when the Secrets it read are the same. */
function memoised(
  obj: InputObject, secrets: SecretIndex, previous: LastGood | undefined, out: ProvidersResult, memo: ReadonlyMap<string, ProviderMemoEntry> | undefined,
): Compiled {
  const version = versionOf(obj.raw);
  const key = version === null ? '' : inputKey(obj);
  if (version === null || !lastGoodIsSelf(key, obj.raw, previous)) return withLastGood(obj, secrets, previous, out.stale);
  const e = memo?.get(key);
  if (e !== undefined && sameVersion(e.raw, obj.raw) && sameReads(e.secrets, secrets, sameSecret)) {
    out.memo.set(key, e.raw === obj.raw ? e : { ...e, raw: obj.raw });
    return { state: e.state, status: e.status, kept: obj };
  }
  const reads = new Map<string, SecretEntry | undefined>();
  const c = withLastGood(obj, recording(secrets, reads), previous, out.stale);
  if (c.kept === obj) out.memo.set(key, { raw: obj.raw, secrets: [...reads], state: c.state, status: c.status });
  return c;
}

interface Compiled {
  readonly state: ProviderState;
  readonly status: ObjectStatus;
  /** The object whose raw was accepted, if any. */
  readonly kept?: InputObject;
}

/** Compiles obj; when it is rejected and an accepted previous version exists, that version serves in its place. */
function withLastGood(obj: InputObject, secrets: SecretIndex, previous: LastGood | undefined, stale: StaleObject[]): Compiled {
  const now = compileProvider(obj, secrets);
  const refused = rejection(now.status.conditions);
  if (refused === undefined) return { ...now, kept: obj };
  const prev = previousVersion(obj, previous);
  if (prev === undefined || prev.sameSpec) return now;
  const old = compileProvider(prev.obj, secrets);
  if (rejection(old.status.conditions) !== undefined) return now;
  const accepted = cond('Accepted', 'False', refused.reason, keptMessage(refused.message, prev));
  const refs = old.status.conditions.filter((c) => c.type !== 'Accepted');
  stale.push(staleObject(obj, prev, accepted));
  return { state: old.state, status: makeStatus(obj, [accepted, ...refs]), kept: prev.obj };
}

function compileProvider(obj: InputObject, secrets: SecretIndex): Compiled {
  const notReady = (reason: string, message: string): Compiled => ({
    state: { ready: false, rejected: true, reason, message },
    status: rejected(obj, reason, message),
  });
  const parsed = Provider.safeParse(obj.raw);
  const unsafe = unsafeRawBaseURL(obj.raw);
  if (unsafe !== null) {
    // Reported as UnsafeBaseURL even when the schema's own URL rules also caught it; other problems are appended.
    const others = parsed.success ? [] : parsed.error.issues.filter((i) => !(i.path[0] === 'spec' && i.path[1] === 'baseURL'));
    return notReady('UnsafeBaseURL', others.length === 0 ? unsafe : `${unsafe}; ${formatIssues(others)}`);
  }
  if (!parsed.success) return notReady('Invalid', formatIssues(parsed.error.issues));
  const spec = parsed.data.spec;
  const d = descriptorFor(spec.type);
  if (d === undefined) {
    return notReady('UnsupportedValue', `type ${spec.type} is not served by this release; use one of ${servedTypes().join(', ')}`);
  }
  const eff = effectiveDescriptor(d, spec.preset);
  const problem = specProblem(spec, d);
  if (problem !== null) return notReady('Invalid', problem);
  const base = resolveBaseURL(spec, d, eff);
  if (!base.ok) return notReady(base.reason, base.problem);
  const health = healthFields(spec, base.url);
  if (!health.ok) return notReady('Invalid', health.problem);

  let credential: TableCredential | null = null;
  let refsMessage = 'no references to resolve';
  if (spec.auth !== undefined) {
    const found = resolveAuth(spec, spec.auth, d, obj.namespace, secrets);
    if (!found.ok) {
      const accepted = cond('Accepted', 'True', 'Accepted', `${acceptedMessage(spec, base.url)}; not served until its Secret resolves`);
      return {
        state: { ready: false, rejected: false, reason: found.reason, message: found.message },
        status: makeStatus(obj, [accepted, cond('ResolvedRefs', 'False', found.reason, found.message)]),
      };
    }
    credential = found.credential;
    refsMessage = found.refs;
  }
  const provider = buildProvider(obj, spec, { d, eff, baseURL: base.url, credential, health: health.fields });
  return {
    state: { ready: true, provider },
    status: makeStatus(obj, [
      cond('Accepted', 'True', 'Accepted', acceptedMessage(spec, base.url)),
      cond('ResolvedRefs', 'True', 'ResolvedRefs', refsMessage),
    ]),
  };
}

/** The problem with spec.baseURL when it is a string that is unsafe (not merely malformed), else null. */
function unsafeRawBaseURL(raw: Readonly<Record<string, unknown>>): string | null {
  const spec = raw.spec;
  if (!isRecord(spec) || typeof spec.baseURL !== 'string') return null;
  const check = checkBaseURL(spec.baseURL);
  return !check.ok && check.reason === 'UnsafeBaseURL' ? check.problem : null;
}

function acceptedMessage(spec: ProviderSpec, baseURL: string): string {
  return spec.type === 'fake' ? 'fake provider accepted (built-in upstream)' : `${spec.type} provider accepted at ${baseURL}`;
}

/** Cross-field rules the schema does not express (preset, fake and baseURL presence are schema rules). */
function specProblem(spec: ProviderSpec, d: ProviderDescriptor): string | null {
  if (d.authRequired && spec.auth === undefined) return `type ${spec.type} needs spec.auth: ${authMethodsText(spec.type)}`;
  return headersProblem(spec, d);
}

/** The header that carries the key: spec.auth.header, else the descriptor's, else Authorization. */
function credentialHeaderOf(spec: ProviderSpec, d: ProviderDescriptor): string {
  return (spec.auth?.header ?? (d.auth.kind === 'header' ? d.auth.header : 'authorization')).toLowerCase();
}

function headersProblem(spec: ProviderSpec, d: ProviderDescriptor): string | null {
  const credentialHeader = credentialHeaderOf(spec, d);
  const seen = new Map<string, string>();
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) return `spec.headers: ${earlier} and ${name} are the same header (names are case-insensitive); keep one`;
    seen.set(lower, name);
    if (FORBIDDEN_HEADERS.has(lower)) return `spec.headers.${name}: this header is managed by the gateway and cannot be set`;
    if (lower === credentialHeader) return `spec.headers.${name}: credentials belong in a Secret referenced by spec.auth.secretRef, not in headers`;
    if (hasHeaderUnsafeChars(value)) return `spec.headers.${name}: the value contains control characters (line breaks are not allowed in headers)`;
  }
  return null;
}

/** The base URL: spec.baseURL, else the descriptor's default; a "{region}" in it (Bedrock's default) becomes spec.region. */
function resolveBaseURL(spec: ProviderSpec, d: ProviderDescriptor, eff: EffectiveDescriptor): ReturnType<typeof checkBaseURL> {
  if (!d.usesBaseURL) return { ok: true, url: '' };
  const raw = spec.baseURL ?? eff.defaultBaseURL ?? '';
  return checkBaseURL(spec.region === undefined ? raw : raw.split('{region}').join(spec.region));
}

interface Resolved {
  readonly d: ProviderDescriptor;
  readonly eff: EffectiveDescriptor;
  readonly baseURL: string;
  readonly credential: TableCredential | null;
  readonly health: HealthFields;
}

function buildProvider(obj: InputObject, spec: ProviderSpec, r: Resolved): TableProvider {
  const { d, eff, baseURL, credential, health } = r;
  const models = sortedRecord((spec.models ?? []).map((m) => [m.name, tableModel(spec, m)] as const));
  const limits = { ...spec.limits };
  const headers = { ...d.requiredHeaders };
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = v;
  return {
    id: refId(obj),
    namespace: obj.namespace,
    name: obj.name,
    type: spec.type,
    ...(d.presets === undefined ? {} : { preset: spec.preset ?? 'generic' }),
    baseURL,
    headers: sortedRecord(Object.entries(headers)),
    credential,
    streamUsage: eff.streamUsage !== 'never',
    nativeApis: [...eff.nativeApis],
    translatedApis: [...eff.translatedApis],
    models,
    modelsListed: (spec.models ?? []).length > 0,
    limits,
    timeouts: fullTimeouts(spec.timeouts),
    ...(spec.apiVersion === undefined ? {} : { apiVersion: spec.apiVersion }),
    ...(spec.region === undefined ? {} : { region: spec.region }),
    ...(spec.project === undefined ? {} : { project: spec.project }),
    ...(spec.type === 'fake' ? { fake: fakeSettings(spec) } : {}),
    ...health,
  };
}

/**
 * A listed model. Its pricing is the Provider's own over the list price of pkg/pricing for (type, preset, model),
 * field by field (pkg/pricing/defaults.ts); absent when neither knows a price.
 */
function tableModel(spec: ProviderSpec, m: NonNullable<ProviderSpec['models']>[number]): TableModel {
  const pricing = mergePricing(m.pricing, listPricing(spec.type, spec.preset, m.name));
  return {
    ...(pricing === undefined ? {} : { pricing }),
    ...(m.contextWindow === undefined ? {} : { contextWindow: m.contextWindow }),
    capabilities: [...new Set(m.capabilities ?? ['chat'])],
  };
}

function fakeSettings(spec: ProviderSpec): TableFake {
  const f = spec.fake ?? {};
  return {
    latencyMs: f.latency === undefined ? 0 : durationMs(f.latency),
    interChunkDelayMs: f.interChunkDelay === undefined ? 0 : durationMs(f.interChunkDelay),
    outputTokens: f.outputTokens ?? 16,
    chunkTokens: f.chunkTokens ?? 1,
    failureRate: f.failureRate ?? 0,
    embeddingDimensions: f.embeddingDimensions ?? 8,
  };
}

/**
 * The price a route target is charged at: the Provider's listed model's pricing (already merged over the list
 * price), else the list price for the Provider's type and preset (a Provider that lists no models).
 */
export function targetPricing(p: TableProvider, model: string): { pricing?: TablePricing } {
  const pricing = Object.hasOwn(p.models, model) ? p.models[model]?.pricing : listPricing(p.type, p.preset, model);
  return pricing === undefined ? {} : { pricing };
}
