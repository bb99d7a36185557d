// A closed-loop load generator: N concurrent request loops spread over every proxy, counting statuses (and error
// codes from the OpenAI error envelope). Bounded in time: it stops at `durationMs` or when stop() is called,
// whichever comes first, and every request has its own timeout.
import { Agent, fetch } from 'undici';
import type { Response } from 'undici';

export interface LoadOptions {
  /** Proxy data-plane base URLs (http://127.0.0.1:PORT); loops round-robin over them. */
  readonly urls: readonly string[];
  /** Client-facing model names; loops round-robin over them. */
  readonly models: readonly string[];
  /** Concurrent request loops. Default 6. */
  readonly concurrency?: number;
  /** Hard upper bound on the run. Default 60 s. */
  readonly durationMs?: number;
  /** Per-request timeout. Default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Pause between two requests of one loop. Default 0 (closed loop). */
  readonly thinkMs?: number;
  /** Client API key (Authorization: Bearer), when the table has keys. */
  readonly apiKey?: string;
  /** Stream the answers (SSE) instead of plain JSON. Default false. */
  readonly stream?: boolean;
}

export interface Failure {
  readonly at: number;
  readonly url: string;
  readonly model: string;
  readonly status: number;
  /** error.code of the envelope, or the transport error's message. */
  readonly code: string;
}

export interface LoadResult {
  readonly total: number;
  readonly ok: number;
  /** Status → count; 0 counts transport errors (refused, reset, timeout). */
  readonly byStatus: Readonly<Record<string, number>>;
  /** Proxy URL → requests answered 2xx. */
  readonly okByUrl: Readonly<Record<string, number>>;
  /** The first failures (at most 50), for the assertion message. */
  readonly failures: readonly Failure[];
  readonly elapsedMs: number;
}

export interface LoadRun {
  /** Counters so far (the run goes on). */
  snapshot(): LoadResult;
  /** Stops the loops and resolves with the final counters once in-flight requests have finished. */
  stop(): Promise<LoadResult>;
  /** Resolves when the run ends by itself (durationMs) or after stop(). */
  readonly done: Promise<LoadResult>;
}

const MAX_FAILURES = 50;

async function errorCode(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : text.slice(0, 120);
  } catch {
    return text.slice(0, 120);
  }
}

/** Reads an SSE answer and reports a mid-stream error event as a failure code (the status was already 200). */
async function streamOutcome(res: Response): Promise<string | null> {
  const text = await res.text();
  if (!text.includes('data: [DONE]')) return 'stream_not_finished';
  const m = /data: (\{"error".*)\n/.exec(text);
  return m ? 'stream_error' : null;
}

export function startLoad(opts: LoadOptions): LoadRun {
  if (opts.urls.length === 0 || opts.models.length === 0) throw new Error('startLoad needs at least one url and one model');
  const agent = new Agent({ connections: 64, keepAliveTimeout: 4_000, pipelining: 1 });
  const byStatus: Record<string, number> = {};
  const okByUrl: Record<string, number> = {};
  const failures: Failure[] = [];
  const t0 = Date.now();
  let total = 0;
  let ok = 0;
  let stopped = false;
  let counter = 0;

  const record = (url: string, model: string, status: number, code: string | null): void => {
    total++;
    const key = String(status);
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    if (status >= 200 && status < 300 && code === null) {
      ok++;
      okByUrl[url] = (okByUrl[url] ?? 0) + 1;
    } else if (failures.length < MAX_FAILURES) {
      failures.push({ at: Date.now() - t0, url, model, status, code: code ?? '' });
    }
  };

  const one = async (url: string, model: string): Promise<void> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.apiKey !== undefined) headers.authorization = `Bearer ${opts.apiKey}`;
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...(opts.stream === true ? { stream: true } : {}) });
    try {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST', headers, body, dispatcher: agent, signal: AbortSignal.timeout(opts.requestTimeoutMs ?? 10_000),
      });
      if (res.status >= 200 && res.status < 300) {
        const problem = opts.stream === true ? await streamOutcome(res) : (await res.arrayBuffer(), null);
        record(url, model, res.status, problem);
      } else {
        record(url, model, res.status, await errorCode(res));
      }
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      record(url, model, 0, `${err instanceof Error ? err.message : String(err)}${cause}`);
    }
  };

  const loop = async (): Promise<void> => {
    const end = t0 + (opts.durationMs ?? 60_000);
    while (!stopped && Date.now() < end) {
      const i = counter++;
      const url = opts.urls[i % opts.urls.length] as string;
      const model = opts.models[Math.floor(i / opts.urls.length) % opts.models.length] as string;
      await one(url, model);
      if ((opts.thinkMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.thinkMs));
    }
  };

  const snapshot = (): LoadResult => ({
    total, ok, byStatus: { ...byStatus }, okByUrl: { ...okByUrl }, failures: [...failures], elapsedMs: Date.now() - t0,
  });

  const loops = Array.from({ length: opts.concurrency ?? 6 }, () => loop());
  const done = Promise.all(loops).then(async () => {
    stopped = true;
    await agent.close().catch(() => undefined);
    return snapshot();
  });
  return {
    snapshot,
    async stop() {
      stopped = true;
      return done;
    },
    done,
  };
}

/** A one-line summary for logs and assertion messages. */
export function summarize(r: LoadResult): string {
  const statuses = Object.entries(r.byStatus).map(([s, n]) => `${s}:${n}`).join(' ');
  const first = r.failures.slice(0, 5).map((f) => `${f.status} ${f.code} @${f.at}ms ${f.url} ${f.model}`).join('; ');
  return `${r.total} requests in ${r.elapsedMs} ms (${statuses})${first ? `; first failures: ${first}` : ''}`;
}

/** Every non-2xx (or failed stream) of the run; [] means zero errors. */
export function nonSuccess(r: LoadResult): readonly Failure[] {
  return r.total === r.ok ? [] : r.failures;
}
