// One list+watch cache whose lifecycle we own (style.md item 3): list (paginated) → watch from the list's
// resourceVersion with bookmarks, ~60 s at a time (the server ends it cleanly) → re-watch from the last
// resourceVersion → full relist every relistIntervalMs. A quiet resource gets a bookmark only about every minute or
// two, so a short server-side watch timeout is what keeps a healthy watch talking; silence past it means a dead one.
// ANY error, an unexpected end of the watch, or a watch silent for longer than silenceTimeoutMs restarts it with a
// relist after a jittered exponential backoff (C1, C15); 410 Gone relists at once. The cache survives restarts, so
// the operator keeps its last view of the world while the API server is away, and a relist that finds nothing new
// emits no event (the table hash stays the same).
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF, backoffDelay, jittered, sleep } from './backoff.ts';
import type { BackoffPolicy } from './backoff.ts';
import { isRecord, normalizeObject, objectKey } from './kube/object.ts';
import type { KubeObject } from './kube/object.ts';
import { collectionPath } from './kube/resources.ts';
import type { ResourceKind } from './kube/resources.ts';
import { KubeHttpError, httpError } from './kube/transport.ts';
import type { KubeTransport } from './kube/transport.ts';

export type InformerEvent =
  | { readonly type: 'add'; readonly obj: KubeObject }
  | { readonly type: 'update'; readonly old: KubeObject; readonly obj: KubeObject }
  | { readonly type: 'delete'; readonly obj: KubeObject };

export interface InformerOptions {
  readonly transport: KubeTransport;
  readonly resource: ResourceKind;
  /** Watch one namespace; all namespaces when undefined. */
  readonly namespace?: string | undefined;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly logger: Logger;
  /** Full relist period (jittered ±10%). Default 5 min. */
  readonly relistIntervalMs?: number;
  /**
   * Server-side length of one watch (jittered ±10%); the API server ends it cleanly (with a bookmark just before) and
   * the informer re-watches from the last resourceVersion. Default 60 s.
   */
  readonly watchTimeoutSeconds?: number;
  /** A watch with no line for this long is dead and restarted (a healthy one ends sooner). Default 90 s. */
  readonly silenceTimeoutMs?: number;
  /** A watch that ends sooner than this after it started counts as a failure (no tight reconnect loop). Default 5 s. */
  readonly minHealthyWatchMs?: number;
  /** Page size of lists. Default 500. */
  readonly pageSize?: number;
  readonly backoff?: BackoffPolicy;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
  /** Called on every restart after a failure (metrics). */
  readonly onRestart?: (reason: string) => void;
}

export interface Informer {
  readonly resource: ResourceKind;
  start(): void;
  stop(): Promise<void>;
  /** True once the first list has completed (and stays true: the cache is kept across outages). */
  synced(): boolean;
  /** Resolves when synced (or when stopped). */
  whenSynced(): Promise<void>;
  list(): KubeObject[];
  get(namespace: string, name: string): KubeObject | undefined;
  /** get() by "namespace/name" (a caller that keeps the id string looks it up without building it again). */
  getById(id: string): KubeObject | undefined;
  onEvent(cb: (ev: InformerEvent) => void): void;
}


interface WatchOutcome {
  readonly rv: string;
  readonly gone: boolean;
}

class WatchSilentError extends Error {}

