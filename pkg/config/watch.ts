// Watches a config directory and calls onChange once per settled change. fs.watch on the directory (not on files)
// sees editors' write-to-temp-then-rename and Kubernetes ConfigMap ..data symlink swaps; events are debounced; a
// content hash of the manifest files skips no-op events (touch, editor swap files, a save without changes). A slow
// poll backs up fs.watch where events do not arrive (some network and container bind mounts). Calls never overlap.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { hashConfigDir } from './load.ts';

export interface WatchOptions {
  readonly dir: string;
  /** Hash of the content already loaded (LoadedConfig.hash); changes are relative to it. */
  readonly initialHash: string;
  /** Called with the new content hash after the directory changed and settled. */
  readonly onChange: (hash: string) => Promise<void> | void;
  readonly logger: Logger;
  /** Quiet time before a burst of events counts as one change. Default 200 ms. */
  readonly debounceMs?: number;
  /** Safety-net poll interval; 0 disables. Default 5000 ms. */
  readonly pollMs?: number;
}

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigDir(opts: WatchOptions): ConfigWatcher {
  const debounceMs = opts.debounceMs ?? 200;
  const pollMs = opts.pollMs ?? 5000;
  const log = opts.logger.child({ component: 'config-watch' });
  let lastHash = opts.initialHash;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let closed = false;
  let fsw: FSWatcher | undefined;

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        let hash: string;
        try {
          hash = await hashConfigDir(opts.dir);
        } catch (err) {
          log.warn({ dir: opts.dir, err: err instanceof Error ? err.message : String(err) }, 'config directory unreadable; keeping the current configuration');
          break;
        }
        if (hash === lastHash || closed) continue;
        lastHash = hash;
        try {
          await opts.onChange(hash);
        } catch (err) {
          log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload handler failed');
        }
      } while (again && !closed);
    } finally {
      running = false;
    }
  };

  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void check();
    }, debounceMs);
  };

  const startFsWatch = (): void => {
    try {
      fsw = watch(opts.dir, { persistent: false }, schedule);
      fsw.on('error', (err) => {
        log.warn({ dir: opts.dir, err: err.message }, 'config directory watch failed; relying on polling');
        fsw?.close();
        fsw = undefined;
      });
    } catch (err) {
      log.warn({ dir: opts.dir, err: err instanceof Error ? err.message : String(err) }, 'cannot watch config directory; relying on polling');
    }
  };

  startFsWatch();
  const poll = pollMs > 0 ? setInterval(() => {
    if (!fsw) startFsWatch();
    void check();
  }, pollMs) : undefined;
  poll?.unref();

  return {
    close(): void {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      fsw?.close();
      fsw = undefined;
    },
  };
}
