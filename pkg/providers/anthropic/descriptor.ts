// The anthropic provider type: Anthropic's Messages API (api.anthropic.com). The base URL includes /v1, as the
// openai type's does, so request paths are relative to it: <baseURL>/messages, <baseURL>/messages/count_tokens.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
/** The API version every request names (Anthropic's only stable version); a Provider header may override it. */
export const ANTHROPIC_VERSION = '2023-06-01';

export const ANTHROPIC_DESCRIPTOR: ProviderDescriptor = {
  type: 'anthropic',
  summary: 'Anthropic (api.anthropic.com): the Messages API natively; OpenAI chat, legacy completions and the Responses API translated.',
  defaultBaseURL: ANTHROPIC_DEFAULT_BASE_URL,
  usesBaseURL: true,
  auth: { kind: 'header', header: 'x-api-key', format: 'raw' },
  authRequired: true,
  nativeApis: ['anthropic-messages'],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-responses'],
  operations: ['chat'],
  streamUsage: 'always',
  requiredHeaders: { 'anthropic-version': ANTHROPIC_VERSION },
};
