// A small, faithful subset of `kustomize build` for examples/gitops (kustomize is not installed on CI machines):
// `resources` (files and directories holding a kustomization) and `namespace` (set on every object, as kustomize's
// namespace transformer does for namespaced kinds — all of ours are). Anything else — patches, generators,
// components, remote bases, name prefixes — is refused by name, so a layout that starts using it fails here
// instead of being rendered wrongly. Duplicate objects are refused as kustomize refuses them.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources']);

export interface Rendered {
  readonly objects: Record<string, unknown>[];
  /** Every manifest file read (absolute paths), kustomization files excluded. */
  readonly files: string[];
}

export class KustomizeLiteError extends Error {}

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function kustomizationFile(dir: string): string | null {
  for (const name of KUSTOMIZATION_NAMES) {
    try {
      if (statSync(join(dir, name)).isFile()) return join(dir, name);
    } catch {
      // not this name
    }
  }
  return null;
}

function readManifestFile(file: string): Rec[] {
  const out: Rec[] = [];
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new KustomizeLiteError(`${file}: ${doc.errors[0]?.message ?? 'YAML error'}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isRecord(v)) throw new KustomizeLiteError(`${file}: a document is not an object`);
    out.push(v);
  }
  return out;
}

function idOf(o: Rec): string {
  const meta = isRecord(o.metadata) ? o.metadata : {};
  return `${String(o.apiVersion)}/${String(o.kind)}/${String(meta.namespace ?? '')}/${String(meta.name ?? '')}`;
}

/** `kustomize build DIR` for the subset above. */
export function build(dir: string, seen: ReadonlySet<string> = new Set()): Rendered {
  const abs = resolve(dir);
  if (seen.has(abs)) throw new KustomizeLiteError(`${abs}: cycle in resources`);
  const file = kustomizationFile(abs);
  if (file === null) throw new KustomizeLiteError(`${abs}: no kustomization.yaml`);
  const k: unknown = parse(readFileSync(file, 'utf8'));
  if (!isRecord(k)) throw new KustomizeLiteError(`${file}: not a mapping`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) {
    throw new KustomizeLiteError(`${file}: ${unsupported.join(', ')} not supported by this renderer (only resources and namespace; see examples/gitops/README.md)`);
  }
  const objects: Rec[] = [];
  const files: string[] = [];
  const resources = k.resources ?? [];
  if (!Array.isArray(resources)) throw new KustomizeLiteError(`${file}: resources must be a list`);
  for (const r of resources) {
    if (typeof r !== 'string' || /^[a-z]+:\/\//i.test(r) || r.startsWith('github.com/')) throw new KustomizeLiteError(`${file}: resource ${JSON.stringify(r)} is not a local path`);
    const path = resolve(abs, r);
    if (statSync(path).isDirectory()) {
      const sub = build(path, new Set([...seen, abs]));
      objects.push(...sub.objects);
      files.push(...sub.files);
    } else {
      objects.push(...readManifestFile(path));
      files.push(path);
    }
  }
  const out = typeof k.namespace === 'string' && k.namespace !== ''
    ? objects.map((o) => ({ ...o, metadata: { ...(isRecord(o.metadata) ? o.metadata : {}), namespace: k.namespace } }))
    : objects;
  const ids = new Set<string>();
  for (const o of out) {
    const id = idOf(o);
    if (ids.has(id)) throw new KustomizeLiteError(`${file}: may not add resource with an already registered id: ${id}`);
    ids.add(id);
  }
  return { objects: out, files };
}
