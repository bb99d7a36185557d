// Upstream failures as operator-facing log lines (issue 6, point 6): one WARN line per failure with the route,
// provider, upstream model, failure kind, HTTP status, attempt number and request id, rate-limited per target by
// FailureLogLimiter. A failure the upstream blamed on the request (kind `client`) is the caller's problem, not an
// outage: it is logged at debug and never counted. Details are fixed strings or the adapter's already sanitised
// message, stripped again of anything key-shaped and capped: never an upstream body verbatim.
import type { Logger } from 'pino';
import type { FailureKind, UpstreamFailure } from '../providers/types.ts';
import type { TableProvider } from '../table/types.ts';
import { leaksCredential } from './dispatch/failure-map.ts';
import type { FailureLogLimiter } from './failure-limiter.ts';

/** The kinds a line can carry: an attempt's failure, or a stream that failed after its first byte reached the client. */
export type LoggedFailureKind = FailureKind | 'stream_interrupted' | 'stream_truncated';

export type TimeoutPhase = 'connect' | 'first_byte' | 'idle' | 'total';

export interface UpstreamFailureFacts {
  readonly requestId: string;
  readonly route: string | null;
  readonly provider: TableProvider;
  readonly model: string;
  readonly attempt: number;
  readonly kind: LoggedFailureKind;
  /** The classified failure, when there is one (status, message, upstream code). */
  readonly failure?: UpstreamFailure;
  /** What was thrown (its `code`, e.g. ECONNREFUSED, is logged). */
  readonly cause?: unknown;
  /** Set by the caller when its own deadline fired (no error code says so). */
  readonly timeout?: TimeoutPhase;
}

export const MAX_DETAIL_CHARS = 200;
const CODE = /^[A-Z][A-Z0-9_]{2,47}$/;
const KEY_PATTERN = /\b(?:sk|pk|rk|gsk|xai|key|api[_-]?key)[-_][A-Za-z0-9_*.-]{6,}/gi;
const BEARER_PATTERN = /\b(?:Bearer|Basic)\s+[A-Za-z0-9_*.~+/=-]+/gi;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]+/g;

const TIMEOUT_CODES: Readonly<Record<string, TimeoutPhase>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'first_byte',
  UND_ERR_BODY_TIMEOUT: 'idle',
};

/** The first error code (e.g. ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT) on `err` or its causes. */
export function errorCodeOf(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CODE.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A short, non-secret detail: key-shaped tokens removed, nothing that overlaps the credential, one line, capped. */
export function safeDetail(text: string | undefined, provider: TableProvider): string | undefined {
  if (text === undefined || text === '') return undefined;
  const out = text.replace(BEARER_PATTERN, '[redacted]').replace(KEY_PATTERN, '[redacted]').replace(CONTROL, ' ').trim();
  if (out === '' || leaksCredential(out, provider)) return undefined;
  return out.length > MAX_DETAIL_CHARS ? `${out.slice(0, MAX_DETAIL_CHARS - 1)}…` : out;
}

function detailOf(f: UpstreamFailureFacts): string | undefined {
  const status = f.failure?.status;
  switch (f.kind) {
    case 'auth':
      return `The provider rejected the gateway's own credentials${status === undefined ? '' : ` (HTTP ${status})`}: check the Provider's API key Secret.`;
    case 'stream_truncated':
      return 'The upstream stream ended before its terminal event.';
    case 'stream_interrupted':
      return safeDetail(f.failure?.message, f.provider) ?? 'The upstream stream broke off.';
    default:
      return safeDetail(f.failure?.message, f.provider);
  }
}

export class UpstreamFailureLog {
  readonly #logger: Logger;
  readonly #limiter: FailureLogLimiter;

  constructor(logger: Logger, limiter: FailureLogLimiter) {
    this.#logger = logger;
    this.#limiter = limiter;
  }

  record(f: UpstreamFailureFacts): void {
    const isClient = f.kind === 'client';
    if (isClient && !this.#logger.isLevelEnabled('debug')) return;
    const suppressed = isClient ? 0 : this.#limiter.admit(`${f.provider.id}\u0000${f.model}`, f.kind);
    if (suppressed === null) return;
    const errorCode = errorCodeOf(f.cause);
    const line: Record<string, unknown> = {
      requestId: f.requestId,
      route: f.route,
      provider: f.provider.id,
      upstreamModel: f.model,
      failure: f.kind,
      attempt: f.attempt,
    };
    if (f.failure?.status !== undefined) line.status = f.failure.status;
    if (errorCode !== undefined) line.errorCode = errorCode;
    const timeout = f.timeout ?? (errorCode === undefined ? undefined : TIMEOUT_CODES[errorCode]);
    if (timeout !== undefined) line.timeout = timeout;
    const upstreamCode = safeDetail(f.failure?.upstreamCode, f.provider);
    if (upstreamCode !== undefined) line.upstreamCode = upstreamCode.slice(0, 64);
    const detail = detailOf(f);
    if (detail !== undefined) line.detail = detail;
    if (isClient) {
      this.#logger.debug(line, 'upstream rejected the request');
      return;
    }
    line.suppressed = suppressed;
    this.#logger.warn(line, 'upstream failure');
  }
}
