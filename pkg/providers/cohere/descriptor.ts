// The cohere provider type: Cohere's own API (api.cohere.com), v2 chat and v2 embed. No client API the gateway
// accepts is Cohere's, so every one is translated: the chat family through the canonical form and the Cohere Chat
// v2 codec (pkg/dialects/cohere-chat/), OpenAI embeddings through the embeddings seam (embeddings.ts). The base URL
// is the API origin without a version, as the official SDK takes it; request paths add /v2/chat and /v2/embed.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const COHERE_DEFAULT_BASE_URL = 'https://api.cohere.com';

export const COHERE_DESCRIPTOR: ProviderDescriptor = {
  type: 'cohere',
  summary: 'Cohere (api.cohere.com): v2 chat and v2 embed; OpenAI chat, legacy completions, the Responses API, Anthropic Messages and OpenAI embeddings translated.',
  defaultBaseURL: COHERE_DEFAULT_BASE_URL,
  usesBaseURL: true,
  auth: { kind: 'header', header: 'authorization', format: 'bearer' },
  authRequired: true,
  nativeApis: [],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses', 'anthropic-messages'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'always',
  requiredHeaders: {},
};
