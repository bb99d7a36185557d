// Writing a successful upstream answer to the client: a complete JSON body, or a primed stream piped through its
// translator with backpressure. Once stream headers are out, a failure becomes one terminal error event in the
// client's dialect and the response ends without its success terminator (catalogue §5.0, design §3).
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Ingress } from '../../ingress/types.ts';
import type { StreamTranslator, TranslatedResponse, UpstreamFailure, Usage } from '../../providers/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import { errorOut } from '../error-reply.ts';
import type { ErrorOut } from '../error-reply.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget } from '../runtime-table.ts';
import type { PrimedStream } from './attempt.ts';
import { cutShortUsage, jsonUsage, streamedTextChars } from './estimate.ts';
import { failureToError } from './failure-map.ts';
import { recordUpstreamFailure } from './failure-record.ts';
import { attemptFinished } from '../outlier/monitor.ts';
import type { AttemptOutcome } from '../outlier/monitor.ts';
import { recordUsage } from './usage.ts';

/** Headers a route's stages add to every answer (quota: x-ratelimit-*, x-switchyard-quota); null when none. */
export type StageHeaders = Readonly<Record<string, string>> | null;

function routingHeaders(st: RequestState, target: RuntimeTarget, headers: OutgoingHttpHeaders, extra: StageHeaders): OutgoingHttpHeaders {
  if (extra !== null) Object.assign(headers, extra);
  headers['x-request-id'] = st.id;
  headers['x-switchyard-route'] = st.route?.routeHeader ?? '';
  headers['x-switchyard-provider'] = target.providerHeader;
  headers['x-switchyard-model'] = target.modelHeader;
  headers['x-switchyard-attempts'] = String(st.attempts);
  return headers;
}

export function sendJson(st: RequestState, target: RuntimeTarget, translated: TranslatedResponse, extra: StageHeaders = null): void {
  // No usage reported: estimated from the prompt and the answer text, and marked so (estimate.ts).
  recordUsage(st, target, jsonUsage(translated.usage, st.requestBody, translated.body));
  const res = st.res;
  if (res.destroyed) return;
  const body = translated.body;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(200, routingHeaders(st, target, { 'content-type': 'application/json', 'content-length': length }, extra));
  res.end(body);
}

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function writable(res: ServerResponse): boolean {
  return !res.destroyed && !res.writableEnded;
}

/** Ends the stream with one terminal error event in the client's dialect (no success terminator). */
function terminate(st: RequestState, s: PrimedStream, e: ErrorOut, tail: string): void {
  st.code = e.code;
  const res = st.res;
  if (writable(res)) res.end(tail + s.terminalError(e));
}

function midStreamError(f: UpstreamFailure, target: RuntimeTarget): ErrorOut {
  return failureToError(f, target.bound.provider);
}

/** What a stream saw: text characters streamed to the client (for the estimate of a stream cut short). */
interface StreamProgress {
  chars: number;
}

interface PumpFailure {
  readonly failure: UpstreamFailure;
  readonly cause: unknown;
}

function firstBytes(st: RequestState, target: RuntimeTarget): void {
  if (st.ttftMs !== null) return;
  st.ttftMs = performance.now() - st.start;
  st.core.metrics.observeTimeToFirstToken(st.route?.id ?? '_none', target.providerId, st.ttftMs);
}

async function pump(st: RequestState, target: RuntimeTarget, rest: AsyncIterator<Uint8Array>, tr: StreamTranslator, seen: StreamProgress): Promise<PumpFailure | null> {
  const res = st.res;
  for (;;) {
    const r = await rest.next();
    if (r.done === true) return null;
    let out: string;
    try {
      out = tr.push(r.value);
    } catch (err) {
      const failure: UpstreamFailure = err instanceof UpstreamFailureError
        ? err.failure
        : { kind: 'invalid', message: 'The upstream provider sent an invalid stream.' };
      return { failure, cause: err };
    }
    if (out === '') continue;
    seen.chars += streamedTextChars(out);
    firstBytes(st, target);
    if (!writable(res)) return null;
    if (!res.write(out)) await waitForDrain(res);
  }
}

