// Smoke test of the benchmark tools: the mock upstream and the open-loop load generator as real processes on
// loopback (no gateway), plus the pure parts (percentiles, step verdicts, manifests, CPU-profile summary).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchManifests } from '../../bench/gateway-config.ts';
import { createRecorder } from '../../bench/histogram.ts';
import type { LoadResult } from '../../bench/loadgen.ts';
import { judgeStep } from '../../bench/phases.ts';
import { summariseProfile } from '../../bench/cpu-profile.ts';
import { allStdout, createProcessGroup, firstJsonLine } from '../../bench/procs.ts';
import { ModelRoute } from '../../pkg/api/modelroute.ts';
import { Provider } from '../../pkg/api/provider.ts';
import { ApiKeyFields, Secret, secretValues } from '../../pkg/api/secret.ts';

const bench = (f: string): string => new URL(`../../bench/${f}`, import.meta.url).pathname;

describe('loadgen against the mock upstream', () => {
  const group = createProcessGroup(false, false);
  let port = 0;

  beforeAll(async () => {
    const mock = group.spawnNode({ name: 'mock', stdout: 'pipe', args: [bench('mock-upstream.ts'), '--port', '0', '--exit-on-stdin-close', '--max-lifetime', '60'] });
    const ready = (await firstJsonLine(mock, 10_000)) as { port: number };
    port = ready.port;
  });
  afterAll(() => group.stopAll(2000));

  it('mock answers a chat completion with usage, and SSE when asked to stream', async () => {
    const url = `http://127.0.0.1:${port}/v1/chat/completions`;
    const json = await fetch(url, { method: 'POST', body: '{"model":"m","messages":[]}' });
    expect(json.status).toBe(200);
    const body = (await json.json()) as { choices: unknown[]; usage: { total_tokens: number } };
    expect(body.choices).toHaveLength(1);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    const sse = await fetch(url, { method: 'POST', body: '{"model":"m","stream": true}' });
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    expect((await sse.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('runs ~1 s open loop at 200 RPS and prints the documented JSON with the achieved rate near target', async () => {
    const gen = group.spawnNode({
      name: 'loadgen', stdout: 'pipe',
      args: [bench('loadgen.ts'), '--url', `http://127.0.0.1:${port}/v1/chat/completions`, '--rate', '200', '--duration', '1', '--warmup', '0.3', '--connections', '16'],
    });
    const res = JSON.parse(await allStdout(gen)) as LoadResult;
    expect(res.target_rps).toBe(200);
    expect(res.sent).toBeGreaterThanOrEqual(199);
    expect(res.sent).toBeLessThanOrEqual(201);
    expect(res.ok).toBe(res.sent);
    expect(res.errors + res.timeouts + res.non2xx).toBe(0);
    expect(res.status_codes).toEqual({ '200': res.sent });
    expect(res.achieved_rps).toBeGreaterThan(180);
    expect(res.achieved_rps).toBeLessThanOrEqual(202);
    expect(res.total_completed).toBeGreaterThan(res.sent);
    for (const s of [res.latency, res.service_time]) {
      expect(s.count).toBe(res.sent);
      expect(s.p50_ms).toBeGreaterThan(0);
      expect(s.p50_ms).toBeLessThanOrEqual(s.p90_ms);
      expect(s.p90_ms).toBeLessThanOrEqual(s.p99_ms);
      expect(s.p99_ms).toBeLessThanOrEqual(s.max_ms);
    }
    // Scheduled-time latency can only be longer than the time from actual hand-off.
    expect(res.latency.max_ms).toBeGreaterThanOrEqual(res.service_time.max_ms);
  });
});

describe('bench helpers', () => {
  it('percentiles are nearest-rank over the recorded samples', () => {
    const r = createRecorder(4);
    for (let i = 100; i >= 1; i--) r.record(i);
    const s = r.summary();
    expect([s.count, s.min_ms, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms]).toEqual([100, 1, 50, 90, 99, 100]);
  });

  it('a step fails on error rate, p99 or a rate the system did not keep up with', () => {
    const base = { target_rps: 8000, achieved_rps: 7990, error_rate: 0, latency: { p99_ms: 12 } } as LoadResult;
    const c = { maxErrorRate: 0.001, maxP99Ms: 50, minAchievedRatio: 0.97 };
    expect(judgeStep(base, c)).toEqual([]);
    expect(judgeStep({ ...base, error_rate: 0.002 }, c)).toHaveLength(1);
    expect(judgeStep({ ...base, latency: { ...base.latency, p99_ms: 51 } }, c)).toHaveLength(1);
    expect(judgeStep({ ...base, achieved_rps: 7000 }, c)).toHaveLength(1);
  });

  it('bench manifests are valid Provider, API-key Secret and ModelRoute objects', () => {
    const [provider, secret, route] = benchManifests(4321, 'sk-bench-0123456789');
    expect(Provider.parse(provider).spec.baseURL).toBe('http://127.0.0.1:4321/v1');
    const s = Secret.parse(secret);
    expect(s.metadata.labels?.['switchyard.dev/api-key']).toBe('true');
    expect(ApiKeyFields.parse(secretValues(s)).team).toBe('bench');
    expect(ModelRoute.parse(route).spec.targets).toEqual([{ provider: 'bench-upstream', weight: 1, priority: 0 }]);
  });

  it('summarises a .cpuprofile by self time, leaving idle out of the percentages', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9, columnNumber: 0, scriptId: '1' });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('parse', `file://${process.cwd()}/pkg/stream/sse.ts`), children: [4] },
        { id: 4, callFrame: frame('write', 'file:///x/node_modules/pino/lib/proto.js') },
      ],
      samples: [2, 3, 3, 4, 2], timeDeltas: [5000, 3000, 3000, 2000, 5000],
    };
    const s = summariseProfile(profile, 10);
    expect(s.busy_ms).toBe(8);
    expect(s.functions[0]).toEqual({ name: 'parse', where: 'pkg/stream/sse.ts:10', self_ms: 6, self_pct: 75 });
    expect(s.packages.map((p) => p.name)).toEqual(['pkg/stream', 'pino']);
    // `write` is called from `parse`: parse's inclusive time covers both.
    expect(s.own_inclusive.map((f) => [f.name, f.self_ms])).toEqual([['parse', 8]]);
    // Samples end at 5, 8, 11, 13 and 18 ms: from 9 ms on, one `parse` and the `write` remain.
    const late = summariseProfile(profile, 10, 9000);
    expect(late.busy_ms).toBe(5);
    expect(late.functions.map((f) => [f.name, f.self_ms])).toEqual([['parse', 3], ['write', 2]]);
  });
});
