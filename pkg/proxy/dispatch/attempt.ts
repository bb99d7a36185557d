// One upstream attempt: build (native passthrough, through the canonical form, or through the canonical embeddings
// form), send, then either classify a non-2xx answer, read a stream up to its first content event, or read and
// translate a complete non-stream body.
// Nothing here writes to the client, so every failure is still retryable. A GatewayError (the client body cannot be
// translated) is thrown: it is the client's error, not the target's.
import type { Span } from '@opentelemetry/api';
import { UpstreamFailureError } from '../../providers/types.ts';
import type { StreamEndResult, StreamTranslator, TranslatedResponse, UpstreamFailure, UpstreamResponse } from '../../providers/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { ErrorOut } from '../error-reply.ts';
import type { EmbeddingsClientCodec } from '../../canonical/embeddings.ts';
import { createCanonicalStream, usageFromCanonical } from './canonical-stream.ts';
import { embeddingsAnswer } from './embeddings.ts';
import { recordUpstreamFailure } from './failure-record.ts';
import type { Job } from './job.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget } from '../runtime-table.ts';
import { release } from '../routing/target-stats.ts';
import { endAttemptSpan, startAttemptSpan } from '../tracing.ts';
import { attemptFinished, attemptStarted } from '../outlier/monitor.ts';
import type { AttemptToken } from '../outlier/monitor.ts';
import type { TimeoutPhase } from '../upstream-failure-log.ts';

/** A 2xx stream whose head is held until its first content event (design §3); `head` is what to send first. */
export interface PrimedStream {
  readonly translator: StreamTranslator;
  /** The rest of the upstream body. */
  readonly rest: AsyncIterator<Uint8Array>;
  readonly response: UpstreamResponse;
  /** Client bytes produced before and with the first content event, flushed with the response head. */
  readonly head: string;
  /** Set when the upstream ended while priming: a complete stream without content (a success). */
  readonly ended: StreamEndResult | null;
  /** The terminal error event in the client's dialect, for a failure after the head went out. */
  terminalError(e: ErrorOut): string;
  /**
   * The attempt's outlier-detection token: a stream's outcome is known only when it ends (respond.ts sendStream
   * reports it), so a target whose streams keep getting cut is ejected like one that keeps failing (B11).
   */
  outlier: AttemptToken | null;
}

export type AttemptResult =
  | { readonly kind: 'ok'; readonly translated: TranslatedResponse; readonly stream: null }
  | { readonly kind: 'ok'; readonly translated: null; readonly stream: PrimedStream }
  | { readonly kind: 'failed'; readonly failure: UpstreamFailure; readonly cause?: unknown; readonly timeout?: TimeoutPhase }
  | { readonly kind: 'aborted' };

/** Pre-content bytes held back at most; past this the head is released even without content. */
export const MAX_HELD_BYTES = 64 * 1024;

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

/** The route's total deadline fired after the request was sent: the upstream may have it (ADR 0023). */
const TOTAL_TIMEOUT: UpstreamFailure = { kind: 'timeout', message: 'The upstream provider did not finish in time.', delivery: 'uncertain' };

function failed(failure: UpstreamFailure): AttemptResult {
  return { kind: 'failed', failure };
}

/** Maps a throw from send/body/translate. `attemptSignal` differs from the client's when a total deadline is set. */
function classifyThrown(st: RequestState, err: unknown, clientSignal: AbortSignal, attemptSignal: AbortSignal): AttemptResult {
  if (clientSignal.aborted) return ABORTED;
  if (err instanceof UpstreamFailureError) return { kind: 'failed', failure: err.failure, cause: err.cause };
  if (attemptSignal.aborted) {
    return { kind: 'failed', failure: TOTAL_TIMEOUT, timeout: 'total' };
  }
  st.core.logger.warn({ requestId: st.id, err: err instanceof Error ? err.name : typeof err }, 'unexpected error from a provider adapter');
  return failed({ kind: 'server', message: 'The provider adapter failed unexpectedly.' });
}

