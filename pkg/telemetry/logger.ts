// The structured logger: pino JSON lines with ISO timestamps, redaction of credential-shaped fields as defence in
// depth (code should never log a secret in the first place), and capped field lengths (E14: logs stay one line each
// and cannot be flooded by a 100 KB header).
import { pino } from 'pino';
import type { DestinationStream, Level, Logger } from 'pino';

export type LogLevel = Level | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Where JSON lines go. Default: stdout (fd 1), buffered (see stdoutDestination). */
  readonly destination?: DestinationStream;
}

/** Bytes gathered before one write to stdout; one syscall per request line costs more than the rest of the log. */
const STDOUT_BUFFER_BYTES = 4096;
/** Longest time a buffered line waits before it is written, so a quiet gateway's logs still appear promptly. */
const STDOUT_FLUSH_MS = 250;

/**
 * stdout as an asynchronous, buffered pino destination, flushed at least every STDOUT_FLUSH_MS (unref'd timer) and
 * synchronously at process exit (pino registers that for destinations it builds).
 */
function stdoutDestination(): DestinationStream {
  const dest = pino.destination({ dest: 1, sync: false, minLength: STDOUT_BUFFER_BYTES });
  const timer = setInterval(() => {
    try {
      dest.flush();
    } catch {
      // not ready yet (still opening) or already closed: the next tick or the exit hook writes the lines
    }
  }, STDOUT_FLUSH_MS);
  timer.unref();
  return dest;
}

/** Field names whose values are credentials wherever they appear (top level and one level down). */
const SECRET_FIELDS = [
  'authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'cookie', 'set-cookie',
  'password', 'passwd', 'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken',
  'secret', 'clientSecret', 'client_secret', 'apiKey', 'api_key', 'key', 'credential', 'credentials', 'privateKey',
  'private_key', 'stringData', 'secretAccessKey', 'sessionToken', 'x-amz-security-token',
] as const;

/** Too generic to redact at the top level, but a Secret's base64 `data` when an object is logged whole. */
const NESTED_ONLY_FIELDS = ['data'] as const;

/** Header-like fields that also appear two levels down (req.headers.authorization, err.request.headers…). */
const HEADER_FIELDS = ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'x-goog-api-key', 'x-amz-security-token', 'cookie', 'set-cookie'] as const;

function prop(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : `["${name}"]`;
}

function join(prefix: string, name: string): string {
  const p = prop(name);
  return p.startsWith('[') ? `${prefix}${p}` : `${prefix}.${p}`;
}

/** The pino redact paths used by createLogger (exported for tests and for other sinks that want the same list). */
export function redactPaths(): string[] {
  const paths = new Set<string>();
  for (const f of SECRET_FIELDS) {
    paths.add(prop(f));
    paths.add(join('*', f));
  }
  for (const f of NESTED_ONLY_FIELDS) paths.add(join('*', f));
  for (const f of HEADER_FIELDS) paths.add(join('*.*', f));
  return [...paths];
}

/** Longest string value a log field may carry; longer values are cut and marked. */
export const MAX_FIELD_CHARS = 2048;

function cap(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_FIELD_CHARS) {
    return `${value.slice(0, MAX_FIELD_CHARS)}…[truncated ${value.length - MAX_FIELD_CHARS} chars]`;
  }
  return value;
}

/** Caps string fields at the top level and one level down (cheap: no deep walk on the hot path). */
function capFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    let next: unknown = v;
    if (typeof v === 'string') next = cap(v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Error)) {
      const inner = v as Record<string, unknown>;
      let copy: Record<string, unknown> | undefined;
      for (const ik of Object.keys(inner)) {
        const c = cap(inner[ik]);
        if (c !== inner[ik]) (copy ??= { ...inner })[ik] = c;
      }
      if (copy) next = copy;
    }
    if (next !== v) (out ??= { ...obj })[k] = next;
  }
  return out ?? obj;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      formatters: {
        level: (label) => ({ level: label }),
        log: capFields,
      },
    },
    opts.destination ?? stdoutDestination(),
  );
}
