// Client-visible errors built from pkg/errors. ErrorOut is the one shape both the Fastify error handler and the
// hijacked dispatch path write; the envelope is the caller's dialect (the ingress of the route that was hit; the
// OpenAI envelope, catalogue §5.0, before a route matched).
import type { ServerResponse } from 'node:http';
import type { ErrorDialect } from '../ingress/types.ts';
import { ERRORS, GatewayError, NO_UPSTREAM_AVAILABLE, toOpenAIError } from '../errors/errors.ts';
import type { ErrorCode, OpenAIErrorType } from '../errors/errors.ts';

export interface ErrorOut {
  readonly status: number;
  readonly type: OpenAIErrorType;
  /** Stable code: one of ERRORS, or a sanitised upstream code for upstream 4xx passthrough. */
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
  /** Seconds; sent as Retry-After. */
  readonly retryAfter?: number;
}

export function fromGatewayError(err: GatewayError): ErrorOut {
  const body = toOpenAIError(err).error;
  return err.retryAfter === undefined ? { status: err.status, ...body } : { status: err.status, ...body, retryAfter: err.retryAfter };
}

export function errorOut(code: ErrorCode, opts: { message?: string; param?: string | null; retryAfter?: number } = {}): ErrorOut {
  const spec = ERRORS[code];
  const out = { status: spec.status, type: spec.type, code, message: opts.message ?? spec.message, param: opts.param ?? null };
  return opts.retryAfter === undefined ? out : { ...out, retryAfter: opts.retryAfter };
}

/** 503 no_healthy_upstream: the route has no target and no fallback to try (C7). See NO_UPSTREAM_AVAILABLE. */
export function noUpstreamAvailable(retryAfter: number): ErrorOut {
  const { code, status, type, message } = NO_UPSTREAM_AVAILABLE;
  return { status, type, code, message, param: null, retryAfter };
}

/** The OpenAI envelope (for writers outside any route: client errors on the socket). */
export function errorJson(e: ErrorOut): string {
  return JSON.stringify({ error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

/** The OpenAI chat terminal SSE error event. Dispatch writes `st.dialect.streamErrorEvent(e)` instead. */
export function errorEvent(e: ErrorOut): string {
  return `data: ${errorJson(e)}\n\n`;
}

/** Fastify's own errors (parser, routing, limits) mapped onto our codes by status; anything else is internal. */
const FRAMEWORK_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'request_too_large',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

/** Turns anything thrown before dispatch into an ErrorOut; `internal` is true when it is a bug to log. */
export function toErrorOut(err: unknown): { out: ErrorOut; internal: boolean } {
  if (err instanceof GatewayError) return { out: fromGatewayError(err), internal: false };
  if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number') {
    const code = FRAMEWORK_STATUS[err.statusCode];
    if (code !== undefined) return { out: errorOut(code), internal: false };
  }
  return { out: errorOut('internal_error'), internal: true };
}

/** Seconds for the Retry-After header (at least 1). */
export function retryAfterHeader(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)));
}

/**
 * Writes an error response in `dialect` on a raw (hijacked) response; a no-op once headers are out or the socket is
 * gone. Headers: x-request-id, the dialect's own (Anthropic's request-id), `extra`, Retry-After when set.
 */
export function writeErrorResponse(
  res: ServerResponse, dialect: ErrorDialect, requestId: string, e: ErrorOut, extra?: Readonly<Record<string, string>>,
): boolean {
  if (res.headersSent || res.destroyed) return false;
  const { body, headers: own } = dialect.errorResponse(e, requestId);
  const headers: Record<string, string | number> = {
    'x-request-id': requestId,
    ...own,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...extra,
  };
  if (e.retryAfter !== undefined) headers['retry-after'] = retryAfterHeader(e.retryAfter);
  res.writeHead(e.status, headers);
  res.end(body);
  return true;
}
