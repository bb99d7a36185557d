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

class DirWatcher implements ConfigWatcher {
  readonly #opts: WatchOptions;
  readonly #log: Logger;
  #lastHash: string;
  #timer: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #fsw: FSWatcher | undefined;
  #running = false;
  #again = false;
  #closed = false;

  constructor(opts: WatchOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'config-watch' });
    this.#lastHash = opts.initialHash;
    this.#startFsWatch();
    const pollMs = opts.pollMs ?? 5000;
    if (pollMs > 0) {
      this.#poll = setInterval(() => {
        if (!this.#fsw) this.#startFsWatch();
        void this.#check();
      }, pollMs);
      this.#poll.unref();
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#poll) clearInterval(this.#poll);
    this.#fsw?.close();
    this.#fsw = undefined;
  }

  #schedule = (): void => {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#check();
    }, this.#opts.debounceMs ?? 200);
  };

  #startFsWatch(): void {
    const dir = this.#opts.dir;
    try {
      this.#fsw = watch(dir, { persistent: false }, this.#schedule);
      this.#fsw.on('error', (err) => {
        this.#log.warn({ dir, err: err.message }, 'config directory watch failed; relying on polling');
        this.#fsw?.close();
        this.#fsw = undefined;
      });
    } catch (err) {
      this.#log.warn({ dir, err: err instanceof Error ? err.message : String(err) }, 'cannot watch config directory; relying on polling');
    }
  }

  /** Hash the directory; call onChange when it differs. Serialised: a check during a check runs once more after it. */
  async #check(): Promise<void> {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    try {
      do {
        this.#again = false;
        await this.#checkOnce();
      } while (this.#again && !this.#closed);
    } finally {
      this.#running = false;
    }
  }

  async #checkOnce(): Promise<void> {
    let hash: string;
    try {
      hash = await hashConfigDir(this.#opts.dir);
    } catch (err) {
      this.#log.warn({ dir: this.#opts.dir, err: err instanceof Error ? err.message : String(err) }, 'config directory unreadable; keeping the current configuration');
      return;
    }
    if (hash === this.#lastHash || this.#closed) return;
    this.#lastHash = hash;
    try {
      await this.#opts.onChange(hash);
    } catch (err) {
      this.#log.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload handler failed');
    }
  }
}

export function watchConfigDir(opts: WatchOptions): ConfigWatcher {
  return new DirWatcher(opts);
}
