// A minimal anthropic descriptor registered until pkg/providers/anthropic/descriptor.ts (the anthropic adapter's
// own) lands; descriptors.ts then imports that one and this file is deleted.
import type { ProviderDescriptor } from './descriptor-types.ts';

export const ANTHROPIC_DESCRIPTOR: ProviderDescriptor = {
  type: 'anthropic',
  summary: 'Anthropic (api.anthropic.com): the Messages API natively; OpenAI chat, legacy completions and the Responses API translated.',
  defaultBaseURL: 'https://api.anthropic.com/v1',
  usesBaseURL: true,
  auth: { kind: 'header', header: 'x-api-key', format: 'raw' },
  authRequired: true,
  nativeApis: ['anthropic-messages'],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-responses'],
  operations: ['chat'],
  streamUsage: 'always',
  requiredHeaders: { 'anthropic-version': '2023-06-01' },
};
