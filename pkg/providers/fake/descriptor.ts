// The fake provider type: a built-in upstream inside the proxy (no HTTP, no credentials) that speaks OpenAI chat and
// embeddings; the other chat-family client APIs reach it through the canonical form.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const FAKE_DESCRIPTOR: ProviderDescriptor = {
  type: 'fake',
  summary: 'Built-in fake upstream for tests and demos: OpenAI chat and embeddings natively, other chat APIs translated; no baseURL, no credentials.',
  defaultBaseURL: null,
  usesBaseURL: false,
  auth: { kind: 'none' },
  authRequired: false,
  nativeApis: ['openai-chat', 'openai-embeddings'],
  translatedApis: ['openai-completions', 'openai-responses', 'anthropic-messages'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'stream_options',
  requiredHeaders: {},
};
