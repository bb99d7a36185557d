// The ingresses the data port serves, built once by the server factory (no module state).
import { createAnthropicCountTokensIngress } from './anthropic-messages/count-tokens.ts';
import { createAnthropicMessagesIngress } from './anthropic-messages/index.ts';
import { createOpenAIChatIngress } from './openai-chat/index.ts';
import { createOpenAICompletionsIngress } from './openai-completions/index.ts';
import { createOpenAIEmbeddingsIngress } from './openai-embeddings/index.ts';
import { createOpenAIResponsesIngress } from './openai-responses/index.ts';
import type { Ingress } from './types.ts';

export interface Ingresses {
  readonly chat: Ingress;
  readonly completions: Ingress;
  readonly embeddings: Ingress;
  readonly responses: Ingress;
  readonly messages: Ingress;
  readonly countTokens: Ingress;
}

export function createIngresses(): Ingresses {
  return {
    chat: createOpenAIChatIngress(),
    completions: createOpenAICompletionsIngress(),
    embeddings: createOpenAIEmbeddingsIngress(),
    responses: createOpenAIResponsesIngress(),
    messages: createAnthropicMessagesIngress(),
    countTokens: createAnthropicCountTokensIngress(),
  };
}
