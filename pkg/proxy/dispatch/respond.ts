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
import type { LoggedFailureKind } from '../upstream-failure-log.ts';
import type { PrimedStream } from './attempt.ts';
import { cutShortUsage, streamedTextChars } from './estimate.ts';
import { failureToError } from './failure-map.ts';
import { recordUsage } from './usage.ts';

function routingHeaders(st: RequestState, target: RuntimeTarget, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  headers['x-request-id'] = st.id;
  headers['x-switchyard-route'] = st.route?.routeHeader ?? '';
  headers['x-switchyard-provider'] = target.providerHeader;
  headers['x-switchyard-model'] = target.modelHeader;
  headers['x-switchyard-attempts'] = String(st.attempts);
  return headers;
}

export function sendJson(st: RequestState, target: RuntimeTarget, translated: TranslatedResponse): void {
  recordUsage(st, target, translated.usage);
  const res = st.res;
  if (res.destroyed) return;
  const body = translated.body;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(200, routingHeaders(st, target, { 'content-type': 'application/json', 'content-length': length }));
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

function logStreamFailure(st: RequestState, target: RuntimeTarget, kind: LoggedFailureKind, failure?: UpstreamFailure, cause?: unknown): void {
  st.core.upstreamFailures.record({
    requestId: st.id,
    route: st.route?.id ?? null,
    provider: target.bound.provider,
    model: target.bound.model,
    attempt: st.attempts,
    kind,
    ...(failure === undefined ? {} : { failure }),
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Usage of a finished stream; a stream cut short without reported usage gets an estimate (estimate.ts). */
function recordStreamUsage(st: RequestState, target: RuntimeTarget, reported: Usage | null, cutShort: boolean, seen: StreamProgress): void {
  recordUsage(st, target, cutShort ? cutShortUsage(reported, st.requestBody, seen.chars) : reported);
}

/**
 * Writes a primed stream: the head goes out now with the bytes held back until the first content event (attempt.ts
 * prime), then the rest is pumped with backpressure. After the head, a failure is one terminal error event in the
 * client's dialect and never the success terminator.
 */
export async function sendStream(st: RequestState, target: RuntimeTarget, s: PrimedStream, ingress: Ingress): Promise<void> {
  const res = st.res;
  const tr = s.translator;
  res.writeHead(200, routingHeaders(st, target, { 'content-type': ingress.streamContentType, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }));
  const seen: StreamProgress = { chars: streamedTextChars(s.head) };
  if (s.head !== '') {
    firstBytes(st, target);
    res.write(s.head);
  } else {
    res.flushHeaders();
  }
  if (s.ended !== null) {
    recordStreamUsage(st, target, s.ended.usage, false, seen);
    res.end();
    return;
  }
  let failure: PumpFailure | null;
  try {
    failure = await pump(st, target, s.rest, tr, seen);
  } catch (err) {
    // The upstream body failed mid-stream (reset, idle timeout) or the client went away (abort).
    recordStreamUsage(st, target, tr.end().usage, true, seen);
    if (st.clientGone) return;
    logStreamFailure(st, target, 'stream_interrupted', err instanceof UpstreamFailureError ? err.failure : undefined, err);
    terminate(st, s, errorOut('upstream_stream_interrupted'), '');
    return;
  }
  const end = tr.end();
  const gone = st.clientGone || !writable(res);
  recordStreamUsage(st, target, end.usage, gone || failure !== null || end.outcome !== 'complete', seen);
  if (gone) return;
  if (failure !== null) {
    logStreamFailure(st, target, failure.failure.kind, failure.failure, failure.cause);
    terminate(st, s, midStreamError(failure.failure, target), '');
  } else if (end.error !== undefined) {
    logStreamFailure(st, target, end.error.kind, end.error);
    terminate(st, s, midStreamError(end.error, target), end.tail);
  } else if (end.outcome === 'complete') {
    res.end(end.tail);
  } else {
    logStreamFailure(st, target, 'stream_truncated');
    terminate(st, s, errorOut('upstream_stream_truncated'), end.tail);
  }
}
