// The access log: exactly one JSON line per request, written through the injected pino logger at info.
// A fixed allow-list of fields whose values come from the routing table, our own codes or numbers; the request id is
// validated at arrival (request-id.ts). Never headers, bodies, keys or raw client strings (E11, E14).
import { pino } from 'pino';
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

const S = pino.symbols;
const MSG = ',"msg":"request"';
/** Not in pino's type declarations; undefined on pino versions without message prefixes. */
const MSG_PREFIX = (S as unknown as Record<string, symbol>).msgPrefixSym ?? Symbol('absent');

type Fields = Record<string, unknown>;
/** Writes one access line straight to the logger's stream; null when the logger needs pino's general path. */
type FastWrite = (fields: Fields) => void;

/**
 * The line pino would write for `logger.info(fields, 'request')`, built with one native JSON.stringify of the
 * (formatted) fields instead of pino's per-key stringifiers: the same level prefix, time, child bindings, fields and
 * msg, written to the same stream. Only for a logger where that is exactly what pino does (no mixin, hooks,
 * redaction or per-key stringifiers or serializers, default message key, no nesting or prefix); others, and any
 * change pino may make to its internals, fall back to logger.info.
 */
function fastWriter(logger: Logger): FastWrite | null {
  const l = logger as unknown as Record<symbol, unknown>;
  const stream = l[S.streamSym] as { write?: unknown; [k: symbol]: unknown } | undefined;
  const lsCache = l[S.lsCacheSym] as Record<number, string> | undefined;
  const time = l[S.timeSym];
  const chindings = l[S.chindingsSym];
  const end = l[S.endSym];
  const stringifiers = l[S.stringifiersSym] as Record<string | symbol, unknown> | undefined;
  const serializers = l[S.serializersSym] as Record<string, unknown> | undefined;
  const formatters = l[S.formattersSym] as { log?: (o: Fields) => Fields } | undefined;
  const hooks = l[S.hooksSym] as { streamWrite?: unknown } | undefined;
  const infoNum = (logger.levels as Logger['levels'] | undefined)?.values.info;
  const prefix = infoNum === undefined ? undefined : lsCache?.[infoNum];
  if (stream === undefined || typeof stream.write !== 'function' || stream[S.needsMetadataGsym] === true) return null;
  if (typeof prefix !== 'string' || typeof time !== 'function' || typeof chindings !== 'string' || typeof end !== 'string') return null;
  if (l[S.mixinSym] !== undefined && l[S.mixinSym] !== null) return null;
  if (hooks?.streamWrite !== undefined || l[S.messageKeySym] !== 'msg' || Boolean(l[S.nestedKeySym]) || l[MSG_PREFIX] !== undefined) return null;
  if (stringifiers === undefined || Object.keys(stringifiers).length > 0 || stringifiers[S.wildcardFirstSym] !== undefined) return null;
  if (serializers === undefined || Object.keys(serializers).some((k) => k !== 'err')) return null;
  const write = (stream.write as (s: string) => void).bind(stream);
  const log = formatters?.log;
  return (fields) => {
    const json = JSON.stringify(log === undefined ? fields : log(fields));
    write(`${prefix}${(time as () => string).call(logger)}${chindings},${json.slice(1, -1)}${MSG}${end}`);
  };
}

const writers = new WeakMap<Logger, FastWrite | null>();

export function writeAccessLog(logger: Logger, l: AccessLogLine): void {
  let fast = writers.get(logger);
  if (fast === undefined) {
    fast = fastWriter(logger);
    writers.set(logger, fast);
  }
  if (fast !== null && !logger.isLevelEnabled('info')) return;
  (fast ?? ((fields: Fields) => logger.info(fields, 'request')))(
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
  );
}
