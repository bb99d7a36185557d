// The gemini provider type: Google's Generative Language API (the "Gemini API", generativelanguage.googleapis.com).
// No client speaks its dialect to the gateway, so every client API is translated: chat-family APIs through the
// canonical form to generateContent / streamGenerateContent?alt=sse, the OpenAI Embeddings API to
// batchEmbedContents. The base URL includes the API version (/v1beta: thinking, thought signatures, JSON-schema
// tools and structured output are served there), so paths are <baseURL>/models/<model>:<method>.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const GEMINI_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

export const GEMINI_DESCRIPTOR: ProviderDescriptor = {
  type: 'gemini',
  summary: 'Google Gemini API (generativelanguage.googleapis.com): OpenAI chat, legacy completions, the Responses API and Anthropic Messages translated to generateContent; OpenAI embeddings to batchEmbedContents.',
  defaultBaseURL: GEMINI_DEFAULT_BASE_URL,
  usesBaseURL: true,
  auth: { kind: 'header', header: 'x-goog-api-key', format: 'raw' },
  authRequired: true,
  nativeApis: [],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses', 'anthropic-messages'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'always',
  requiredHeaders: {},
};
