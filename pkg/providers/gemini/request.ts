// Pure request building for the gemini provider: endpoints under the base URL and the headers. The body comes from
// the Gemini dialect (pkg/dialects/gemini). The model is a path segment: percent-encoded, with the "models/" prefix
// added unless it names another collection (tunedModels/…), and it comes from the route target, never the client.
import type { TableProvider } from '../../table/types.ts';
import { authorize } from '../http/authorize.ts';
import { resolveEndpoint } from '../http/send.ts';
import type { Endpoint } from '../http/send.ts';
import { providerHeaders } from '../openai/request.ts';

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'batchEmbedContents';

/** "gemini-2.5-flash" → "models/gemini-2.5-flash"; "tunedModels/x" kept; each segment percent-encoded. */
export function modelPath(model: string): string {
  const name = /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
  return name.split('/').map(encodeURIComponent).join('/');
}

/** <baseURL>/models/<model>:<method>, with alt=sse for the stream (the base URL's own query, if any, kept). */
export function geminiEndpoint(baseURL: string, model: string, method: GeminiMethod): Endpoint {
  const e = resolveEndpoint(baseURL, `/${modelPath(model)}:${method}`);
  if (method !== 'streamGenerateContent') return e;
  const [path, query] = e.path.split('?', 2) as [string, string | undefined];
  return { origin: e.origin, path: `${path}?${query === undefined || query === '' ? '' : `${query}&`}alt=sse` };
}

/** The Provider's extra headers, then ours, then the credential (x-goog-api-key). Returns the path to send to. */
export function geminiHeaders(provider: TableProvider, endpoint: Endpoint, requestId: string, stream: boolean): { headers: Record<string, string>; path: string } {
  const headers = providerHeaders(provider);
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = requestId;
  const path = authorize(provider.credential, headers, endpoint);
  return { headers, path };
}
