// The azure-openai provider type: Azure OpenAI (Microsoft Foundry) resources. The wire format is OpenAI's; what
// differs is the URL (a deployment and `api-version`, or the newer /openai/v1/ paths), the `api-key` header, Entra
// ID bearer tokens and the content filter (endpoints.ts, errors.ts, content-filter.ts). spec.baseURL is the
// resource endpoint, e.g. https://my-resource.openai.azure.com: there is no default.
import type { ProviderDescriptor } from '../descriptor-types.ts';

/** spec.apiVersion when unset: the /openai/v1/ paths, which take no dated api-version. */
export const AZURE_DEFAULT_API_VERSION = 'v1';

/** The OAuth scope of Entra ID access tokens for Azure OpenAI (Cognitive Services). */
export const AZURE_COGNITIVE_SCOPE = 'https://cognitiveservices.azure.com/.default';

export const AZURE_OPENAI_DESCRIPTOR: ProviderDescriptor = {
  type: 'azure-openai',
  summary: 'Azure OpenAI: chat, embeddings and the Responses API natively on a resource\'s deployments (spec.baseURL is the resource endpoint; spec.apiVersion "v1" (default) for /openai/v1/, or a dated api-version for /openai/deployments/<deployment>/); Anthropic Messages and legacy completions translated to chat; api-key or Entra ID.',
  defaultBaseURL: null,
  usesBaseURL: true,
  auth: { kind: 'header', header: 'api-key', format: 'raw' },
  authRequired: true,
  nativeApis: ['openai-chat', 'openai-embeddings', 'openai-responses'],
  translatedApis: ['anthropic-messages', 'openai-completions'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'stream_options',
  requiredHeaders: {},
};
