// Where a Vertex AI request goes: the host follows the location, the path names project, location, publisher and
// model. Which publisher serves a model is decided by its name: `claude-*` models are Anthropic's (rawPredict /
// streamRawPredict, Anthropic Messages bodies); every other model is Google's (generateContent /
// streamGenerateContent?alt=sse, Gemini bodies). Pure, no I/O.
import type { TableProvider } from '../../table/types.ts';

/** The publisher whose API a model speaks on Vertex AI. */
export type VertexFamily = 'google' | 'anthropic';

/** The provider type's default base URL (the global endpoint); a regional location gets its regional host instead. */
export const VERTEX_DEFAULT_BASE_URL = 'https://aiplatform.googleapis.com/v1';

/**
 * `claude-…` (any case, with or without a `@version` suffix, e.g. claude-sonnet-4-5@20250929) → anthropic; any other
 * model name → google.
 */
export function vertexFamily(model: string): VertexFamily {
  return /^claude-/i.test(model) ? 'anthropic' : 'google';
}

/**
 * The API root (with /v1) for a location: "global" → https://aiplatform.googleapis.com/v1; the multi-region
 * locations "us" / "eu" → https://aiplatform.{us,eu}.rep.googleapis.com/v1; a region such as us-central1 →
 * https://us-central1-aiplatform.googleapis.com/v1.
 */
export function vertexBaseURL(location: string): string {
  if (location === 'global') return VERTEX_DEFAULT_BASE_URL;
  if (location === 'us' || location === 'eu') return `https://aiplatform.${location}.rep.googleapis.com/v1`;
  return `https://${location}-aiplatform.googleapis.com/v1`;
}

export type VertexMethod = 'generateContent' | 'streamGenerateContent' | 'rawPredict' | 'streamRawPredict' | 'predict';

export interface VertexEndpoint {
  readonly origin: string;
  readonly path: string;
}

/** What endpoint building needs of a Provider. */
export type VertexProvider = Pick<TableProvider, 'id' | 'baseURL' | 'region' | 'project'>;

/** A path segment: percent-encoded, but `@` kept (Vertex model versions, e.g. claude-opus-4@20250514). */
function segment(s: string): string {
  return encodeURIComponent(s).replace(/%40/g, '@');
}

/** The Provider's location and project; an Error when one is missing (the compiler requires both). */
export function vertexPlace(provider: VertexProvider): { readonly location: string; readonly project: string } {
  const location = provider.region ?? '';
  const project = provider.project ?? '';
  if (location === '' || project === '') throw new Error(`vertex-ai provider ${provider.id} needs spec.region (the location) and spec.project`);
  return { location, project };
}

/**
 * The API root of a Provider: its spec.baseURL when it names another host (e.g. a Private Service Connect endpoint
 * or a test double), else the location's host. The default base URL (the global host) counts as "not set": a
 * regional location then uses its regional host.
 */
export function vertexRoot(provider: VertexProvider): URL {
  const { location } = vertexPlace(provider);
  const base = provider.baseURL === '' || provider.baseURL === VERTEX_DEFAULT_BASE_URL ? vertexBaseURL(location) : provider.baseURL;
  return new URL(base);
}

/**
 * POST …/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}; the streaming
 * Gemini method gets ?alt=sse (server-sent events instead of a JSON array).
 */
export function vertexEndpoint(provider: VertexProvider, family: VertexFamily, model: string, method: VertexMethod): VertexEndpoint {
  const { location, project } = vertexPlace(provider);
  const root = vertexRoot(provider);
  const prefix = root.pathname.replace(/\/+$/, '');
  const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
  const path = `${prefix}/projects/${segment(project)}/locations/${segment(location)}/publishers/${family}/models/${segment(model)}:${method}${query}`;
  return { origin: root.origin, path };
}

/** Anthropic's count_tokens on Vertex: POST …/publishers/anthropic/models/count-tokens:rawPredict (the model is in the body). */
export function vertexCountTokensEndpoint(provider: VertexProvider): VertexEndpoint {
  return vertexEndpoint(provider, 'anthropic', 'count-tokens', 'rawPredict');
}
