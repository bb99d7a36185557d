// Where the operator's API-server credentials come from: --kubeconfig FILE, else in-cluster (the pod's
// ServiceAccount), else $KUBECONFIG, else ~/.kube/config.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  /** --kubeconfig; wins over everything else. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Prefix of /var/run/secrets/kubernetes.io/serviceaccount (client-node's pathPrefix; tests point it elsewhere). */
  readonly rootPrefix?: string;
  /** Default os.homedir(). */
  readonly home?: string;
}

export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  /** "in-cluster", or the kubeconfig file used. */
  readonly source: string;
  /** The namespace the process runs in (in-cluster), or the context's namespace, else "default". */
  readonly namespace: string;
}

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

function fromFile(file: string): KubeConfig {
  if (!existsSync(file)) throw new KubeConfigError(`kubeconfig ${file} does not exist`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new KubeConfigError(`cannot read kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (kc.getCurrentCluster() === null) throw new KubeConfigError(`kubeconfig ${file} has no current context/cluster`);
  return kc;
}

function contextNamespace(kc: KubeConfig): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return ctx?.namespace ?? 'default';
}

export function loadKubeConfig(src: KubeConfigSource): LoadedKubeConfig {
  if (src.file !== undefined && src.file !== '') {
    const kc = fromFile(src.file);
    return { kc, source: src.file, namespace: contextNamespace(kc) };
  }
  const prefix = src.rootPrefix ?? '';
  const saDir = `${prefix}${SERVICE_ACCOUNT_DIR}`;
  if (src.env['KUBERNETES_SERVICE_HOST'] && existsSync(join(saDir, 'token'))) {
    const kc = new KubeConfig();
    kc.loadFromCluster(prefix);
    const nsFile = join(saDir, 'namespace');
    let namespace = src.env['POD_NAMESPACE'] ?? 'default';
    if (existsSync(nsFile)) namespace = readText(nsFile) || namespace;
    return { kc, source: 'in-cluster', namespace };
  }
  const fromEnv = (src.env['KUBECONFIG'] ?? '').split(delimiter).find((f) => f !== '');
  if (fromEnv !== undefined) {
    const kc = fromFile(fromEnv);
    return { kc, source: fromEnv, namespace: contextNamespace(kc) };
  }
  const home = join(src.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) {
    const kc = fromFile(home);
    return { kc, source: home, namespace: contextNamespace(kc) };
  }
  throw new KubeConfigError('no Kubernetes credentials: not in a cluster, $KUBECONFIG is unset and ~/.kube/config does not exist; pass --kubeconfig FILE');
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
