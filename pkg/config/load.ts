// Reads a directory of manifests for standalone mode: every *.yaml, *.yml and *.json file directly in DIR (not
// subdirectories; dotfiles such as a ConfigMap mount's ..data are skipped, symlinks are followed), multi-document
// YAML, `kind: List` flattened, `${env:NAME}` references in Secret values resolved. A file that does not parse is
// reported as an error for that file and contributes no objects; the other files still load. Messages never carry
// file contents or environment values. `switchyard validate` reads single files as well (readManifestPaths).
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resolveSecretEnv } from './env.ts';
import type { EnvPlaceholder, EnvReference } from './env.ts';

export interface ConfigProblem {
  /** File name relative to the directory (or the directory itself). */
  readonly file: string;
  readonly message: string;
}

export interface LoadedConfig {
  /** Parsed objects in file-name order, then document order. */
  readonly objects: unknown[];
  /** The manifest files read (names relative to the directory, sorted). */
  readonly files: string[];
  /** Files that could not be read or parsed; they contribute no objects. */
  readonly errors: ConfigProblem[];
  /** Non-fatal findings, e.g. an unset environment variable named by a Secret. */
  readonly warnings: ConfigProblem[];
  /** SHA-256 of the names and bytes of the manifest files (changes whenever any of them does). */
  readonly hash: string;
}

export class ConfigDirError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ConfigDirError';
  }
}

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;
/** Larger files are reported as errors rather than parsed. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

function isManifestName(name: string): boolean {
  if (name.startsWith('.') || name.startsWith('#') || name.endsWith('~')) return false;
  const lower = name.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** The manifest file names in DIR (regular files or symlinks to them), sorted. */
export async function listManifestFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigDirError(`cannot read config directory ${dir} (${code})`, err);
  }
  const files: string[] = [];
  for (const name of names.filter(isManifestName).sort()) {
    try {
      if ((await stat(join(dir, name))).isFile()) files.push(name);
    } catch {
      // Vanished between readdir and stat (an editor's rename-replace): the next event reloads it.
    }
  }
  return files;
}

interface RawFile {
  /** As reported: relative to the directory for loadConfigDir, the path as given for readManifestPaths. */
  readonly name: string;
  readonly bytes: Buffer | null;
  readonly error?: string;
}

