// Google's error envelope (google.rpc.Status as JSON: {error: {code, message, status, details}}), shared by HTTP error
// classification (pkg/providers/gemini/errors.ts, and Vertex AI's Gemini models) and in-stream error events.
// Status names are the google.rpc.Code names the Gemini API's "Troubleshooting" page lists with their HTTP codes:
// 400 INVALID_ARGUMENT / FAILED_PRECONDITION, 403 PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED,
// 500 INTERNAL, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED. RetryInfo.retryDelay is a protobuf Duration ("34s", "1.5s").
import type { StreamError } from '../../canonical/types.ts';
import type { WireErrorStatus } from './wire.ts';

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The google.rpc.Status of an error body: `{error:{…}}`, or the same wrapped in a one-element array (what
 * streamGenerateContent without alt=sse answers). Null when the body is not such an envelope.
 */
export function googleErrorStatus(parsed: unknown): WireErrorStatus | null {
  const root = Array.isArray(parsed) && parsed.length === 1 ? (parsed[0] as unknown) : parsed;
  if (!isObj(root) || !isObj(root.error)) return null;
  const e = root.error;
  return {
    ...(typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.message === 'string' && e.message !== '' ? { message: e.message } : {}),
    ...(typeof e.status === 'string' && e.status !== '' ? { status: e.status } : {}),
    ...(Array.isArray(e.details) ? { details: e.details.filter(isObj) } : {}),
  };
}

function detail(e: WireErrorStatus, type: string): Obj | undefined {
  return e.details?.find((d) => typeof d['@type'] === 'string' && (d['@type'] as string).endsWith(`/google.rpc.${type}`));
}

/** Seconds from RetryInfo.retryDelay ("34s", "0.25s"), rounded up; undefined when absent or malformed. */
export function retryDelaySeconds(e: WireErrorStatus): number | undefined {
  const delay = detail(e, 'RetryInfo')?.retryDelay;
  if (typeof delay !== 'string') return undefined;
  const m = /^(\d{1,9})(?:\.(\d{1,9}))?s$/.exec(delay.trim());
  if (m === null) return undefined;
  const secs = Number(m[1]) + (m[2] === undefined ? 0 : Number(`0.${m[2]}`));
  return Math.ceil(secs);
}

/** True when the error says the API key itself is bad (400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID). */
export function isApiKeyError(e: WireErrorStatus): boolean {
  const reason = detail(e, 'ErrorInfo')?.reason;
  return reason === 'API_KEY_INVALID' || reason === 'API_KEY_SERVICE_BLOCKED' || reason === 'API_KEY_HTTP_REFERRER_BLOCKED';
}

const CONTEXT_LENGTH = /input token count.*exceeds|exceeds the maximum number of tokens|too many (input )?tokens|context (window|length)/i;

/** True when an INVALID_ARGUMENT message says the prompt does not fit the model's context window. */
export function isContextLengthMessage(message: string): boolean {
  return CONTEXT_LENGTH.test(message);
}

/** The failure kind of a google.rpc status name (HTTP code as the fallback when the name is absent or new). */
export function googleStatusKind(status: string | undefined, code: number | undefined): StreamError['kind'] {
  switch (status) {
    case 'RESOURCE_EXHAUSTED':
      return 'rate_limited';
    // FAILED_PRECONDITION is the account, not the request: billing not enabled, the API not offered in its region.
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
    case 'FAILED_PRECONDITION':
      return 'auth';
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
    case 'OUT_OF_RANGE':
    case 'ALREADY_EXISTS':
      return 'client';
    case 'DEADLINE_EXCEEDED':
      return 'timeout';
    case 'INTERNAL':
    case 'UNAVAILABLE':
    case 'UNKNOWN':
    case 'DATA_LOSS':
    case 'ABORTED':
    case 'CANCELLED':
      return 'server';
    default:
      break;
  }
  if (code === 429) return 'rate_limited';
  if (code === 401 || code === 403) return 'auth';
  if (code === 504) return 'timeout';
  if (code !== undefined && code >= 400 && code < 500) return 'client';
  return 'server';
}
