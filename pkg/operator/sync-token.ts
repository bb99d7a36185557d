// Where the operator's shared sync token comes from: a file or a key of a Secret, re-read periodically so a rotated
// token is picked up without a restart (the last good token stays in use when a re-read fails). The token value is
// never logged or put in an error message.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { sharedTokenAuth } from '../sync/auth.ts';
import type { SyncAuth } from '../sync/auth.ts';
import { isRecord } from './kube/object.ts';
import { objectPath, SECRETS } from './kube/resources.ts';
import type { KubeTransport } from './kube/transport.ts';

export interface SecretKeyLocation {
  readonly namespace: string;
  readonly name: string;
  readonly key: string;
}

/** "NS/NAME/KEY" → its parts, or null. */
export function parseSecretKeyLocation(text: string): SecretKeyLocation | null {
  const parts = text.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [namespace, name, key] = parts as [string, string, string];
  return { namespace, name, key };
}

export function fileTokenLoader(file: string): () => Promise<string> {
  return async () => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`sync token file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    return text.trim();
  };
}

export function secretTokenLoader(transport: KubeTransport, loc: SecretKeyLocation): () => Promise<string> {
  const where = `Secret ${loc.namespace}/${loc.name}`;
  return async () => {
    const res = await transport.request({ method: 'GET', path: objectPath(SECRETS, loc.namespace, loc.name), timeoutMs: 10_000 });
    if (res.status === 404) throw new Error(`${where} does not exist`);
    if (res.status !== 200 || !isRecord(res.body)) throw new Error(`${where} cannot be read (HTTP ${res.status})`);
    const data = isRecord(res.body.data) ? res.body.data : {};
    const value = data[loc.key];
    if (typeof value !== 'string') throw new Error(`${where} has no key ${loc.key}`);
    return Buffer.from(value, 'base64').toString('utf8').trim();
  };
}

export interface RefreshingAuth extends SyncAuth {
  stop(): void;
}

/**
 * A shared-token SyncAuth whose token is loaded now (rejecting when it cannot be: a startup error) and re-loaded
 * every refreshMs.
 */
export async function refreshingTokenAuth(load: () => Promise<string>, logger: Logger, refreshMs = 30_000): Promise<RefreshingAuth> {
  const first = await load();
  if (first === '') throw new Error('the sync token is empty');
  let current = sharedTokenAuth(first);
  let token = first;
  const timer = setInterval(() => {
    load().then((next) => {
      if (next === '' || next === token) return;
      token = next;
      current = sharedTokenAuth(next);
      logger.info('sync token changed; the new token is in use');
    }, (err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot re-read the sync token; keeping the current one');
    });
  }, refreshMs);
  timer.unref();
  return {
    verify: (candidate) => current.verify(candidate),
    stop: () => clearInterval(timer),
  };
}
