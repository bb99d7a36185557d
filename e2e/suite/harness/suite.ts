// Vitest wiring shared by the suite files: one world per file, started in beforeAll and stopped in afterAll. A setup
// failure fails every test (never a skip), and a failed test prints the tails of every process log.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startWorld } from './world.ts';
import type { World, WorldOptions } from './world.ts';

export const SETUP_TIMEOUT_MS = 180_000;

export function useWorld(opts: WorldOptions): () => World {
  let world: World | undefined;
  let setupError: unknown;
  let failed = false;
  beforeAll(async () => {
    const t0 = performance.now();
    try {
      world = await startWorld(opts);
      console.log(`e2e ${opts.name}: world ready in ${Math.round(performance.now() - t0)} ms (logs: ${world.logDir})`);
    } catch (err) {
      setupError = err;
    }
  }, SETUP_TIMEOUT_MS);
  beforeEach((ctx) => {
    if (setupError !== undefined) throw setupError;
    ctx.onTestFailed(() => {
      failed = true;
      if (world !== undefined) console.error(`e2e ${opts.name}: "${ctx.task.name}" failed\n${world.report()}`);
    });
  });
  afterAll(async () => {
    // Logs stay for a failed run (their path is in the failure report) and whenever SWITCHYARD_E2E_LOG_DIR is set.
    const keepLogs = failed || (process.env.SWITCHYARD_E2E_LOG_DIR ?? '') !== '';
    await world?.stop({ keepLogs });
    if (keepLogs && world !== undefined) console.log(`e2e ${opts.name}: logs kept in ${world.logDir}`);
  }, 60_000);
  return () => {
    if (world === undefined) throw setupError instanceof Error ? setupError : new Error('the e2e world did not start');
    return world;
  };
}