function attemptSignal(client: AbortSignal, totalMs: number): AbortSignal {
  return totalMs > 0 ? AbortSignal.any([client, AbortSignal.timeout(totalMs)]) : client;
}

const decoder = new TextDecoder();

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(body)) as unknown;
  } catch (err) {
    throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider sent a response that is not valid JSON.' }, err);
  }
}

const EMPTY_STREAM: UpstreamFailure = { kind: 'server', message: 'The upstream stream ended before any content.' };
/** A stream was asked for and a JSON body came back (catalogue B9): garbage for the stream parser, not an empty stream. */
const NOT_A_STREAM: UpstreamFailure = { kind: 'invalid', message: 'The upstream provider answered a stream request with a JSON body.' };

function isJsonBody(headers: UpstreamResponse['headers']): boolean {
  const ct = headers['content-type'];
  return typeof ct === 'string' && /^application\/(?:[\w.+-]*\+)?json\b/i.test(ct.trimStart());
}

/**
 * Reads a 2xx stream until its first content event. A failure before it (body error, malformed event, in-band
 * error, an end without content or terminator) fails the attempt, so the run loop fails over like a non-stream one.
 */
async function prime(res: UpstreamResponse, tr: StreamTranslator, terminalError: (e: ErrorOut) => string): Promise<AttemptResult> {
  const rest = res.body[Symbol.asyncIterator]();
  let head = '';
  try {
    while (!tr.contentSeen && head.length < MAX_HELD_BYTES) {
      const r = await rest.next();
      if (r.done === true) {
        const end = tr.end();
        if (end.error !== undefined) return failed(end.error);
        if (end.outcome !== 'complete') return failed(EMPTY_STREAM);
        return { kind: 'ok', translated: null, stream: { translator: tr, rest, response: res, head: head + end.tail, ended: end, terminalError, outlier: null } };
      }
      head += tr.push(r.value);
      const inBand = tr.inBandError;
      if (inBand !== undefined && !tr.contentSeen) {
        void res.dump();
        return failed(inBand);
      }
    }
  } catch (err) {
    void res.dump();
    throw err;
  }
  return { kind: 'ok', translated: null, stream: { translator: tr, rest, response: res, head, ended: null, terminalError, outlier: null } };
}

/** A translated embeddings attempt: never streamed; the answer is encoded by the ingress's embeddings codec. */
async function exchangeEmbeddings(st: RequestState, job: Job, target: RuntimeTarget, signal: AbortSignal, clientCodec: EmbeddingsClientCodec): Promise<AttemptResult> {
  const adapter = target.adapter;
  const translator = adapter.embeddings;
  if (translator === undefined) return failed({ kind: 'client', message: `The provider does not serve the ${job.req.api} API.` });
  const bound = target.bound;
  const creq = job.embeddingsRequest();
  const res = await adapter.transport(translator.build(creq, bound, job.build), bound.timeouts, signal);
  const opts = st.core.options;
  if (res.status < 200 || res.status > 299) {
    const body = await readCapped(res.body, opts.maxUpstreamErrorBytes, true);
    return failed(adapter.classifyError(bound, res.status, res.headers, body));
  }
  const body = await readCapped(res.body, opts.maxUpstreamBodyBytes, false);
  const resp = translator.decode(parseJson(body));
  return { kind: 'ok', translated: embeddingsAnswer(clientCodec, creq, resp, job.req.model), stream: null };
}

