// The bedrock provider type: Amazon Bedrock's Converse and ConverseStream APIs (bedrock-runtime), every client API
// translated through the canonical form; OpenAI embeddings through InvokeModel (Titan Text Embeddings, Cohere Embed).
// Requests are signed with SigV4 (service "bedrock") by the adapter's own transport; credentials are static keys from
// a Secret (spec.auth.aws) or web identity (spec.auth.awsWebIdentity, IRSA / EKS) refreshed in the background. The
// default base URL names the region: "{region}" is replaced with the Provider's spec.region.
import type { ProviderDescriptor } from '../descriptor-types.ts';

export const BEDROCK_DEFAULT_BASE_URL = 'https://bedrock-runtime.{region}.amazonaws.com';
/** The SigV4 signing name of bedrock-runtime. */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';

export const BEDROCK_DESCRIPTOR: ProviderDescriptor = {
  type: 'bedrock',
  summary: 'Amazon Bedrock (bedrock-runtime Converse / ConverseStream, and InvokeModel for Titan Text and Cohere Embed embeddings; spec.region required): OpenAI chat, legacy completions, the Responses API, Anthropic Messages and OpenAI embeddings translated; SigV4 with static keys (spec.auth.aws) or web identity (spec.auth.awsWebIdentity). Model names are Bedrock model ids, inference profile ids or ARNs.',
  defaultBaseURL: BEDROCK_DEFAULT_BASE_URL,
  usesBaseURL: true,
  auth: { kind: 'sigv4', service: BEDROCK_SIGNING_SERVICE },
  authRequired: true,
  nativeApis: [],
  translatedApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses', 'anthropic-messages'],
  operations: ['chat', 'embeddings'],
  streamUsage: 'always',
  requiredHeaders: {},
};