async function readFiles(entries: readonly { name: string; path: string }[]): Promise<RawFile[]> {
  return Promise.all(entries.map(async ({ name, path }): Promise<RawFile> => {
    try {
      const bytes = await readFile(path);
      if (bytes.length > MAX_FILE_BYTES) return { name, bytes, error: `file is larger than ${MAX_FILE_BYTES} bytes` };
      return { name, bytes };
    } catch (err) {
      return { name, bytes: null, error: `cannot read file (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }));
}

function inDir(dir: string, names: readonly string[]): { name: string; path: string }[] {
  return names.map((name) => ({ name, path: join(dir, name) }));
}

function hashFiles(files: readonly RawFile[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.name).update('\u0000');
    if (f.bytes) h.update(f.bytes);
    h.update('\u0000');
  }
  return h.digest('hex');
}

/** The content hash of DIR's manifests, as in LoadedConfig.hash (used by the watcher to skip no-op events). */
export async function hashConfigDir(dir: string): Promise<string> {
  return hashFiles(await readFiles(inDir(dir, await listManifestFiles(dir))));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One document's objects: a List's items, an array's elements, or the object itself. */
function flatten(value: unknown, out: unknown[], where: string): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) flatten(item, out, where);
    return;
  }
  if (!isRecord(value)) throw new Error(`${where} is not an object (a ${typeof value})`);
  if (value.kind === 'List' && Array.isArray(value.items)) {
    for (const item of value.items) flatten(item, out, `${where} (List item)`);
    return;
  }
  out.push(value);
}

/** A YAML error without the source excerpt the library appends (it could quote a secret). */
function yamlErrorText(err: { code: string; message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const base = err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '').slice(0, 200) ?? 'syntax error';
  const pos = err.linePos?.[0];
  return pos ? `${base} (line ${pos.line}, column ${pos.col})` : base;
}

/** Parses one file's text into objects; throws an Error with a safe message on any syntax problem. */
export function parseManifests(text: string): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  const out: unknown[] = [];
  docs.forEach((doc, i) => {
    const first = doc.errors[0];
    if (first) throw new Error(`YAML syntax error in document ${i + 1}: ${yamlErrorText(first)}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0]?.slice(0, 200) : 'error';
      throw new Error(`document ${i + 1} cannot be converted: ${why}`, { cause: err });
    }
    flatten(value, out, `document ${i + 1}`);
  });
  return out;
}

/** One parsed object and the file it came from, before `${env:NAME}` references are resolved. */
export interface ManifestDocument {
  readonly file: string;
  readonly object: unknown;
}

export interface ReadManifests {
  readonly files: string[];
  readonly documents: ManifestDocument[];
  readonly errors: ConfigProblem[];
  readonly hash: string;
}

function parseFiles(raw: readonly RawFile[]): ReadManifests {
  const documents: ManifestDocument[] = [];
  const errors: ConfigProblem[] = [];
  for (const f of raw) {
    if (f.error !== undefined || f.bytes === null) {
      errors.push({ file: f.name, message: f.error ?? 'cannot read file' });
      continue;
    }
    try {
      for (const object of parseManifests(f.bytes.toString('utf8'))) documents.push({ file: f.name, object });
    } catch (err) {
      errors.push({ file: f.name, message: err instanceof Error ? err.message : 'cannot parse file' });
    }
  }
  return { files: raw.map((f) => f.name), documents, errors, hash: hashFiles(raw) };
}

/** An unset `${env:NAME}` reference and the file that holds it. */
export interface AbsentEnv extends EnvReference {
  readonly file: string;
}

export interface ResolvedDocuments {
  readonly objects: unknown[];
  readonly warnings: ConfigProblem[];
  readonly absent: AbsentEnv[];
}

/** Resolves `${env:NAME}` in every Secret; an unset variable leaves its key out, or takes the placeholder when given. */
export function resolveDocuments(
  documents: readonly ManifestDocument[], env: Readonly<Record<string, string | undefined>>, placeholder?: EnvPlaceholder,
): ResolvedDocuments {
  const out: ResolvedDocuments = { objects: [], warnings: [], absent: [] };
  for (const { file, object } of documents) {
    const resolved = resolveSecretEnv(object, env, placeholder);
    for (const message of resolved.warnings) out.warnings.push({ file, message });
    for (const ref of resolved.absent) out.absent.push({ ...ref, file });
    out.objects.push(resolved.object);
  }
  return out;
}

export async function loadConfigDir(dir: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<LoadedConfig> {
  const files = await listManifestFiles(dir);
  const read = parseFiles(await readFiles(inDir(dir, files)));
  const { objects, warnings } = resolveDocuments(read.documents, env);
  return { objects, files, errors: read.errors, warnings, hash: read.hash };
}

/**
 * Reads files and directories named on a command line (`switchyard validate a.yaml dir/`): a directory contributes
 * its manifest files as loadConfigDir reads them, a file is read whatever its name. Files are named as given
 * (`dir/a.yaml`); a file named twice is read once. A path that cannot be read is an error for that path.
 */
export async function readManifestPaths(paths: readonly string[]): Promise<ReadManifests> {
  const entries: { name: string; path: string }[] = [];
  const errors: ConfigProblem[] = [];
  const seen = new Set<string>();
  const add = (path: string): void => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    entries.push({ name: path, path });
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      errors.push({ file: path, message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    if (!isDir) {
      add(path);
      continue;
    }
    try {
      for (const name of await listManifestFiles(path)) add(join(path, name));
    } catch (err) {
      errors.push({ file: path, message: err instanceof Error ? err.message : `cannot read ${path}` });
    }
  }
  const read = parseFiles(await readFiles(entries));
  return { ...read, errors: [...errors, ...read.errors] };
}
