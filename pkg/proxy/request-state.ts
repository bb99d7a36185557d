// Per-request state: created by the global onRequest hook, carried on the Fastify request and the raw response, and
// closed exactly once when the response closes (after the dispatch, if any, has settled). Closing writes the access
// line, reports the request metric, ends the span and releases the in-flight slot.
import type { ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { FastifyRequest } from 'fastify';
import { OPENAI_ERRORS } from '../ingress/shared/openai-envelope.ts';
import type { ErrorDialect, Ingress, IngressRequest } from '../ingress/types.ts';
import type { ProxyCore } from './core.ts';
import type { ErrorOut } from './error-reply.ts';
import { writeAccessLog } from './access-log.ts';
import type { RuntimePrincipal, RuntimeRoute, RuntimeTable, RuntimeTarget } from './runtime-table.ts';
import { endRequestSpan } from './tracing.ts';

/** The metrics label of a data route (one per route; count_tokens apart from messages). */
export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'responses' | 'messages' | 'count_tokens' | 'models';

/** Logged (never sent) when the client went away before the response finished. */
export const CLIENT_CLOSED_STATUS = 499;
export const CLIENT_CLOSED_CODE = 'client_closed';

/** The abort reason used when the drain deadline passes: the upstream call is cancelled with it. */
export class DrainDeadlineError extends Error {
  constructor() {
    super('the drain deadline passed');
    this.name = 'DrainDeadlineError';
  }
}

/** The abort reason used when the client disconnects: the upstream call is cancelled with it. */
export class ClientClosedError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientClosedError';
  }
}

const STATE = Symbol('switchyard.state');

interface StatefulResponse extends ServerResponse {
  [STATE]?: RequestState;
}

export class RequestState {
  readonly core: ProxyCore;
  readonly id: string;
  readonly method: string;
  /** performance.now() at arrival. */
  readonly start: number;
  /** The runtime table captured at arrival (null before the first load). */
  readonly rt: RuntimeTable | null;
  readonly res: ServerResponse;
  /** Canonical route path, set by the route's own hook; '(unmatched)' otherwise. */
  path = '(unmatched)';
  endpoint: Endpoint | null = null;
  /** The ingress of the route that was hit (null before a route matched, and on non-inference routes). */
  ingress: Ingress | null = null;
  /** The validated request (set by the inference handler). */
  request: IngressRequest | null = null;
  /** The dialect errors are written in: the route's ingress, OpenAI before a route matched. */
  dialect: ErrorDialect = OPENAI_ERRORS;
  principal: RuntimePrincipal | null = null;
  route: RuntimeRoute | null = null;
  /** The target that served (or last tried). */
  target: RuntimeTarget | null = null;
  attempts = 0;
  /** The routing rule that chose the targets (null: the route's own targets). */
  routingRule: string | null = null;
  /** A `spillover` target was skipped because its pool is saturated (access log `spilled: true`). */
  spilled = false;
  /** Attempts that failed after the upstream may have received the request (ADR 0023); logged as `uncertain`. */
  uncertainAttempts = 0;
  stream = false;
  code = '';
  ttftMs: number | null = null;
  tokensIn: number | null = null;
  tokensOut: number | null = null;
  costUSD: number | null = null;
  /** True when the token figures are our estimate (a stream cut short before the provider reported usage). */
  usageEstimated = false;
  /** The client's parsed body, kept by reference for the estimate of a stream cut short (never logged). */
  requestBody: Readonly<Record<string, unknown>> | null = null;
  /** The decoded request body bytes the body parser read (a native passthrough may forward them unchanged). */
  rawBody: Buffer | null = null;
  span: Span | null = null;
  controller: AbortController | null = null;
  /** True once overload admission counted this request (released when the state closes). */
  admitted = false;
  /** Set when the drain deadline ended this request: the error (or terminal stream event) the client gets. */
  drainError: ErrorOut | null = null;
  #dispatching = false;
  #closed = false;
  #finished = false;

  constructor(core: ProxyCore, request: FastifyRequest, res: ServerResponse) {
    this.core = core;
    this.id = request.id;
    this.method = request.method;
    this.start = performance.now();
    this.rt = core.holder.current;
    this.res = res;
    (res as StatefulResponse)[STATE] = this;
    res.on('close', onResponseClose);
    core.metrics.inflight(1);
  }

  /** The controller whose signal cancels upstream work; created on first use. */
  abortController(): AbortController {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.clientGone) this.controller.abort(new ClientClosedError());
    }
    return this.controller;
  }

  /** Marks the start of an asynchronous dispatch: closing waits for endDispatch(). */
  beginDispatch(): void {
    this.#dispatching = true;
    this.core.active.add(this);
  }

  endDispatch(): void {
    this.#dispatching = false;
    this.core.active.delete(this);
    if (this.#closed) this.#finish();
  }

  /**
   * The drain deadline passed while this request runs: the upstream call is cancelled and the dispatch answers `e`
   * (an error response before the head, the dialect's terminal error event after it).
   */
  endForDrain(e: ErrorOut): void {
    if (this.drainError !== null) return;
    this.drainError = e;
    this.abortController().abort(new DrainDeadlineError());
  }

  get clientGone(): boolean {
    return this.#closed && !this.res.writableFinished;
  }

  onClose(): void {
    this.#closed = true;
    if (!this.res.writableFinished) this.controller?.abort(new ClientClosedError());
    if (!this.#dispatching) this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const core = this.core;
    const durationMs = performance.now() - this.start;
    const completed = this.res.writableFinished;
    const status = completed ? this.res.statusCode : CLIENT_CLOSED_STATUS;
    if (!completed) this.code = CLIENT_CLOSED_CODE;
    const route = this.route;
    const target = this.target;
    if (this.endpoint !== null) {
      core.metrics.observeRequest({
        endpoint: this.endpoint,
        route: route?.id ?? '_none',
        provider: target?.providerId ?? '_none',
        model: route?.model ?? '_unknown',
        status,
        code: this.code,
        stream: this.stream,
        durationMs,
      });
    }
    core.metrics.inflight(-1);
    const p = this.principal?.principal;
    if (this.admitted) core.admission?.release(p?.id ?? null, p?.team ?? null);
    writeAccessLog(core.accessLogger, {
      requestId: this.id,
      method: this.method,
      path: this.path,
      status,
      code: this.code,
      durationMs,
      ttftMs: this.ttftMs,
      route: route?.id ?? null,
      provider: target?.providerId ?? null,
      upstreamModel: target?.bound.model ?? null,
      attempts: this.attempts,
      uncertainAttempts: this.uncertainAttempts,
      stream: this.stream,
      tokensIn: this.tokensIn,
      tokensOut: this.tokensOut,
      costUSD: this.costUSD,
      usageEstimated: this.usageEstimated,
      keyId: p?.id ?? null,
      team: p?.team ?? null,
      user: p?.user ?? null,
      rule: this.routingRule,
      spilled: this.spilled,
    });
    if (this.span !== null) endRequestSpan(this.span, this, status);
  }
}

function onResponseClose(this: ServerResponse): void {
  (this as StatefulResponse)[STATE]?.onClose();
}

export function stateOfResponse(res: ServerResponse): RequestState | undefined {
  return (res as StatefulResponse)[STATE];
}
