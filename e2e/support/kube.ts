// A tiny Kubernetes REST client for e2e tests: plain HTTPS with the cluster's
// bearer token and CA (undici), discovery-based paths, server-side apply.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fetch, type Dispatcher } from 'undici';
import { parseAllDocuments } from 'yaml';

export interface KubeConnection {
  server: string;
  token: string;
  dispatcher: Dispatcher;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface KubeResponse {
  status: number;
  body: unknown;
  /** The API server's `Warning` headers (deprecations, unknown fields under Warn, CEL cost notes). */
  warnings: string[];
}

/** The `details.causes` of a Kubernetes Status (422 Invalid carries one per field). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: StatusCause[] };
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asStatus(body: unknown): KubeStatus {
  return isRecord(body) ? (body as KubeStatus) : { message: String(body) };
}

export function isKubeObject(v: unknown): v is KubeObject {
  return (
    isRecord(v) &&
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    isRecord(v.metadata) &&
    typeof v.metadata.name === 'string'
  );
}

/** Every object in a multi-document YAML file (empty documents skipped). */
export async function readManifests(file: string): Promise<KubeObject[]> {
  const text = await readFile(file, 'utf8');
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) throw new Error(`${file}: a document is not a Kubernetes object (apiVersion/kind/metadata.name)`);
    out.push(value);
  }
  return out;
}

/** `*.yaml` / `*.yml` files of a directory, sorted. */
export async function yamlFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(dir, n));
}

/** `299 - "text", 299 - "text"` → ["text", "text"]. */
function splitWarnings(header: string | null): string[] {
  if (!header) return [];
  const out: string[] = [];
  const re = /\d{3} \S+ "((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) out.push((m[1] ?? '').replace(/\\(.)/g, '$1'));
  return out;
}

export class KubeClient {
  private readonly conn: KubeConnection;
  private readonly discovery = new Map<string, ApiResource[]>();

  constructor(conn: KubeConnection) {
    this.conn = conn;
  }

  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}`, accept: 'application/json' };
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType;
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${this.conn.server}${path}`, {
      method,
      headers,
      body: payload,
      dispatcher: this.conn.dispatcher,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    const warnings = splitWarnings(res.headers.get('warning'));
    return { status: res.status, body: parsed, warnings };
  }

  async get(path: string): Promise<KubeResponse> {
    return this.request('GET', path);
  }

  private async resources(apiVersion: string, refresh: boolean): Promise<ApiResource[]> {
    const cached = this.discovery.get(apiVersion);
    if (cached && !refresh) return cached;
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const res = await this.get(path);
    if (res.status !== 200 || !isRecord(res.body) || !Array.isArray(res.body.resources)) {
      return [];
    }
    const list = (res.body.resources as unknown[])
      .filter(isRecord)
      .map((r) => ({ name: String(r.name), kind: String(r.kind), namespaced: r.namespaced === true }))
      .filter((r) => !r.name.includes('/'));
    this.discovery.set(apiVersion, list);
    return list;
  }

  /** The collection path of apiVersion/kind (namespaced kinds need a namespace; default "default"). */
  async collectionPath(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    let r = (await this.resources(apiVersion, false)).find((x) => x.kind === kind);
    if (!r) r = (await this.resources(apiVersion, true)).find((x) => x.kind === kind);
    if (!r) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    return r.namespaced ? `${base}/namespaces/${namespace ?? 'default'}/${r.name}` : `${base}/${r.name}`;
  }

  async objectPath(obj: KubeObject): Promise<string> {
    const coll = await this.collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return `${coll}/${encodeURIComponent(obj.metadata.name)}`;
  }

  /**
   * POST (create) — returns the raw response so tests can assert on 201 / 409 / 422.
   * Field validation defaults to Strict, as kubectl does (the server's own default only warns about unknown fields).
   */
  async create(obj: KubeObject, opts: { fieldValidation?: 'Strict' | 'Warn' | 'Ignore' } = {}): Promise<KubeResponse> {
    const coll = await this.collectionPath(obj.apiVersion, obj.kind, obj.metadata.namespace);
    return this.request('POST', `${coll}?fieldValidation=${opts.fieldValidation ?? 'Strict'}`, obj);
  }

  /** Server-side apply (idempotent create-or-update) with field manager "switchyard-e2e". */
  async apply(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeResponse> {
    const q = `?fieldManager=switchyard-e2e&force=true&fieldValidation=Strict${opts.dryRun ? '&dryRun=All' : ''}`;
    return this.request('PATCH', `${await this.objectPath(obj)}${q}`, obj, 'application/apply-patch+yaml');
  }

  async delete(obj: KubeObject): Promise<KubeResponse> {
    return this.request('DELETE', await this.objectPath(obj));
  }

  /** Polls a CRD until its Established condition is True (and NamesAccepted is not False). */
  async waitForCrdEstablished(name: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let last: string;
      const res = await this.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`);
      if (res.status === 200 && isRecord(res.body) && isRecord(res.body.status) && Array.isArray(res.body.status.conditions)) {
        const conds = (res.body.status.conditions as unknown[]).filter(isRecord);
        const names = conds.find((c) => c.type === 'NamesAccepted');
        if (names && names.status === 'False') throw new Error(`CRD ${name}: NamesAccepted=False: ${String(names.message)}`);
        if (conds.some((c) => c.type === 'Established' && c.status === 'True')) return;
        last = JSON.stringify(conds);
      } else {
        last = `HTTP ${res.status}`;
      }
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms (last: ${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
