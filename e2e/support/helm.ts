// The helm binary built by scripts/k8s-testenv.sh, run against charts/switchyard: lint, template (rendered documents
// parsed with their source template) and, with a kubeconfig, install / uninstall.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './kube.ts';
import { REPO_ROOT, requireTestenvBinaries } from './testenv.ts';

const run = promisify(execFile);

export const CHART_DIR = join(REPO_ROOT, 'charts', 'switchyard');
/** The Kubernetes version templates and lint are evaluated for (the test apiserver's minor). */
export const KUBE_VERSION = '1.36.0';

export interface RenderedDoc {
  /** `templates/x.yaml` from helm's `# Source:` comment. */
  readonly source: string;
  /** The document's text as rendered (comments included). */
  readonly text: string;
  readonly obj: KubeObject;
}

export interface HelmResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function helmBinary(): string {
  return join(requireTestenvBinaries(['helm']), 'helm');
}

/** Runs helm; rejects with stderr in the message on a non-zero exit. */
export async function helm(args: readonly string[], opts: { kubeconfig?: string; timeoutMs?: number } = {}): Promise<HelmResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // A private helm home: no user repositories, plugins or cache shared with the machine.
    HELM_CACHE_HOME: join(REPO_ROOT, '.cache', 'helm', 'cache'),
    HELM_CONFIG_HOME: join(REPO_ROOT, '.cache', 'helm', 'config'),
    HELM_DATA_HOME: join(REPO_ROOT, '.cache', 'helm', 'data'),
    KUBECONFIG: opts.kubeconfig ?? join(REPO_ROOT, '.cache', 'helm', 'no-kubeconfig'),
  };
  try {
    const { stdout, stderr } = await run(helmBinary(), [...args], { env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr };
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}\n${(e.stdout ?? '').slice(-2000)}`, { cause: err });
  }
}

/** Drops helm's notice about the files/crds symlink (expected: the chart reads the repository's crds/). */
export function helmNoise(stderr: string): string {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/found symbolic link in path: .*files\/crds resolves to/.test(l)).join('\n');
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
  /** Values files, applied in order. */
  readonly valuesFiles?: readonly string[];
  /** --set-json pairs, e.g. ['proxy.auth="open"']. */
  readonly setJson?: readonly string[];
}

export function templateArgs(o: RenderOptions): string[] {
  return [
    o.release ?? 'sy', CHART_DIR, '--namespace', o.namespace ?? 'switchyard', '--kube-version', KUBE_VERSION,
    ...(o.valuesFiles ?? []).flatMap((f) => ['--values', f]),
    ...(o.setJson ?? []).flatMap((s) => ['--set-json', s]),
  ];
}

/** `helm template` output as text. */
export async function renderText(o: RenderOptions = {}): Promise<string> {
  return (await helm(['template', ...templateArgs(o)])).stdout;
}

export function parseRendered(text: string): RenderedDoc[] {
  const out: RenderedDoc[] = [];
  for (const chunk of text.split(/^---\s*$/m)) {
    if (chunk.trim() === '') continue;
    const source = /^# Source: [^/]+\/(.+)$/m.exec(chunk)?.[1] ?? '';
    const docs = parseAllDocuments(chunk);
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as KubeObject | null;
      if (obj === null || obj === undefined) continue;
      out.push({ source, text: chunk.trim(), obj });
    }
  }
  return out;
}

export async function render(o: RenderOptions = {}): Promise<RenderedDoc[]> {
  return parseRendered(await renderText(o));
}

/** `Kind/namespace/name` (namespace empty for cluster-scoped objects). */
export function objectKey(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}
