// Upstream failures → what the client sees. Only `client` failures (the upstream blamed the request) carry the
// provider's message and code, already sanitised by the adapter and checked again here against the credential.
import type { TableProvider } from '../../table/types.ts';
import type { UpstreamFailure } from '../../providers/types.ts';
import { credentialSecrets } from '../../providers/http/credentials.ts';
import { errorOut } from '../error-reply.ts';
import type { ErrorOut } from '../error-reply.ts';

const SAFE_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
/** 4xx statuses passed through for client failures; others become 400. */
// 429 reaches here only as a budget stop (insufficient_quota, catalogue B12): rate limits are their own kind.
const PASSTHROUGH_STATUS = new Set([400, 404, 409, 413, 422, 429]);
const WINDOW = 8;

/**
 * True when any 8-character window of one of the provider's secrets appears in `text` (E11). A service-account JSON
 * is checked through its private key and key id (listed apart by credentialSecrets), not as a whole document, and PEM
 * armour lines are not secret.
 */
export function leaksCredential(text: string, provider: TableProvider): boolean {
  if (text.length < WINDOW) return false;
  for (const cred of credentialSecrets(provider.credential)) {
    if (cred.startsWith('{')) continue;
    const bare = cred.replace(/^(Bearer|Basic)\s+/i, '').replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    for (let i = 0; i + WINDOW <= bare.length; i++) if (text.includes(bare.slice(i, i + WINDOW))) return true;
  }
  return false;
}

function clientFailure(f: UpstreamFailure, provider: TableProvider): ErrorOut {
  const status = f.status !== undefined && PASSTHROUGH_STATUS.has(f.status) ? f.status : 400;
  const code = f.upstreamCode !== undefined && SAFE_CODE.test(f.upstreamCode) && !leaksCredential(f.upstreamCode, provider) ? f.upstreamCode : 'upstream_bad_request';
  const message = f.message !== undefined && f.message !== '' && !leaksCredential(f.message, provider) ? f.message : undefined;
  const param = typeof f.param === 'string' && !leaksCredential(f.param, provider) ? f.param : null;
  const base = errorOut('upstream_bad_request', message === undefined ? { param } : { message, param });
  return { ...base, status, code };
}

/** The error for the client when `f` is the final failure of a request. */
export function failureToError(f: UpstreamFailure, provider: TableProvider | null): ErrorOut {
  switch (f.kind) {
    case 'client':
      return provider === null ? errorOut('upstream_bad_request') : clientFailure(f, provider);
    case 'rate_limited':
      return errorOut('upstream_rate_limited', { retryAfter: Math.max(1, f.retryAfter ?? 1) });
    case 'timeout':
      return errorOut('upstream_timeout');
    case 'auth':
      return errorOut('upstream_auth_error');
    case 'invalid':
      return errorOut('upstream_invalid_response');
    case 'tls':
      return errorOut('upstream_tls_error');
    case 'connect':
      return errorOut('no_healthy_upstream');
    case 'server':
      return errorOut('upstream_error');
  }
}
