// Anthropic's error envelope for the gateway's errors: `{type:"error",error:{type,message},request_id}` with the
// status the gateway chose, a `request-id` header (what the official SDK reads as `err.requestID`) beside our
// x-request-id, and Retry-After (added by the writer). Error types follow pkg/dialects/anthropic-messages
// (invalid_request_error, authentication_error, permission_error, not_found_error, request_too_large,
// rate_limit_error, timeout_error, api_error, overloaded_error). Our 503s stay 503 (Anthropic's 529 means *its*
// servers are overloaded; a gateway without a table or without a ready upstream is a 503 with Retry-After), and an
// upstream 529 that reaches the client keeps the status the failure map gave it.
import { anthropicErrorBody, anthropicErrorType } from '../../dialects/anthropic-messages/index.ts';
import type { ErrorDialect, IngressError } from '../types.ts';

export function anthropicErrorJson(e: IngressError, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(e), message: e.message }, request_id: requestId });
}

export function anthropicErrorResponse(e: IngressError, requestId: string): { readonly body: string; readonly headers: Readonly<Record<string, string>> } {
  return { body: anthropicErrorJson(e, requestId), headers: { 'request-id': requestId } };
}

/** The terminal `error` event of a Messages stream (no message_stop follows). */
export function anthropicStreamErrorEvent(e: IngressError): string {
  return `event: error\ndata: ${anthropicErrorBody(e)}\n\n`;
}

/** The Anthropic dialect for errors of routes that are not an ingress (GET /v1/models with anthropic-version). */
export const ANTHROPIC_ERRORS: ErrorDialect = Object.freeze({ errorResponse: anthropicErrorResponse, streamErrorEvent: anthropicStreamErrorEvent });