/** Usage of a finished stream; a stream without reported usage (cut short or not) gets an estimate (estimate.ts). */
/** Counts a stream that failed after its head went out (metric); its attempt counts as failed (outlier detection, B11). */
function streamFailure(st: RequestState, target: RuntimeTarget, s: PrimedStream, kind: 'truncated' | 'interrupted' | 'error'): void {
  st.core.metrics.observeStreamFailure(target.providerId, target.bound.model, kind);
  streamOutcome(st, s, { kind: 'failed', failure: { kind: 'invalid' } });
}

/** Reports the stream's attempt outcome to outlier detection, once (attempt.ts leaves it open for streams). */
function streamOutcome(st: RequestState, s: PrimedStream, outcome: AttemptOutcome): void {
  const token = s.outlier;
  s.outlier = null;
  attemptFinished(st.core.signals, token, outcome);
}

function recordStreamUsage(st: RequestState, target: RuntimeTarget, reported: Usage | null, seen: StreamProgress, complete: boolean): void {
  recordUsage(st, target, cutShortUsage(reported, st.requestBody, seen.chars, complete));
}

/**
 * Writes a primed stream: the head goes out now with the bytes held back until the first content event (attempt.ts
 * prime), then the rest is pumped with backpressure. After the head, a failure is one terminal error event in the
 * client's dialect and never the success terminator.
 */
export async function sendStream(st: RequestState, target: RuntimeTarget, s: PrimedStream, ingress: Ingress, extra: StageHeaders = null): Promise<void> {
  try {
    await writeStream(st, target, s, ingress, extra);
  } finally {
    if (s.outlier !== null) streamOutcome(st, s, { kind: 'aborted' }); // a path that did not say: never hold a probe
  }
}

async function writeStream(st: RequestState, target: RuntimeTarget, s: PrimedStream, ingress: Ingress, extra: StageHeaders): Promise<void> {
  const res = st.res;
  const tr = s.translator;
  res.writeHead(200, routingHeaders(st, target, { 'content-type': ingress.streamContentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }, extra));
  const seen: StreamProgress = { chars: streamedTextChars(s.head) };
  if (s.head !== '') {
    firstBytes(st, target);
    res.write(s.head);
  } else {
    res.flushHeaders();
  }
  if (s.ended !== null) {
    recordStreamUsage(st, target, s.ended.usage, seen, s.ended.outcome === 'complete' && s.ended.error === undefined);
    streamOutcome(st, s, { kind: 'ok' });
    res.end();
    return;
  }
  let failure: PumpFailure | null;
  try {
    failure = await pump(st, target, s.rest, tr, seen);
  } catch (err) {
    // The upstream body failed mid-stream (reset, idle timeout) or the client went away (abort).
    recordStreamUsage(st, target, tr.end().usage, seen, false);
    if (st.clientGone) {
      streamOutcome(st, s, { kind: 'aborted' });
      return;
    }
    // The drain deadline cut the stream: the dialect's terminal error event says so (D8), not an upstream failure.
    if (st.drainError !== null) {
      streamOutcome(st, s, { kind: 'aborted' });
      terminate(st, s, st.drainError, '');
      return;
    }
    recordUpstreamFailure(st, target, 'stream_interrupted', err instanceof UpstreamFailureError ? err.failure : undefined, err);
    streamFailure(st, target, s, 'interrupted');
    terminate(st, s, errorOut('upstream_stream_interrupted'), '');
    return;
  }
  const end = tr.end();
  const gone = st.clientGone || !writable(res);
  recordStreamUsage(st, target, end.usage, seen, failure === null && end.error === undefined && end.outcome === 'complete');
  if (gone) {
    streamOutcome(st, s, failure === null && end.error === undefined && end.outcome === 'complete' ? { kind: 'ok' } : { kind: 'aborted' });
    return;
  }
  if (failure !== null) {
    recordUpstreamFailure(st, target, failure.failure.kind, failure.failure, failure.cause);
    streamFailure(st, target, s, 'interrupted');
    terminate(st, s, midStreamError(failure.failure, target), '');
  } else if (end.error !== undefined) {
    recordUpstreamFailure(st, target, end.error.kind, end.error);
    streamFailure(st, target, s, 'error');
    terminate(st, s, midStreamError(end.error, target), end.tail);
  } else if (end.outcome === 'complete') {
    streamOutcome(st, s, { kind: 'ok' });
    res.end(end.tail);
  } else {
    recordUpstreamFailure(st, target, 'stream_truncated');
    streamFailure(st, target, s, 'truncated');
    terminate(st, s, errorOut('upstream_stream_truncated'), end.tail);
  }
}
