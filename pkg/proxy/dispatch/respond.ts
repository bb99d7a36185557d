// Writing a successful upstream answer to the client: a complete JSON body, or a stream piped through the adapter's
// translator with backpressure. Once stream headers are out, a failure becomes one terminal
// `data: {"error":…}` event and the response ends without [DONE] (catalogue §5.0).
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { StreamTranslator, TranslatedResponse, UpstreamFailure, UpstreamResponse } from '../../providers/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import { errorEvent, errorOut } from '../error-reply.ts';
import type { ErrorOut } from '../error-reply.ts';
import type { RequestState } from '../request-state.ts';
import type { RuntimeTarget } from '../runtime-table.ts';
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

/** Ends the stream with a terminal error event (no [DONE]). */
function terminate(st: RequestState, e: ErrorOut, tail: string): void {
  st.code = e.code;
  const res = st.res;
  if (writable(res)) res.end(tail + errorEvent(e));
}

function midStreamError(f: UpstreamFailure, target: RuntimeTarget): ErrorOut {
  return failureToError(f, target.bound.provider);
}

async function pump(st: RequestState, target: RuntimeTarget, body: AsyncIterable<Uint8Array>, tr: StreamTranslator): Promise<ErrorOut | null> {
  const res = st.res;
  const core = st.core;
  for await (const chunk of body) {
    let out: string;
    try {
      out = tr.push(chunk);
    } catch (err) {
      return err instanceof UpstreamFailureError ? midStreamError(err.failure, target) : errorOut('upstream_invalid_response');
    }
    if (out === '') continue;
    if (st.ttftMs === null) {
      st.ttftMs = performance.now() - st.start;
      core.metrics.observeTimeToFirstToken(st.route?.id ?? '_none', target.providerId, st.ttftMs);
    }
    if (!writable(res)) return null;
    if (!res.write(out)) await waitForDrain(res);
  }
  return null;
}

export async function sendStream(st: RequestState, target: RuntimeTarget, response: UpstreamResponse, tr: StreamTranslator): Promise<void> {
  const res = st.res;
  res.writeHead(200, routingHeaders(st, target, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }));
  res.flushHeaders();
  let failure: ErrorOut | null;
  try {
    failure = await pump(st, target, response.body, tr);
  } catch {
    // The upstream body failed mid-stream (reset, idle timeout) or the client went away (abort).
    const end = tr.end();
    recordUsage(st, target, end.usage);
    if (!st.clientGone) terminate(st, errorOut('upstream_stream_interrupted'), '');
    return;
  }
  const end = tr.end();
  recordUsage(st, target, end.usage);
  if (st.clientGone || !writable(res)) return;
  if (failure !== null) terminate(st, failure, '');
  else if (end.error !== undefined) terminate(st, midStreamError(end.error, target), end.tail);
  else if (end.outcome === 'complete') res.end(end.tail);
  else terminate(st, errorOut('upstream_stream_truncated'), end.tail);
}
