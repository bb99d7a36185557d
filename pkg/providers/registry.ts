// Adapter dispatch on provider.type. Types the schema accepts but this release does not serve throw, and the
// compiler reports them as unsupported before they reach a table.
import type { AdapterDeps, AdapterFactory, ProviderAdapter } from './types.ts';
import type { TableProvider } from '../table/types.ts';
import { providerCodec as openAIChatCodec } from '../dialects/openai-chat/index.ts';
import { createAnthropicAdapter } from './anthropic/index.ts';
import { createBedrockAdapter } from './bedrock/index.ts';
import { createCohereAdapter } from './cohere/index.ts';
import { createAzureOpenAIAdapter } from './azure-openai/index.ts';
import { createFakeAdapter } from './fake/index.ts';
import { createGeminiAdapter } from './gemini/index.ts';
import { createOpenAIAdapter } from './openai/index.ts';
import { createOpenAICompatibleAdapter } from './openai-compatible/index.ts';
import { createVertexAIAdapter } from './vertex-ai/index.ts';

export class UnsupportedProviderError extends Error {
  readonly providerType: string;
  constructor(type: string) {
    super(`provider type "${type}" is not supported in this release`);
    this.name = 'UnsupportedProviderError';
    this.providerType = type;
  }
}

export const createAdapter: AdapterFactory = (provider: TableProvider, deps: AdapterDeps): ProviderAdapter => {
  switch (provider.type) {
    case 'openai':
      return createOpenAIAdapter(provider, deps, { codec: openAIChatCodec });
    case 'openai-compatible':
      return createOpenAICompatibleAdapter(provider, deps, { codec: openAIChatCodec });
    case 'anthropic':
      return createAnthropicAdapter(provider, deps);
    case 'cohere':
      return createCohereAdapter(provider, deps);
    case 'azure-openai':
      return createAzureOpenAIAdapter(provider, deps);
    case 'bedrock':
      return createBedrockAdapter(provider, deps);
    case 'gemini':
      return createGeminiAdapter(provider, deps);
    case 'vertex-ai':
      return createVertexAIAdapter(provider, deps);
    case 'fake':
      return createFakeAdapter(provider, deps, { codec: openAIChatCodec });
    default:
      throw new UnsupportedProviderError(provider.type);
  }
};
