// Bedrock exception names → failure kinds, for both the HTTP error (x-amzn-errortype, e.g. "ThrottlingException")
// and in-stream exceptions (:exception-type, e.g. "throttlingException"): the name is compared case-insensitively
// without its "Exception" suffix. Statuses from the Bedrock API Reference (Converse "Errors"): ThrottlingException
// 429, ModelNotReadyException 429, ServiceUnavailableException 503, InternalServerException 500,
// ModelTimeoutException 408, ModelErrorException 424, ModelStreamErrorException 424, ValidationException 400,
// ResourceNotFoundException 404, AccessDeniedException 403, ServiceQuotaExceededException 400.
import type { StreamError } from '../../canonical/types.ts';

/** "ThrottlingException:http://…" or "throttlingException" → "throttling". */
export function exceptionKey(name: string): string {
  return (name.split(':')[0] ?? '').trim().toLowerCase().replace(/exception$/, '');
}

const KINDS: Readonly<Record<string, StreamError['kind']>> = {
  throttling: 'rate_limited',
  servicequotaexceeded: 'rate_limited',
  toomanyrequests: 'rate_limited',
  modelnotready: 'server',
  serviceunavailable: 'server',
  internalserver: 'server',
  internalfailure: 'server',
  modelstreamerror: 'server',
  modelerror: 'server',
  modeltimeout: 'timeout',
  validation: 'client',
  resourcenotfound: 'client',
  conflict: 'client',
  accessdenied: 'auth',
  unrecognizedclient: 'auth',
  expiredtoken: 'auth',
  invalidsignature: 'auth',
  incompletesignature: 'auth',
  missingauthenticationtoken: 'auth',
  invalidclienttokenid: 'auth',
  signaturedoesnotmatch: 'auth',
};

/** The failure kind of a Bedrock exception name; undefined when the name is unknown (the caller decides by status). */
export function exceptionKind(name: string): StreamError['kind'] | undefined {
  return KINDS[exceptionKey(name)];
}

/** Bedrock's wordings for a prompt longer than the model's context window (ValidationException messages). */
export const CONTEXT_LENGTH = /input is too long|too many (input )?tokens|prompt is too long|context (window|length|limit)|exceeds? the (maximum|max) (number of )?(input )?tokens|input length and `max_tokens` exceed/i;
