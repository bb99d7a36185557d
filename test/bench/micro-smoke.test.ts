// Smoke test of the stream-translation micro-benchmark: a brief real run (as `npm run bench` spawns it) prints the
// documented JSON for every pair; the summary and latest.json carry it. Timing is not asserted (shared machines).
import { describe, expect, it } from 'vitest';
import { allStdout, createProcessGroup } from '../../bench/procs.ts';
import { formatTranslateBench, GOAL_US_PER_EVENT, PAIRS } from '../../bench/micro/translate.bench.ts';
import type { TranslateBenchResult } from '../../bench/micro/translate.bench.ts';

const script = new URL('../../bench/micro/translate.bench.ts', import.meta.url).pathname;

describe('translate micro-benchmark', () => {
  it('prints one JSON result with a CPU and wall figure per pair, the goal and the verdict', async () => {
    const group = createProcessGroup(false, false);
    try {
      const proc = group.spawnNode({ name: 'translate.bench', stdout: 'pipe', args: [script, '--json', '--rounds', '1', '--min-round-ms', '1', '--text-deltas', '30'] });
      const r = JSON.parse(await allStdout(proc)) as TranslateBenchResult;
      expect(r.benchmark).toBe('translate');
      expect(r.goal_us_per_event).toBe(GOAL_US_PER_EVENT);
      expect(r.shape.text_deltas).toBe(30);
      expect(r.rounds).toBe(1);
      expect(r.pairs.map((p) => p.name)).toEqual(PAIRS.map((p) => p.name));
      expect(r.pairs.filter((p) => p.kind === 'translated').map((p) => `${p.upstream}→${p.client}`))
        .toEqual(['anthropic→openai-chat', 'openai→anthropic-messages', 'openai→openai-responses']);
      for (const p of r.pairs) {
        expect(p.events).toBeGreaterThan(30);
        expect(p.out_bytes_per_stream).toBeGreaterThan(0);
        expect(p.cpu_us_per_event).toBeGreaterThanOrEqual(0);
        expect(p.wall_us_per_event).toBeGreaterThan(0);
        expect(p.pass).toBe(p.cpu_us_per_event <= GOAL_US_PER_EVENT);
      }
      const translated = r.pairs.filter((p) => p.kind === 'translated');
      expect(r.translated_max_cpu_us_per_event).toBe(Math.max(...translated.map((p) => p.cpu_us_per_event)));
      expect(r.pass).toBe(translated.every((p) => p.pass));
      const text = formatTranslateBench(r);
      for (const p of r.pairs) expect(text).toContain(p.name);
    } finally {
      await group.stopAll(1000);
    }
  }, 60_000);
});
