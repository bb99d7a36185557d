// Pure request building for the cohere provider: endpoints under the base URL and the headers every request
// carries. The body comes from the Cohere Chat v2 codec (chat) or embeddings.ts (embed).
import type { TableProvider } from '../../table/types.ts';
import { authorize } from '../http/authorize.ts';
import { resolveEndpoint } from '../http/send.ts';
import type { Endpoint } from '../http/send.ts';

export const CHAT_PATH = '/v2/chat';
export const EMBED_PATH = '/v2/embed';

// Framing and hop-by-hop headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization']);

/** What request building needs of a Provider. */
export type CohereProvider = Pick<TableProvider, 'baseURL' | 'headers' | 'credential'>;

/** <baseURL>/v2/chat and <baseURL>/v2/embed (a base URL with a path, e.g. behind a proxy, keeps it). */
export function cohereEndpoints(baseURL: string): { readonly chat: Endpoint; readonly embed: Endpoint } {
  return { chat: resolveEndpoint(baseURL, CHAT_PATH), embed: resolveEndpoint(baseURL, EMBED_PATH) };
}

/**
 * Headers: the Provider's extra headers, then ours, then the credential (Authorization: Bearer <key>, formatted by
 * the compiler). Returns the headers and the path to send to (authorize() adds a query credential if one is set).
 */
export function cohereHeaders(provider: CohereProvider, endpoint: Endpoint, requestId: string, stream: boolean): { headers: Record<string, string>; path: string } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = requestId;
  const path = authorize(provider.credential, headers, endpoint);
  return { headers, path };
}
