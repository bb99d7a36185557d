// Error types between the gateway and the Anthropic dialect, both ways.
// Anthropic's documented error types and their statuses: 400 invalid_request_error, 401 authentication_error,
// 402 billing_error, 403 permission_error, 404 not_found_error, 413 request_too_large, 429 rate_limit_error,
// 500 api_error, 504 timeout_error, 529 overloaded_error.
import type { StreamError } from '../../canonical/types.ts';
import type { WireErrorType } from './wire.ts';

/** Gateway error types (pkg/errors OpenAIErrorType) → Anthropic error types. 404 and 413 are decided by status. */
export const ANTHROPIC_ERROR_TYPE_BY_GATEWAY_TYPE: Readonly<Record<string, WireErrorType>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  overloaded_error: 'overloaded_error',
  timeout_error: 'timeout_error',
  upstream_error: 'api_error',
  server_error: 'api_error',
};

/**
 * The Anthropic `error.type` for a gateway error (status and type from pkg/errors). 404 and 413 are decided by
 * status, as Anthropic documents them (an upstream 404 passed through is invalid_request_error on our side).
 */
export function anthropicErrorType(e: { readonly status: number; readonly type: string }): WireErrorType {
  if (e.status === 413) return 'request_too_large';
  if (e.status === 404) return 'not_found_error';
  const mapped = ANTHROPIC_ERROR_TYPE_BY_GATEWAY_TYPE[e.type];
  if (mapped !== undefined) return mapped;
  if (e.status === 401) return 'authentication_error';
  if (e.status === 403) return 'permission_error';
  if (e.status === 404) return 'not_found_error';
  if (e.status === 429) return 'rate_limit_error';
  if (e.status === 529 || e.status === 503) return 'overloaded_error';
  return e.status >= 400 && e.status < 500 ? 'invalid_request_error' : 'api_error';
}

/** The `{type:"error",error:{type,message}}` envelope as JSON text. */
export function anthropicErrorBody(e: { readonly status: number; readonly type: string; readonly message: string }): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(e), message: e.message } });
}

/** An Anthropic error type (HTTP body or in-band stream event) → the kind of failure it is for retry/failover. */
export function streamErrorKind(upstreamType: string): StreamError['kind'] {
  switch (upstreamType) {
    case 'rate_limit_error':
      return 'rate_limited';
    case 'authentication_error':
    case 'permission_error':
    case 'billing_error':
      return 'auth';
    case 'invalid_request_error':
    case 'not_found_error':
    case 'request_too_large':
      return 'client';
    case 'timeout_error':
      return 'timeout';
    default:
      return 'server'; // api_error, overloaded_error and anything new
  }
}
