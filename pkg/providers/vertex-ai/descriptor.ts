// The vertex-ai provider type: Gemini models and Anthropic (Claude) models on Google Cloud Vertex AI, reached with
// OAuth access tokens of a service account (a JSON key in a Secret) or of the proxy's Application Default
// Credentials. spec.region is the location (us-central1, us-east5, europe-west1, … or "global"), spec.project the
// Google Cloud project; the host follows the location (endpoint.ts). Which API a model speaks is decided by its
// name: claude-* → Anthropic's Messages API through rawPredict / streamRawPredict (Anthropic Messages clients are
// passed through); any other model → Gemini's generateContent. Every other client API goes through the canonical form;
// OpenAI embeddings go to Google's text embedding models through :predict.
import type { ProviderDescriptor } from '../descriptor-types.ts';
import { CLOUD_PLATFORM_SCOPE } from './auth.ts';
import { VERTEX_DEFAULT_BASE_URL } from './endpoint.ts';

export const VERTEX_AI_DESCRIPTOR: ProviderDescriptor = {
  type: 'vertex-ai',
  summary: 'Google Cloud Vertex AI: Gemini models (generateContent) and Claude models (rawPredict; Anthropic Messages passed through) by model name; OpenAI chat, legacy completions and the Responses API translated; OpenAI embeddings to Google text embedding models (:predict); spec.region (location) and spec.project required; OAuth tokens from a service-account key or Application Default Credentials.',
  defaultBaseURL: VERTEX_DEFAULT_BASE_URL,
  usesBaseURL: true,
  auth: { kind: 'oauth', scopes: [CLOUD_PLATFORM_SCOPE] },
  authRequired: true,
  nativeApis: ['anthropic-messages'],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'always',
  requiredHeaders: {},
};
