// Azure OpenAI URLs. Two styles, chosen by spec.apiVersion:
//   - "v1" (default): {resource}/openai/v1/chat/completions, /embeddings, /responses — OpenAI's own paths, the
//     deployment named by the body's `model`; no api-version ("preview" adds ?api-version=preview, for the v1 preview
//     surface);
//   - a dated version (e.g. "2024-10-21"): {resource}/openai/deployments/{deployment}/chat/completions?api-version=…
//     and …/embeddings; the Responses API is not deployment-scoped: {resource}/openai/responses?api-version=….
// The deployment is the route target's model name. Pure: no I/O.
import type { ClientApi } from '../../canonical/types.ts';
import type { Endpoint } from '../http/send.ts';
import type { Endpoints } from '../openai/request.ts';
import { AZURE_DEFAULT_API_VERSION } from './descriptor.ts';

export interface AzureUrlStyle {
  readonly kind: 'v1' | 'classic';
  /** '' or "?api-version=…". */
  readonly query: string;
  /** The server accepts `stream_options` (stream usage): every v1 version and dated versions from 2024-09-01. */
  readonly streamOptions: boolean;
  /** The output cap field of translated chat requests: `max_tokens` for dated versions before 2024-09-01. */
  readonly maxTokensField: 'max_completion_tokens' | 'max_tokens';
}

/** The first dated api-version (2024-09-01-preview) that accepts stream_options.include_usage and max_completion_tokens. */
const MODERN_SINCE = '2024-09-01';

export function urlStyle(apiVersion: string | undefined): AzureUrlStyle {
  const v = apiVersion === undefined || apiVersion === '' ? AZURE_DEFAULT_API_VERSION : apiVersion;
  if (v === 'v1') return { kind: 'v1', query: '', streamOptions: true, maxTokensField: 'max_completion_tokens' };
  if (v === 'preview') return { kind: 'v1', query: '?api-version=preview', streamOptions: true, maxTokensField: 'max_completion_tokens' };
  const modern = v >= MODERN_SINCE;
  return { kind: 'classic', query: `?api-version=${encodeURIComponent(v)}`, streamOptions: modern, maxTokensField: modern ? 'max_completion_tokens' : 'max_tokens' };
}

/** The resource endpoint: the baseURL's origin and path, without a trailing /openai or /openai/v1 (either is accepted). */
export function resourceBase(baseURL: string): { readonly origin: string; readonly prefix: string } {
  const url = new URL(baseURL);
  const prefix = url.pathname.replace(/\/+$/, '').replace(/\/openai(\/v1)?$/i, '');
  return { origin: url.origin, prefix };
}

const SUFFIX: Readonly<Partial<Record<ClientApi, string>>> = {
  'openai-chat': '/chat/completions',
  'openai-embeddings': '/embeddings',
  'openai-responses': '/responses',
};

/** The endpoint of `api` for `deployment`; undefined for an API Azure does not serve natively. */
export function azureEndpoint(base: ReturnType<typeof resourceBase>, style: AzureUrlStyle, api: ClientApi, deployment: string): Endpoint | undefined {
  const suffix = SUFFIX[api];
  if (suffix === undefined) return undefined;
  if (style.kind === 'v1') return { origin: base.origin, path: `${base.prefix}/openai/v1${suffix}${style.query}` };
  if (api === 'openai-responses') return { origin: base.origin, path: `${base.prefix}/openai/responses${style.query}` };
  return { origin: base.origin, path: `${base.prefix}/openai/deployments/${encodeURIComponent(deployment)}${suffix}${style.query}` };
}

const MAX_MEMO = 512;

/**
 * Endpoints per deployment, built once per deployment and adapter (a table names few deployments; the memo is
 * cleared if it ever grows past MAX_MEMO entries).
 */
export function createEndpointMemo(baseURL: string, style: AzureUrlStyle): (deployment: string) => Endpoints {
  const base = resourceBase(baseURL);
  const memo = new Map<string, Endpoints>();
  return (deployment) => {
    let eps = memo.get(deployment);
    if (eps === undefined) {
      const out: Partial<Record<ClientApi, Endpoint>> = {};
      for (const api of Object.keys(SUFFIX) as ClientApi[]) {
        const ep = azureEndpoint(base, style, api, deployment);
        if (ep !== undefined) out[api] = ep;
      }
      eps = out;
      if (memo.size >= MAX_MEMO) memo.clear();
      memo.set(deployment, eps);
    }
    return eps;
  };
}