export function createInformer(opts: InformerOptions): Informer {
  const now = opts.now ?? Date.now;
  const log = opts.logger.child({ component: 'informer', resource: opts.resource.plural });
  const relistMs = opts.relistIntervalMs ?? 300_000;
  const silenceMs = opts.silenceTimeoutMs ?? 90_000;
  const watchSeconds = opts.watchTimeoutSeconds ?? 60;
  const pageSize = opts.pageSize ?? 500;
  const minHealthyMs = opts.minHealthyWatchMs ?? 5_000;
  const policy = opts.backoff ?? DEFAULT_BACKOFF;
  const path = collectionPath(opts.resource, opts.namespace);
  const { apiVersion, kind } = opts.resource;

  let cache = new Map<string, KubeObject>();
  const handlers: ((ev: InformerEvent) => void)[] = [];
  const stopper = new AbortController();
  let watchCtl: AbortController | undefined;
  let hasSynced = false;
  let running: Promise<void> | undefined;
  let resolveSynced: () => void = () => undefined;
  const syncedPromise = new Promise<void>((r) => {
    resolveSynced = r;
  });

  function emit(ev: InformerEvent): void {
    for (const h of handlers) {
      try {
        h(ev);
      } catch (err) {
        log.error({ err: err instanceof Error ? err.message : String(err) }, 'informer event handler failed');
      }
    }
  }

  function selectors(params: URLSearchParams): void {
    if (opts.fieldSelector) params.set('fieldSelector', opts.fieldSelector);
    if (opts.labelSelector) params.set('labelSelector', opts.labelSelector);
  }

  async function listAll(): Promise<string> {
    const items: KubeObject[] = [];
    let cont = '';
    let rv: string;
    do {
      const params = new URLSearchParams({ limit: String(pageSize) });
      if (cont) params.set('continue', cont);
      selectors(params);
      const res = await opts.transport.request({ method: 'GET', path: `${path}?${params}`, signal: stopper.signal, timeoutMs: 60_000 });
      if (res.status === 404 && opts.resource.group !== '') {
        throw httpError(res, `list ${opts.resource.plural} (is the ${opts.resource.plural}.${opts.resource.group} CRD installed? kubectl apply -f crds/)`);
      }
      if (res.status !== 200 || !isRecord(res.body)) throw httpError(res, `list ${opts.resource.plural}`);
      const meta = isRecord(res.body.metadata) ? res.body.metadata : {};
      for (const raw of Array.isArray(res.body.items) ? res.body.items : []) {
        const obj = normalizeObject(raw, apiVersion, kind);
        if (obj) items.push(obj);
      }
      rv = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
      cont = typeof meta.continue === 'string' ? meta.continue : '';
    } while (cont !== '');
    replace(items);
    return rv;
  }

  /** Swaps in a fresh list and emits the differences (nothing when the list is what we had). */
  function replace(items: readonly KubeObject[]): void {
    const next = new Map<string, KubeObject>();
    for (const obj of items) next.set(objectKey(obj), obj);
    const old = cache;
    cache = next;
    for (const [key, prev] of old) if (!next.has(key)) emit({ type: 'delete', obj: prev });
    for (const [key, obj] of next) {
      const prev = old.get(key);
      if (prev === undefined) emit({ type: 'add', obj });
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) emit({ type: 'update', old: prev, obj });
    }
  }

  /** Applies one watch line; returns the new resourceVersion, or 'gone' on 410. */
  function applyLine(line: string, rv: string): string | 'gone' {
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new Error('watch sent a line that is not JSON');
    }
    if (!isRecord(ev) || typeof ev.type !== 'string') throw new Error('watch sent an event without a type');
    if (ev.type === 'ERROR') {
      const status = isRecord(ev.object) ? ev.object : {};
      if (status.code === 410) return 'gone';
      const code = typeof status.code === 'number' ? status.code : 500;
      throw new KubeHttpError(code, String(status.reason ?? ''), `watch error: ${String(status.message ?? 'unknown')}`);
    }
    if (ev.type === 'BOOKMARK') {
      // A bookmark carries only metadata.resourceVersion (no name).
      const meta = isRecord(ev.object) && isRecord(ev.object.metadata) ? ev.object.metadata : {};
      return typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' ? meta.resourceVersion : rv;
    }
    const obj = normalizeObject(ev.object, apiVersion, kind);
    if (obj === null) throw new Error(`watch sent a ${ev.type} event without an object`);
    const nextRv = obj.metadata.resourceVersion ?? rv;
    const key = objectKey(obj);
    const prev = cache.get(key);
    if (ev.type === 'DELETED') {
      if (prev !== undefined) {
        cache.delete(key);
        emit({ type: 'delete', obj: prev });
      }
    } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      if (prev === undefined) {
        cache.set(key, obj);
        emit({ type: 'add', obj });
      } else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) {
        cache.set(key, obj);
        emit({ type: 'update', old: prev, obj });
      }
    }
    return nextRv;
  }

  async function watchOnce(startRv: string, timeoutSeconds: number): Promise<WatchOutcome> {
    const params = new URLSearchParams({
      watch: 'true', allowWatchBookmarks: 'true', resourceVersion: startRv, timeoutSeconds: String(timeoutSeconds),
    });
    selectors(params);
    const ctl = new AbortController();
    watchCtl = ctl;
    let rv = startRv;
    let gone = false;
    let silent = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        silent = true;
        ctl.abort();
      }, silenceMs);
    };
    arm();
    try {
      await opts.transport.stream(`${path}?${params}`, (line) => {
        arm();
        if (gone) return;
        const next = applyLine(line, rv);
        if (next === 'gone') {
          gone = true;
          ctl.abort();
        } else rv = next;
      }, AbortSignal.any([ctl.signal, stopper.signal]));
    } catch (err) {
      if (!gone && !stopper.signal.aborted) throw silent ? new WatchSilentError(`watch silent for ${silenceMs} ms`) : err;
    } finally {
      clearTimeout(timer);
      watchCtl = undefined;
    }
    return { rv, gone };
  }

  async function loop(): Promise<void> {
    let failures = 0;
    let rv = '';
    let nextRelistAt = 0;
    while (!stopper.signal.aborted) {
      try {
        if (rv === '' || now() >= nextRelistAt) {
          const t0 = now();
          rv = await listAll();
          nextRelistAt = now() + jittered(relistMs);
          if (!hasSynced) {
            hasSynced = true;
            resolveSynced();
            log.info({ objects: cache.size, ms: now() - t0 }, 'informer synced');
          } else if (failures > 0) {
            log.info({ objects: cache.size }, 'informer relisted after a failure');
          }
        }
        const started = now();
        const timeoutSeconds = Math.max(10, Math.min(Math.round(jittered(watchSeconds)), Math.ceil((nextRelistAt - started) / 1000)));
        const outcome = await watchOnce(rv, timeoutSeconds);
        if (stopper.signal.aborted) break;
        const lasted = now() - started;
        if (outcome.gone) {
          if (lasted < minHealthyMs) throw new Error('410 Gone right after a list');
          log.info('watch expired (410 Gone); relisting');
          rv = '';
          continue;
        }
        rv = outcome.rv;
        if (lasted < Math.min(minHealthyMs, timeoutSeconds * 500)) throw new Error(`watch ended after ${lasted} ms`);
        failures = 0;
      } catch (err) {
        if (stopper.signal.aborted) break;
        failures++;
        rv = '';
        const delay = backoffDelay(policy, failures);
        const reason = err instanceof Error ? err.message : String(err);
        opts.onRestart?.(reason);
        log.warn({ err: reason, attempt: failures, retryInMs: delay }, 'informer failed; restarting with a relist');
        await sleep(delay, stopper.signal);
      }
    }
  }

  return {
    resource: opts.resource,
    start: () => {
      running ??= loop();
    },
    stop: async () => {
      stopper.abort();
      watchCtl?.abort();
      resolveSynced();
      await running;
    },
    synced: () => hasSynced,
    whenSynced: () => syncedPromise,
    list: () => [...cache.values()],
    get: (namespace, name) => cache.get(`${namespace}/${name}`),
    getById: (id) => cache.get(id),
    onEvent: (cb) => {
      handlers.push(cb);
    },
  };
}
