// The benchmark's configuration: P openai-compatible Providers (each with its key Secret) and R ModelRoutes with two
// weighted targets each, created on the API server with bounded concurrency; and listing them back for an
// in-process compile.
import type { KubeClient, KubeObject } from '../../e2e/support/kube.ts';

export const NS = 'bench';
const API = 'switchyard.dev/v1alpha1';

export function providerName(i: number): string {
  return `p-${i}`;
}

export function routeName(i: number): string {
  return `r-${i}`;
}

/** Targets of route i: providers i mod P and i+1 mod P, weights 1 and `weight`. */
export function routeTargets(i: number, providers: number, weight: number): { provider: string; weight: number }[] {
  return [{ provider: providerName(i % providers), weight: 1 }, { provider: providerName((i + 1) % providers), weight }];
}

export function benchObjects(providers: number, routes: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < providers; i++) {
    out.push({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: `key-${i}`, namespace: NS }, stringData: { apiKey: `sk-bench-${i}` } });
    out.push({
      apiVersion: API, kind: 'Provider', metadata: { name: providerName(i), namespace: NS },
      // Port 9 (discard): the benchmark never sends a request upstream.
      spec: { type: 'openai-compatible', baseURL: `http://127.0.0.1:9/v1/p${i}`, auth: { secretRef: { name: `key-${i}`, key: 'apiKey' } } },
    });
  }
  for (let i = 0; i < routes; i++) {
    out.push({ apiVersion: API, kind: 'ModelRoute', metadata: { name: routeName(i), namespace: NS }, spec: { model: `model-${i}`, targets: routeTargets(i, providers, 2) } });
  }
  return out;
}

export interface CreateStats {
  readonly objects: number;
  readonly ms: number;
  readonly perSecond: number;
}

/** POSTs every object, `concurrency` at a time; 409 (already there) counts as done. Throws on any other failure. */
export async function createAll(kube: KubeClient, objs: readonly KubeObject[], concurrency: number): Promise<CreateStats> {
  const t0 = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const obj = objs[i];
      if (obj === undefined) return;
      let res = await kube.create(obj);
      for (let attempt = 0; res.status === 429 || res.status >= 500; attempt++) {
        if (attempt > 5) break;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        res = await kube.create(obj);
      }
      if (res.status !== 201 && res.status !== 409) {
        throw new Error(`create ${obj.kind} ${obj.metadata.name}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const ms = performance.now() - t0;
  return { objects: objs.length, ms: Math.round(ms), perSecond: Math.round(objs.length / (ms / 1000)) };
}

/** Every object of `kind` in the namespace, as the API server stores them (metadata.generation set). */
export async function listAll(kube: KubeClient, apiVersion: string, kind: string): Promise<unknown[]> {
  const path = await kube.collectionPath(apiVersion, kind, NS);
  const out: unknown[] = [];
  let cont = '';
  do {
    const res = await kube.get(`${path}?limit=5000${cont === '' ? '' : `&continue=${encodeURIComponent(cont)}`}`);
    if (res.status !== 200) throw new Error(`list ${kind}: HTTP ${res.status}`);
    const body = res.body as { items?: Record<string, unknown>[]; metadata?: { continue?: string } };
    for (const item of body.items ?? []) out.push({ apiVersion, kind, ...item });
    cont = body.metadata?.continue ?? '';
  } while (cont !== '');
  return out;
}

/** A JSON merge patch body for route i with the second target's weight set to `weight`. */
export function weightPatch(i: number, providers: number, weight: number): Record<string, unknown> {
  return { spec: { targets: routeTargets(i, providers, weight) } };
}
