// The operator's four caches: ModelRoutes, Providers, Quotas (switchyard.dev/v1alpha1) and Secrets, in one
// namespace or all. Nothing may be published before every one of them has completed its first list (C2).
import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff.ts';
import { createInformer } from './informer.ts';
import type { Informer, InformerEvent } from './informer.ts';
import type { KubeObject } from './kube/object.ts';
import { MODEL_ROUTES, PROVIDERS, QUOTAS, SECRETS } from './kube/resources.ts';
import type { KubeTransport } from './kube/transport.ts';

/**
 * Secrets of these types are never provider credentials or API keys and can be large (Helm keeps every release in
 * one), so they are not cached.
 */
export const IGNORED_SECRET_TYPES = ['helm.sh/release.v1'] as const;

export interface InformerSetOptions {
  readonly transport: KubeTransport;
  /** One namespace, or all when undefined. */
  readonly namespace?: string | undefined;
  readonly logger: Logger;
  readonly relistIntervalMs?: number;
  readonly silenceTimeoutMs?: number;
  readonly watchTimeoutSeconds?: number;
  readonly backoff?: BackoffPolicy;
  readonly onRestart?: (resource: string, reason: string) => void;
}

/** The caches as plain arrays: the input of gather(). */
export interface CacheContents {
  readonly providers: readonly KubeObject[];
  readonly routes: readonly KubeObject[];
  readonly quotas: readonly KubeObject[];
  readonly secrets: readonly KubeObject[];
}

export interface InformerSet {
  readonly routes: Informer;
  readonly providers: Informer;
  readonly quotas: Informer;
  readonly secrets: Informer;
  readonly all: readonly Informer[];
  start(): void;
  stop(): Promise<void>;
  /** True only after every informer has completed its first list. */
  synced(): boolean;
  whenSynced(): Promise<void>;
  contents(): CacheContents;
  /** The cached object of a status-bearing kind, by kind name. */
  get(kind: string, namespace: string, name: string): KubeObject | undefined;
  /** get() by kind name and "namespace/name". */
  getById(kind: string, id: string): KubeObject | undefined;
  onEvent(cb: (ev: InformerEvent) => void): void;
}

export function createInformerSet(opts: InformerSetOptions): InformerSet {
  const make = (resource: typeof MODEL_ROUTES, fieldSelector?: string): Informer =>
    createInformer({
      transport: opts.transport, resource, namespace: opts.namespace, logger: opts.logger,
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
      ...(opts.relistIntervalMs === undefined ? {} : { relistIntervalMs: opts.relistIntervalMs }),
      ...(opts.silenceTimeoutMs === undefined ? {} : { silenceTimeoutMs: opts.silenceTimeoutMs }),
      ...(opts.watchTimeoutSeconds === undefined ? {} : { watchTimeoutSeconds: opts.watchTimeoutSeconds }),
      ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
      onRestart: (reason) => opts.onRestart?.(resource.plural, reason),
    });
  const routes = make(MODEL_ROUTES);
  const providers = make(PROVIDERS);
  const quotas = make(QUOTAS);
  const secrets = make(SECRETS, IGNORED_SECRET_TYPES.map((t) => `type!=${t}`).join(','));
  const all = [routes, providers, quotas, secrets];
  const byKind = new Map<string, Informer>(all.map((i) => [i.resource.kind, i]));

  return {
    routes, providers, quotas, secrets, all,
    start: () => {
      for (const i of all) i.start();
    },
    stop: async () => {
      await Promise.all(all.map((i) => i.stop()));
    },
    synced: () => all.every((i) => i.synced()),
    whenSynced: async () => {
      await Promise.all(all.map((i) => i.whenSynced()));
    },
    contents: () => ({ providers: providers.list(), routes: routes.list(), quotas: quotas.list(), secrets: secrets.list() }),
    get: (kind, namespace, name) => byKind.get(kind)?.get(namespace, name),
    getById: (kind, id) => byKind.get(kind)?.getById(id),
    onEvent: (cb) => {
      for (const i of all) i.onEvent(cb);
    },
  };
}
