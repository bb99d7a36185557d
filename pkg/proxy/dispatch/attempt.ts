// One upstream attempt: send, then either classify a non-2xx answer, hand back a stream head, or read and translate
// a complete non-stream body. Nothing here writes to the client, so every failure is still retryable.
import type { Span } from '@opentelemetry/api';
import { UpstreamFailureError } from '../../providers/types.ts';
import type {
  AttemptContext, Operation, TranslatedResponse, UpstreamFailure, UpstreamResponse,
} from '../../providers/types.ts';
import type { IngressRequest } from '../../ingress/types.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget } from '../runtime-table.ts';
import { endAttemptSpan, startAttemptSpan } from '../tracing.ts';
import type { TimeoutPhase } from '../upstream-failure-log.ts';

export type AttemptResult =
  | { readonly kind: 'ok'; readonly ctx: AttemptContext; readonly response: UpstreamResponse; readonly translated: TranslatedResponse | null }
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure; readonly cause?: unknown; readonly timeout?: TimeoutPhase }
  | { readonly kind: 'aborted' };

export const ABORTED: Extract<AttemptResult, { kind: 'aborted' }> = { kind: 'aborted' };

/** Reads at most `cap` bytes. Over the cap: `truncate` returns what was read, otherwise throws 'invalid'. */
export async function readCapped(body: AsyncIterable<Uint8Array>, cap: number, truncate: boolean): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > cap) {
      if (!truncate) throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream response is too large.' });
      chunks.push(chunk.subarray(0, cap - size));
      size = cap;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, size);
}

function failed(failure: UpstreamFailure): AttemptResult {
  return { kind: 'failed', failure };
}

/** Maps a throw from send/body/translate. `attemptSignal` differs from the client's when a total deadline is set. */
function classifyThrown(st: RequestState, err: unknown, clientSignal: AbortSignal, attemptSignal: AbortSignal): AttemptResult {
  if (clientSignal.aborted) return ABORTED;
  if (err instanceof UpstreamFailureError) return { kind: 'failed', failure: err.failure, cause: err.cause };
  if (attemptSignal.aborted) {
    return { kind: 'failed', failure: { kind: 'timeout', message: 'The upstream provider did not finish in time.' }, timeout: 'total' };
  }
  st.core.logger.warn({ requestId: st.id, err: err instanceof Error ? err.name : typeof err }, 'unexpected error from a provider adapter');
  return failed({ kind: 'server', message: 'The provider adapter failed unexpectedly.' });
}

function logFailure(st: RequestState, target: RuntimeTarget, r: Extract<AttemptResult, { kind: 'failed' }>): void {
  st.core.upstreamFailures.record({
    requestId: st.id,
    route: st.route?.id ?? null,
    provider: target.bound.provider,
    model: target.bound.model,
    attempt: st.attempts,
    kind: r.failure.kind,
    failure: r.failure,
    ...(r.cause === undefined ? {} : { cause: r.cause }),
    ...(r.timeout === undefined ? {} : { timeout: r.timeout }),
  });
}

function attemptSignal(client: AbortSignal, totalMs: number): AbortSignal {
  return totalMs > 0 ? AbortSignal.any([client, AbortSignal.timeout(totalMs)]) : client;
}

async function exchange(st: RequestState, target: RuntimeTarget, ctx: AttemptContext): Promise<AttemptResult> {
  const res = await target.adapter.send(ctx);
  const opts = st.core.options;
  if (res.status < 200 || res.status > 299) {
    const body = await readCapped(res.body, opts.maxUpstreamErrorBytes, true);
    return failed(target.adapter.classifyError(ctx, res.status, res.headers, body));
  }
  if (ctx.stream) return { kind: 'ok', ctx, response: res, translated: null };
  const body = await readCapped(res.body, opts.maxUpstreamBodyBytes, false);
  return { kind: 'ok', ctx, response: res, translated: target.adapter.translateResponse(ctx, body) };
}

export async function attemptOnce(st: RequestState, op: Operation, req: IngressRequest, target: RuntimeTarget): Promise<AttemptResult> {
  const core = st.core;
  const started = performance.now();
  const client = st.abortController().signal;
  const signal = attemptSignal(client, target.bound.timeouts.totalMs);
  const ctx: AttemptContext = {
    op, body: req.body, stream: req.stream, clientWantsUsage: req.wantsUsage, target: target.bound, signal, requestId: st.id,
  };
  const span: Span | null = core.tracer !== null && st.span !== null ? startAttemptSpan(core.tracer, st.span, op, target, st.attempts) : null;
  let result: AttemptResult;
  let status = 0;
  try {
    result = await exchange(st, target, ctx);
    if (result.kind === 'ok') status = result.response.status;
  } catch (err) {
    result = classifyThrown(st, err, client, signal);
  }
  if (result.kind === 'failed') {
    status = result.failure.status ?? 0;
    logFailure(st, target, result);
  }
  const outcome = result.kind === 'ok' ? 'ok' : result.kind === 'failed' ? result.failure.kind : 'aborted';
  if (result.kind !== 'aborted') {
    core.metrics.observeUpstream({ provider: target.providerId, model: target.bound.model, outcome, status, durationMs: performance.now() - started });
  }
  if (span !== null) endAttemptSpan(span, outcome, status);
  return result;
}
