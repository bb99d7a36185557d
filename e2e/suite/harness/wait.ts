// Polling helpers for the e2e suite: wait for a condition with a deadline and a readable failure.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  /** Give up after this long. Default 30 s. */
  readonly timeoutMs?: number;
  /** Time between polls. Default 200 ms. */
  readonly intervalMs?: number;
  /** Shown in the timeout error: what was awaited. */
  readonly what?: string;
}

/**
 * Polls `cond` until it returns a value other than undefined/false (which is returned), or throws after the
 * deadline with the last value or error seen. Errors thrown by `cond` count as "not yet".
 */
export async function waitFor<T>(cond: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'} (last: ${describe(last)})`);
    }
    await sleep(opts.intervalMs ?? 200);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
