// Typed gateway errors with stable codes. Only these reach clients; anything unexpected becomes `internal_error`.
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'overloaded_error'
  | 'timeout_error'
  | 'server_error';

export interface ErrorSpec {
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly message: string;
}

/** The allow-list of client-visible errors: stable code → status, type, default message. */
export const ERRORS = {
  invalid_json: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  invalid_utf8: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid UTF-8.' },
  json_too_deep: { status: 400, type: 'invalid_request_error', message: 'The request body is nested too deeply.' },
  invalid_request: { status: 400, type: 'invalid_request_error', message: 'The request is invalid.' },
  banned_param: { status: 400, type: 'invalid_request_error', message: 'The request contains a parameter that is not allowed.' },
  conflicting_credentials: { status: 400, type: 'invalid_request_error', message: 'The request carries different API keys in different headers.' },
  bad_request: { status: 400, type: 'invalid_request_error', message: 'The request is malformed.' },
  upstream_bad_request: { status: 400, type: 'invalid_request_error', message: 'The upstream provider rejected the request.' },
  unsupported_operation: { status: 400, type: 'invalid_request_error', message: 'This model does not support this operation.' },
  missing_api_key: { status: 401, type: 'authentication_error', message: 'No API key was provided. Send it as "Authorization: Bearer <key>".' },
  invalid_api_key: { status: 401, type: 'authentication_error', message: 'The API key is not valid.' },
  invalid_token: { status: 401, type: 'authentication_error', message: 'The bearer token is not valid.' },
  token_expired: { status: 401, type: 'authentication_error', message: 'The bearer token has expired.' },
  model_not_allowed: { status: 403, type: 'permission_error', message: 'This API key may not use this model.' },
  model_not_found: { status: 404, type: 'not_found_error', message: 'The model does not exist or you do not have access to it.' },
  not_found: { status: 404, type: 'not_found_error', message: 'Unknown endpoint.' },
  method_not_allowed: { status: 405, type: 'invalid_request_error', message: 'Method not allowed on this endpoint.' },
  request_timeout: { status: 408, type: 'timeout_error', message: 'The request took too long to arrive.' },
  request_too_large: { status: 413, type: 'invalid_request_error', message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', message: 'Content-Type must be application/json.' },
  unsupported_content_encoding: { status: 415, type: 'invalid_request_error', message: 'Content-Encoding must be identity, gzip, deflate or br.' },
  headers_too_large: { status: 431, type: 'invalid_request_error', message: 'The request headers are too large.' },
  rate_limited: { status: 429, type: 'rate_limit_error', message: 'Rate limit exceeded. Retry after the time in the Retry-After header.' },
  quota_exceeded: { status: 429, type: 'rate_limit_error', message: 'A quota that applies to this request is exhausted. Retry after the time in the Retry-After header.' },
  upstream_rate_limited: { status: 429, type: 'rate_limit_error', message: 'The upstream provider is rate limiting. Retry after the time in the Retry-After header.' },
  // Per-key and per-team in-flight caps (E17): one tenant at its cap never blocks another.
  concurrency_limit_exceeded: { status: 429, type: 'rate_limit_error', message: 'Too many requests of this API key or team are in flight. Retry after the time in the Retry-After header.' },
  internal_error: { status: 500, type: 'server_error', message: 'Internal error.' },
  // Configuration, not an outage (design §7, ADR 0011): never retryable, never with Retry-After.
  route_misconfigured: { status: 500, type: 'server_error', message: 'The route for this model is misconfigured; nothing was sent upstream. Ask the gateway operator to check the route\'s status.' },
  upstream_error: { status: 502, type: 'upstream_error', message: 'The upstream provider returned an error.' },
  upstream_auth_error: { status: 502, type: 'upstream_error', message: 'The upstream provider rejected the gateway\'s credentials.' },
  upstream_invalid_response: { status: 502, type: 'upstream_error', message: 'The upstream provider sent an invalid response.' },
  upstream_tls_error: { status: 502, type: 'upstream_error', message: 'Could not establish a secure connection to the upstream provider.' },
  // 502 form: providers were tried and every one failed or refused (B2). The 503 form is NO_UPSTREAM_AVAILABLE below.
  no_healthy_upstream: { status: 502, type: 'upstream_error', message: 'No upstream provider could serve the request: every provider tried failed or refused it.' },
  upstream_stream_interrupted: { status: 502, type: 'upstream_error', message: 'The upstream stream was interrupted.' },
  upstream_stream_truncated: { status: 502, type: 'upstream_error', message: 'The upstream stream ended before it was complete.' },
  not_ready: { status: 503, type: 'overloaded_error', message: 'The gateway has no routing table loaded yet.' },
  overloaded: { status: 503, type: 'overloaded_error', message: 'The gateway is overloaded. Retry later.' },
  // Graceful drain (D8): a request still running when the drain deadline passes; a stream gets it as its terminal event.
  shutting_down: { status: 503, type: 'overloaded_error', message: 'The gateway instance is shutting down and ended this request. Retry it.' },
  upstream_timeout: { status: 504, type: 'timeout_error', message: 'The upstream provider did not answer in time.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The 503 form of `no_healthy_upstream` (catalogue C7; same code and type, so clients keep one code to handle):
 * the route exists but has no provider to try at all, because none of its references resolves (e.g. its only
 * Provider's Secret is missing). Nothing was sent upstream; it clears by itself once a reference resolves, so it
 * always leaves with Retry-After. Contrast ERRORS.no_healthy_upstream (502): providers were tried and all failed.
 */
export const NO_UPSTREAM_AVAILABLE = {
  code: 'no_healthy_upstream',
  status: 503,
  type: 'upstream_error',
  message: 'No upstream provider is available for this model yet: none of its providers is ready, so nothing was tried. Retry after the time in the Retry-After header.',
} as const satisfies ErrorSpec & { readonly code: ErrorCode };

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  /** Seconds, for 429/503. */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, opts: { message?: string; param?: string | null; retryAfter?: number; cause?: unknown } = {}) {
    const spec: ErrorSpec = ERRORS[code];
    super(opts.message ?? spec.message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.param = opts.param ?? null;
    this.retryAfter = opts.retryAfter;
  }
}

export interface OpenAIErrorBody {
  error: { message: string; type: OpenAIErrorType; param: string | null; code: string };
}

export function toOpenAIError(err: GatewayError): OpenAIErrorBody {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}

/** Anything thrown that is not a GatewayError becomes a generic internal error (no message or stack leaks). */
export function asGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('internal_error', { cause: err });
}
