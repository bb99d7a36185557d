// A background watcher for invariants that must hold at every instant, not only at the end of a case: at most one
// operator says it leads; no proxy's table version ever goes down; a proxy that was ready stays ready (it keeps
// serving its last table whatever happens to the control plane). Polls every `intervalMs` until stopped.
import type { World } from './world.ts';

export interface SampleLog {
  /** Polls done. */
  readonly samples: number;
  /** Instants at which more than one operator said it was the leader. */
  readonly doubleLeaders: readonly string[];
  /** Proxy versions that went down, e.g. "proxy-1 v2000003 → v1000007". */
  readonly regressions: readonly string[];
  /** Proxies seen not ready after having been ready (while running). */
  readonly unready: readonly string[];
  /** Every (version, hash) each proxy was seen serving, in order. */
  readonly served: ReadonlyMap<string, readonly string[]>;
}

export interface Sampler {
  snapshot(): SampleLog;
  stop(): Promise<SampleLog>;
}

export function startSampler(world: World, intervalMs = 250): Sampler {
  let samples = 0;
  const doubleLeaders: string[] = [];
  const regressions: string[] = [];
  const unready: string[] = [];
  const served = new Map<string, string[]>();
  const lastVersion = new Map<string, number>();
  let stopped = false;

  const poll = async (): Promise<void> => {
    const [leaders, tables] = await Promise.all([
      world.leaders(),
      Promise.all(world.proxies.map(async (p) => [p, p.proc.running ? await world.proxyTable(p) : undefined] as const)),
    ]);
    samples++;
    const at = new Date().toISOString();
    if (leaders.length > 1) doubleLeaders.push(`${at}: ${leaders.map((l) => l.identity).join(' and ')}`);
    for (const [p, t] of tables) {
      if (t === undefined || !p.proc.running) continue;
      const prev = lastVersion.get(p.id);
      if (t === null) {
        if (prev !== undefined) unready.push(`${at}: ${p.id} not ready (last served v${prev})`);
        continue;
      }
      if (prev !== undefined && t.version < prev) regressions.push(`${at}: ${p.id} v${prev} → v${t.version}`);
      lastVersion.set(p.id, t.version);
      const list = served.get(p.id) ?? [];
      const entry = `v${t.version}:${t.hash.slice(0, 12)}`;
      if (list[list.length - 1] !== entry) list.push(entry);
      served.set(p.id, list);
    }
  };

  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      await poll().catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();

  const snapshot = (): SampleLog => ({
    samples, doubleLeaders: [...doubleLeaders], regressions: [...regressions], unready: [...unready], served: new Map(served),
  });
  return {
    snapshot,
    async stop() {
      stopped = true;
      await loop;
      return snapshot();
    },
  };
}
