// The access log: exactly one JSON line per request, written through the injected pino logger at info.
// A fixed allow-list of fields whose values come from the routing table, our own codes or numbers; the request id is
// validated at arrival (request-id.ts). Never headers, bodies, keys or raw client strings (E11, E14).
import type { Logger } from 'pino';

export interface AccessLogLine {
  readonly requestId: string;
  readonly method: string;
  /** Canonical route (e.g. "/v1/chat/completions"), never the raw URL. */
  readonly path: string;
  readonly status: number;
  /** Stable error code, '' on success. */
  readonly code: string;
  readonly durationMs: number;
  /** Time to the first streamed token; null when not streamed or no token was sent. */
  readonly ttftMs: number | null;
  readonly route: string | null;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly attempts: number;
  /**
   * Attempts that failed after the upstream may have received the request (reset after send, first-byte or idle
   * timeout; ADR 0023): the provider may have billed them though no usage reached us. 0 for most requests.
   */
  readonly uncertainAttempts: number;
  readonly stream: boolean;
  readonly tokensIn: number | null;
  readonly tokensOut: number | null;
  /** USD, rounded to 1e-9 where it is computed (dispatch/usage.ts). */
  readonly costUSD: number | null;
  /** True when tokensIn/tokensOut are our estimate (stream cut short before the provider reported usage). */
  readonly usageEstimated: boolean;
  /** Principal id ("namespace/name" of the key Secret): a non-secret key id. */
  readonly keyId: string | null;
  readonly team: string | null;
  readonly user: string | null;
  /** The ModelRoute rule that chose the targets (a name from the table); logged only when one did. */
  readonly rule?: string | null;
  /** A `spillover` target was skipped because its pool was saturated; logged (`spilled: true`) only then. */
  readonly spilled?: boolean;
}

const MAX_CHARS = 256;

function cap(v: string | null): string | null {
  return v !== null && v.length > MAX_CHARS ? v.slice(0, MAX_CHARS) : v;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function writeAccessLog(logger: Logger, l: AccessLogLine): void {
  logger.info(
    {
      requestId: cap(l.requestId),
      method: METHODS.has(l.method) ? l.method : 'OTHER',
      path: cap(l.path),
      status: l.status,
      code: cap(l.code),
      durationMs: Math.round(l.durationMs * 1000) / 1000,
      ttftMs: l.ttftMs === null ? null : Math.round(l.ttftMs * 1000) / 1000,
      route: cap(l.route),
      provider: cap(l.provider),
      upstreamModel: cap(l.upstreamModel),
      attempts: l.attempts,
      uncertainAttempts: l.uncertainAttempts,
      stream: l.stream,
      tokensIn: l.tokensIn,
      tokensOut: l.tokensOut,
      costUSD: l.costUSD === null ? null : Math.round(l.costUSD * 1e9) / 1e9,
      usageEstimated: l.usageEstimated,
      keyId: cap(l.keyId),
      team: cap(l.team),
      user: cap(l.user),
      ...(l.rule === undefined || l.rule === null ? {} : { rule: cap(l.rule) }),
      ...(l.spilled === true ? { spilled: true } : {}),
    },
    'request',
  );
}
