// Builders for the objects the e2e cases apply, and small wrappers over the e2e REST client: apply a YAML string,
// delete, read a condition. Every failure message carries the API server's answer.
import { parseAllDocuments } from 'yaml';
import { asStatus, isKubeObject } from '../../support/kube.ts';
import type { KubeClient, KubeObject, KubeResponse } from '../../support/kube.ts';
import type { ConditionView, ObjectView } from '../../support/views.ts';
export type { ConditionView, ObjectView } from '../../support/views.ts';

export const API = 'switchyard.dev/v1alpha1';

export function describeResponse(res: KubeResponse): string {
  const s = asStatus(res.body);
  const causes = (s.details?.causes ?? []).map((c) => `  ${c.field ?? '?'}: ${c.message ?? c.reason ?? ''}`).join('\n');
  return `HTTP ${res.status}: ${s.message ?? JSON.stringify(res.body)}${causes ? `\n${causes}` : ''}`;
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function secret(ns: string, name: string, stringData: Record<string, string>, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace: ns, ...(labels === undefined ? {} : { labels }) },
    stringData,
  };
}

export interface ProviderOptions {
  /** Base URL of an OpenAI-compatible upstream (the fake server's `url`). */
  readonly baseURL: string;
  /** Secret holding the key (key "apiKey"); no auth when undefined. */
  readonly secretName?: string;
  readonly models?: readonly string[];
}

/** An openai-compatible Provider pointing at a fake upstream. */
export function provider(ns: string, name: string, o: ProviderOptions): KubeObject {
  return {
    apiVersion: API, kind: 'Provider', metadata: { name, namespace: ns },
    spec: {
      type: 'openai-compatible',
      baseURL: o.baseURL,
      ...(o.secretName === undefined ? {} : { auth: { secretRef: { name: o.secretName, key: 'apiKey' } } }),
      ...(o.models === undefined ? {} : { models: o.models.map((m) => ({ name: m })) }),
      timeouts: { connect: '1s', firstByte: '5s' },
    },
  };
}

export interface TargetSpec {
  readonly provider: string;
  readonly model?: string;
  readonly weight?: number;
  readonly priority?: number;
}

export function route(ns: string, name: string, model: string, targets: readonly TargetSpec[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: API, kind: 'ModelRoute', metadata: { name, namespace: ns },
    spec: { model, targets: targets.map((t) => ({ ...t })), ...extra },
  };
}

export function parseManifests(yamlText: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`manifest YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isKubeObject(v)) throw new Error('a manifest document is not a Kubernetes object (apiVersion/kind/metadata.name)');
    out.push(v);
  }
  return out;
}

/** Server-side applies every object (a YAML string or objects), failing with the API server's message. */
export async function applyManifests(kube: KubeClient, manifests: string | readonly KubeObject[]): Promise<void> {
  const objs = typeof manifests === 'string' ? parseManifests(manifests) : manifests;
  for (const obj of objs) {
    const res = await kube.apply(obj);
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`apply ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: ${describeResponse(res)}`);
    }
  }
}

/** Deletes, ignoring "not found". */
export async function deleteObject(kube: KubeClient, obj: KubeObject): Promise<void> {
  const res = await kube.delete(obj);
  if (res.status !== 200 && res.status !== 202 && res.status !== 404) {
    throw new Error(`delete ${obj.kind} ${obj.metadata.name}: ${describeResponse(res)}`);
  }
}

export async function ensureNamespace(kube: KubeClient, name: string): Promise<void> {
  const res = await kube.create(namespace(name));
  if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${name}: ${describeResponse(res)}`);
}


function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object's generation and status, or undefined when it does not exist. */
export async function readObject(kube: KubeClient, kind: string, ns: string, name: string): Promise<ObjectView | undefined> {
  const apiVersion = kind === 'Secret' ? 'v1' : API;
  const res = await kube.get(`${await kube.collectionPath(apiVersion, kind, ns)}/${encodeURIComponent(name)}`);
  if (res.status === 404) return undefined;
  if (res.status !== 200 || !isRecord(res.body)) throw new Error(`get ${kind} ${ns}/${name}: ${describeResponse(res)}`);
  const meta = isRecord(res.body.metadata) ? res.body.metadata : {};
  const status = isRecord(res.body.status) ? res.body.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord).map((c) => ({
    type: String(c.type), status: String(c.status), reason: String(c.reason ?? ''), message: String(c.message ?? ''),
    ...(typeof c.observedGeneration === 'number' ? { observedGeneration: c.observedGeneration } : {}),
    ...(typeof c.lastTransitionTime === 'string' ? { lastTransitionTime: c.lastTransitionTime } : {}),
  })) : [];
  return {
    generation: typeof meta.generation === 'number' ? meta.generation : 0,
    resourceVersion: String(meta.resourceVersion ?? ''),
    ...(typeof status.observedGeneration === 'number' ? { observedGeneration: status.observedGeneration } : {}),
    conditions,
  };
}

/** One condition of an object (undefined when the object or the condition is absent). */
export async function readCondition(kube: KubeClient, kind: string, ns: string, name: string, type: string): Promise<ConditionView | undefined> {
  return (await readObject(kube, kind, ns, name))?.conditions.find((c) => c.type === type);
}

/** `"Accepted=True/Accepted ResolvedRefs=False/SecretNotFound"` — for assertion messages. */
export function conditionsLine(view: ObjectView | undefined): string {
  if (view === undefined) return '(no object)';
  return view.conditions.map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration ?? '-'}`).join(' ') + ` gen=${view.generation}`;
}

/** The 422/400 Status of a refused create: reason and the causes' field paths. */
export function refusal(res: KubeResponse): { status: number; reason: string; fields: string[]; message: string } {
  const s = asStatus(res.body);
  return { status: res.status, reason: s.reason ?? '', fields: (s.details?.causes ?? []).map((c) => c.field ?? ''), message: s.message ?? '' };
}
