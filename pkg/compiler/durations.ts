// Timeouts in milliseconds: provider defaults and route-level overrides (Duration strings already validated).
import type { Timeouts } from '../api/common.ts';
import { durationMs } from '../api/duration.ts';
import type { TableTimeouts } from '../table/types.ts';

export const DEFAULT_TIMEOUTS: TableTimeouts = { connectMs: 10_000, firstByteMs: 300_000, idleMs: 120_000, totalMs: 0 };

/** Only the fields that are set, in milliseconds (route-level overrides). */
export function partialTimeouts(t: Timeouts | undefined): Partial<TableTimeouts> {
  const out: { connectMs?: number; firstByteMs?: number; idleMs?: number; totalMs?: number; poolAcquireMs?: number } = {};
  if (t?.connect !== undefined) out.connectMs = durationMs(t.connect);
  if (t?.firstByte !== undefined) out.firstByteMs = durationMs(t.firstByte);
  if (t?.idle !== undefined) out.idleMs = durationMs(t.idle);
  if (t?.total !== undefined) out.totalMs = durationMs(t.total);
  if (t?.poolAcquire !== undefined) out.poolAcquireMs = durationMs(t.poolAcquire);
  return out;
}

/** Provider timeouts: set fields over the defaults. */
export function fullTimeouts(t: Timeouts | undefined): TableTimeouts {
  return { ...DEFAULT_TIMEOUTS, ...partialTimeouts(t) };
}
