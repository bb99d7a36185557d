// Remaining-quota gauges: switchyard_quota_remaining{quota,window,limit_type} and switchyard_quota_limit{…}.
// The figures are read at scrape time from a source the quota ledger provides (one entry per quota limit, kept
// up to date as requests are admitted: no scan of per-subject counters, nothing on the request path here).
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { BoundedValues, nonNegative } from './labels.ts';
import type { QuotaFigure } from './types.ts';

const WINDOWS = new Set(['1m', '1h', '1d', 'calendar-month']);
const LIMIT_TYPES = new Set(['requests', 'tokens-input', 'tokens-output', 'tokens-total', 'cost']);

export type QuotaFigureSource = () => readonly QuotaFigure[];

/** Registers the two gauges; returns the setter for the figure source (replaces any previous one). */
export function createQuotaGauges(registry: Registry, maxQuotas: number): (source: QuotaFigureSource | null) => void {
  let source: QuotaFigureSource | null = null;
  const quotas = new BoundedValues(maxQuotas);
  const labels = (f: QuotaFigure): [string, string, string] => [
    quotas.clamp(f.quota), WINDOWS.has(f.window) ? f.window : '_other', LIMIT_TYPES.has(f.limitType) ? f.limitType : '_other',
  ];
  const labelNames = ['quota', 'window', 'limit_type'] as const;
  new Gauge({
    name: 'switchyard_quota_remaining',
    help: 'What this process may still admit in the current window of a quota limit (requests, tokens or USD); each-user quotas: the most-consumed user.',
    labelNames, registers: [registry],
    collect(this: Gauge<'quota' | 'window' | 'limit_type'>): void {
      this.reset();
      if (source !== null) for (const f of source()) this.labels(...labels(f)).set(nonNegative(f.remaining));
    },
  });
  new Gauge({
    name: 'switchyard_quota_limit',
    help: 'The configured limit of a quota (requests, tokens or USD per window).',
    labelNames, registers: [registry],
    collect(this: Gauge<'quota' | 'window' | 'limit_type'>): void {
      this.reset();
      if (source !== null) for (const f of source()) this.labels(...labels(f)).set(nonNegative(f.limit));
    },
  });
  return (s) => {
    source = s;
  };
}
