// Provider spec.outlierDetection, spec.saturation and spec.metrics compiled into the table (durations in ms, the
// metrics URL defaulted to the baseURL origin + /metrics and checked like a base URL); rejected when no URL can be had.
import { describe, expect, it } from 'vitest';
import { compile } from '../../pkg/compiler/index.ts';

const API = 'switchyard.dev/v1alpha1';
const prov = (name: string, spec: Record<string, unknown>): unknown => ({ apiVersion: API, kind: 'Provider', metadata: { name, namespace: 'default' }, spec });

describe('Provider health fields in the table', () => {
  it('outlierDetection with defaults filled in; saturation and metrics in ms with the default URL', () => {
    const { table, statuses } = compile([
      prov('pool', {
        type: 'openai-compatible', preset: 'vllm', baseURL: 'http://vllm.models.svc:8000/v1',
        outlierDetection: { consecutiveFailures: 3, errorRate: { threshold: 0.5 }, baseEjection: '10m' },
        saturation: { maxQueueDepth: 8, maxKVCacheUsage: 0.9, maxLatency: '5s' },
      }),
      prov('plain', { type: 'openai-compatible', baseURL: 'http://127.0.0.1:9/v1' }),
    ]);
    expect(statuses.every((s) => s.conditions.every((c) => c.status === 'True'))).toBe(true);
    const p = table.providers['default/pool'];
    expect(p?.outlierDetection).toEqual({
      consecutiveFailures: 3, errorRate: { threshold: 0.5, minRequests: 20, windowMs: 30_000 },
      baseEjectionMs: 600_000, maxEjectionMs: 600_000, maxEjectedPercent: 50,
    });
    expect(p?.saturation).toEqual({ maxQueueDepth: 8, maxKVCacheUsage: 0.9, maxLatencyMs: 5000 });
    expect(p?.metrics).toEqual({ url: 'http://vllm.models.svc:8000/metrics', intervalMs: 5000 });
    // Nothing set: nothing in the table (the proxy applies the defaults; hashes of existing tables do not move).
    const plain = table.providers['default/plain'];
    expect(plain && 'outlierDetection' in plain).toBe(false);
    expect(plain && 'metrics' in plain).toBe(false);
  });

  it('an explicit metrics URL is normalised; an unsafe one or none derivable is Invalid', () => {
    const { table, statuses } = compile([
      prov('a', { type: 'openai-compatible', baseURL: 'http://10.0.0.1:8000/v1', metrics: { url: 'http://10.0.0.1:8002/metrics/', interval: '1s' } }),
      prov('b', { type: 'openai-compatible', baseURL: 'http://10.0.0.1:8000/v1', metrics: { url: 'http://169.254.169.254/metrics' } }),
      prov('c', { type: 'fake', saturation: { maxQueueDepth: 1 } }),
    ]);
    expect(table.providers['default/a']?.metrics).toEqual({ url: 'http://10.0.0.1:8002/metrics', intervalMs: 1000 });
    const accepted = (name: string) => statuses.find((s) => s.name === name)?.conditions.find((c) => c.type === 'Accepted');
    expect(accepted('b')?.status).toBe('False');
    expect(accepted('c')?.status).toBe('False');
    expect(accepted('c')?.message).toContain('spec.metrics.url is required');
  });

  it('the schema refuses baseEjection longer than maxEjection and a KV-cache limit above 1', () => {
    const { statuses } = compile([
      prov('x', { type: 'fake', outlierDetection: { baseEjection: '10m', maxEjection: '1m' } }),
      prov('y', { type: 'fake', saturation: { maxKVCacheUsage: 1.5 } }),
    ]);
    const msg = (name: string) => statuses.find((s) => s.name === name)?.conditions.find((c) => c.type === 'Accepted')?.message ?? '';
    expect(msg('x')).toContain('baseEjection must not be longer than maxEjection');
    expect(msg('y')).toContain('maxKVCacheUsage');
  });
});
