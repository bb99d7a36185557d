import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashConfigDir } from '../../pkg/config/load.ts';
import { watchConfigDir } from '../../pkg/config/watch.ts';
import type { ConfigWatcher } from '../../pkg/config/watch.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const logger = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let watcher: ConfigWatcher | undefined;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'swy-watch-')); });
afterEach(async () => {
  watcher?.close();
  await rm(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

describe('watchConfigDir', () => {
  it('debounces a burst of writes into one change and skips no-op events', async () => {
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    const changes: string[] = [];
    watcher = watchConfigDir({ dir, initialHash: await hashConfigDir(dir), onChange: (h) => { changes.push(h); }, logger, debounceMs: 100, pollMs: 0 });
    for (let i = 2; i < 6; i++) {
      await writeFile(join(dir, 'a.yaml'), `a: ${i}\n`);
      await sleep(10);
    }
    await until(() => changes.length === 1);
    await sleep(250);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toBe(await hashConfigDir(dir));
    // Same bytes rewritten, an unrelated file and an editor swap file: no change.
    await writeFile(join(dir, 'a.yaml'), 'a: 5\n');
    await writeFile(join(dir, 'notes.txt'), 'x');
    await writeFile(join(dir, '.a.yaml.swp'), 'x');
    await sleep(350);
    expect(changes).toHaveLength(1);
  });

  it('sees an editor\'s write-temp-then-rename replace', async () => {
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    const changes: string[] = [];
    watcher = watchConfigDir({ dir, initialHash: await hashConfigDir(dir), onChange: (h) => { changes.push(h); }, logger, debounceMs: 50, pollMs: 0 });
    await writeFile(join(dir, '.a.yaml.tmp'), 'a: 2\n');
    await rename(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml'));
    await until(() => changes.length === 1);
  });

  it('never runs onChange concurrently and re-checks after a slow handler', async () => {
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    let active = 0;
    let maxActive = 0;
    const seen: string[] = [];
    watcher = watchConfigDir({
      dir, initialHash: await hashConfigDir(dir), logger, debounceMs: 20, pollMs: 0,
      onChange: async (h) => {
        active++;
        maxActive = Math.max(maxActive, active);
        seen.push(h);
        await sleep(200);
        active--;
      },
    });
    await writeFile(join(dir, 'a.yaml'), 'a: 2\n');
    await sleep(80);
    await writeFile(join(dir, 'a.yaml'), 'a: 3\n');
    await until(() => seen.length === 2);
    expect(maxActive).toBe(1);
    expect(seen[1]).toBe(await hashConfigDir(dir));
  });

  it('the poll fallback notices changes without fs events, and close() stops everything', async () => {
    await writeFile(join(dir, 'a.yaml'), 'a: 1\n');
    const changes: string[] = [];
    watcher = watchConfigDir({ dir, initialHash: 'stale-hash', onChange: (h) => { changes.push(h); }, logger, debounceMs: 10_000, pollMs: 100 });
    await until(() => changes.length === 1);
    watcher.close();
    await writeFile(join(dir, 'a.yaml'), 'a: 2\n');
    await sleep(300);
    expect(changes).toHaveLength(1);
  });
});
