// Putting the credential on a built request through applyCredential (credentials.ts). A header credential (the
// common case) needs no URL object; any other kind gets the endpoint as a URL so a query key can be added.
import type { TableCredential } from '../../table/types.ts';
import { applyCredential } from './credentials.ts';
import type { Endpoint } from './send.ts';

/** Sets the credential on `headers` (in place) and returns the path to send to (with a query credential when the kind needs one). */
export function authorize(credential: TableCredential | null, headers: Record<string, string>, endpoint: Endpoint): string {
  if (credential === null) return endpoint.path;
  if (credential.kind === 'header') {
    headers[credential.header] = credential.value;
    return endpoint.path;
  }
  const url = new URL(endpoint.path, endpoint.origin);
  applyCredential(credential, headers, url);
  return `${url.pathname}${url.search}`;
}
