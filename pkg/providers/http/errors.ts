// Maps undici / socket / TLS errors to UpstreamFailureError. Messages are fixed strings: never a hostname, URL or header.
import { UpstreamFailureError } from '../types.ts';
import type { FailureKind } from '../types.ts';

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL',
]);

const TLS_CODES = new Set([
  'EPROTO', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return '';
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.startsWith('CERT_');
}

/** Where the failure happened: before the response head, or while reading the body. */
export type Phase = 'head' | 'body';

type Classified = { kind: FailureKind; message: string; delivery?: 'pre-dispatch' | 'uncertain' };

/** Kind and delivery (ADR 0023): nothing sent before a connection exists; after that the upstream may have it. */
function classify(code: string, phase: Phase): Classified {
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { kind: 'timeout', message: 'Timed out connecting to the upstream provider.', delivery: 'pre-dispatch' };
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return { kind: 'timeout', message: 'The upstream provider did not send response headers in time.', delivery: 'uncertain' };
  if (code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', message: 'The upstream provider went silent while sending the response.', delivery: 'uncertain' };
  if (CONNECT_CODES.has(code)) return { kind: 'connect', message: 'Could not connect to the upstream provider.', delivery: 'pre-dispatch' };
  // A certificate is checked during the handshake, before any request byte is written.
  if (isTlsCode(code)) return { kind: 'tls', message: 'Could not establish a secure connection to the upstream provider.', ...(phase === 'head' ? { delivery: 'pre-dispatch' as const } : {}) };
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_HEADERS_OVERFLOW') {
    return { kind: 'invalid', message: 'The upstream provider sent an invalid response.' };
  }
  if (phase === 'body') return { kind: 'server', message: 'The upstream connection was interrupted.', delivery: 'uncertain' };
  return { kind: 'server', message: 'The upstream connection failed.', delivery: 'uncertain' };
}

/**
 * Converts an error thrown by undici (request or body iteration) into an UpstreamFailureError.
 * When `signal` is aborted the abort reason is returned instead: the caller (the proxy) owns that signal and knows why.
 */
export function mapUpstreamError(err: unknown, signal: AbortSignal | undefined, phase: Phase): unknown {
  if (err instanceof UpstreamFailureError) return err;
  if (signal?.aborted === true) return signal.reason ?? err;
  const code = errorCode(err);
  return new UpstreamFailureError(classify(code, phase), err);
}
