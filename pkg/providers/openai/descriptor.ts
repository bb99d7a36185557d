// The openai provider type: api.openai.com, which serves every OpenAI client API natively.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const OPENAI_DESCRIPTOR: ProviderDescriptor = {
  type: 'openai',
  summary: 'OpenAI (api.openai.com): chat, legacy completions, embeddings and the Responses API natively; Anthropic Messages translated to chat.',
  defaultBaseURL: 'https://api.openai.com/v1',
  usesBaseURL: true,
  auth: { kind: 'header', header: 'authorization', format: 'bearer' },
  authRequired: true,
  nativeApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses'],
  translatedApis: ['anthropic-messages'],
  operations: ['chat', 'completions', 'embeddings'],
  streamUsage: 'stream_options',
  requiredHeaders: {},
};