async function exchange(st: RequestState, job: Job, target: RuntimeTarget, signal: AbortSignal): Promise<AttemptResult> {
  const adapter = target.adapter;
  const bound = target.bound;
  const req = job.req;
  const native = adapter.isNative === undefined ? adapter.nativeApis.has(req.api) : adapter.isNative(req, bound);
  const embeddings = native ? undefined : job.ingress.embeddingsCodec;
  if (embeddings !== undefined) return await exchangeEmbeddings(st, job, target, signal, embeddings);
  const codec = adapter.providerCodec;
  if (!native && codec === null) return failed({ kind: 'client', message: `The provider does not serve the ${req.api} API.` });
  const up = native ? adapter.buildNative(req, bound, job.build) : adapter.buildCanonical(job.canonical(), bound, job.build);
  const res = await adapter.transport(up, bound.timeouts, signal);
  const opts = st.core.options;
  if (res.status < 200 || res.status > 299) {
    const body = await readCapped(res.body, opts.maxUpstreamErrorBytes, true);
    return failed(adapter.classifyError(bound, res.status, res.headers, body));
  }
  if (!req.stream) {
    const body = await readCapped(res.body, opts.maxUpstreamBodyBytes, false);
    if (native) return { kind: 'ok', translated: adapter.nativeResponse(req, bound, body), stream: null };
    const clientCodec = job.ingress.codec;
    if (clientCodec === null || codec === null) throw new Error('translated pair without codecs');
    const resp = codec.decodeResponse(parseJson(body));
    return { kind: 'ok', translated: { body: clientCodec.encodeResponse(resp, job.encodeContext()), usage: usageFromCanonical(resp.usage) }, stream: null };
  }
  if (isJsonBody(res.headers)) {
    void res.dump();
    return failed(NOT_A_STREAM);
  }
  if (native) return await prime(res, adapter.nativeStream(req, bound), (e) => job.ingress.streamErrorEvent(e));
  const clientCodec = job.ingress.codec;
  if (clientCodec === null || codec === null) throw new Error('translated pair without codecs');
  const tr = createCanonicalStream(codec.createStreamDecoder(), clientCodec.createStreamEncoder(job.encodeContext()));
  return await prime(res, tr, (e) => tr.terminalError(e));
}

export async function attemptOnce(st: RequestState, job: Job, target: RuntimeTarget): Promise<AttemptResult> {
  const core = st.core;
  const op = job.req.op;
  const started = performance.now();
  const client = st.abortController().signal;
  const signal = attemptSignal(client, target.bound.timeouts.totalMs);
  const span: Span | null = core.tracer !== null && st.span !== null ? startAttemptSpan(core.tracer, st.span, op, target, st.attempts) : null;
  const stats = core.signals.begin(target);
  const outlier = attemptStarted(core.signals, target);
  let result: AttemptResult;
  let status = 0;
  try {
    result = await exchange(st, job, target, signal);
    if (result.kind === 'ok') status = result.stream === null ? 200 : result.stream.response.status;
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    result = classifyThrown(st, err, client, signal);
  }
  if (result.kind === 'failed') {
    status = result.failure.status ?? 0;
    recordUpstreamFailure(st, target, result.failure.kind, result.failure, result.cause, result.timeout);
  }
  const outcome = result.kind === 'ok' ? 'ok' : result.kind === 'failed' ? result.failure.kind : 'aborted';
  if (result.kind !== 'aborted') {
    core.metrics.observeUpstream({ provider: target.providerId, model: target.bound.model, outcome, status, durationMs: performance.now() - started });
  }
  if (span !== null) endAttemptSpan(span, outcome, status);
  if (result.kind === 'ok' && result.stream !== null) result.stream.outlier = outlier;
  else attemptFinished(core.signals, outlier, result);
  // Latency and in-flight for the pickers (routing/target-stats.ts): a stream stays in flight until the response closes.
  const end = performance.now();
  if (result.kind === 'ok') stats.observe(end - started, end);
  else if (result.kind === 'failed' && result.failure.kind !== 'client') stats.observeFailure(end - started, end);
  if (result.kind === 'ok' && result.stream !== null && !st.res.writableFinished && !st.res.destroyed) st.res.once('close', () => release(stats));
  else release(stats);
  return result;
}
