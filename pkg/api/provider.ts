// Provider: one upstream account (an API endpoint plus its credentials, models and limits).
import { z } from 'zod';
import { API_VERSION, ObjectMeta, SecretKeyRef, Status, Timeouts, Duration } from './common.ts';
import { BaseURL } from './baseurl.ts';
import { celQuote, withRules } from './cel.ts';
import { mapList, maxProperties, setList } from './kube.ts';
import { presetNames, servedTypes } from '../providers/descriptors.ts';

export const PROVIDER_TYPES = [
  'openai', 'azure-openai', 'anthropic', 'gemini', 'vertex-ai', 'bedrock', 'cohere', 'openai-compatible', 'fake',
] as const;
// The served types, their presets and the docs text come from the provider descriptors (pkg/providers/descriptors.ts).
const SERVED = servedTypes();
export const ProviderType = z.enum(PROVIDER_TYPES).describe(`Which wire protocol and defaults to use. Served in this release: ${SERVED.join(', ')}; the others (${PROVIDER_TYPES.filter((t) => !SERVED.includes(t)).join(', ')}) are accepted by the schema and reported as unsupported by the controller.`);

export const OPENAI_COMPATIBLE_PRESETS = presetNames('openai-compatible') as [string, ...string[]];
export const Preset = z.enum(OPENAI_COMPATIBLE_PRESETS).describe(`For type openai-compatible: a known server whose defaults (base URL, stream usage, client APIs served natively) Switchyard applies: ${OPENAI_COMPATIBLE_PRESETS.join(', ')}.`);

export const Pricing = z
  .object({
    input: z.number().min(0).optional().describe('USD per 1M input (prompt) tokens.'),
    output: z.number().min(0).optional().describe('USD per 1M output (completion) tokens.'),
    cachedInput: z.number().min(0).optional().describe('USD per 1M input tokens read from the provider\'s prompt cache. Default: the input price.'),
    cacheWrite: z.number().min(0).optional().describe('USD per 1M input tokens written to the provider\'s prompt cache (Anthropic: the 5-minute cache write price). Default: the input price.'),
    reasoning: z.number().min(0).optional().describe('USD per 1M reasoning tokens, where the provider prices them apart from output. Default: the output price.'),
  })
  .strict()
  .describe('Prices used for cost accounting, in USD per one million tokens. Each field set here replaces the same field of Switchyard\'s list price for the model (when it has one for this provider type); fields left out keep the list price.');

export const CAPABILITIES = ['chat', 'embeddings', 'completions', 'tools', 'vision', 'json'] as const;
export const Capability = z.enum(CAPABILITIES).describe('A capability: chat, embeddings, completions, tools, vision or json.');

export const ProviderModel = z
  .object({
    name: z.string().min(1).max(256).describe('Model name as the provider knows it.'),
    pricing: Pricing.optional(),
    contextWindow: z.number().int().min(1).optional().describe('Context window in tokens.'),
    capabilities: setList(z.array(Capability).max(16)).optional().describe('What the model can do. Default: chat.'),
  })
  .strict()
  .describe('A model this provider serves.');

export const ProviderAuth = z
  .object({
    secretRef: SecretKeyRef.describe('The Secret key holding the provider API key.'),
    header: z.string().max(64).regex(/^[A-Za-z0-9-]{1,64}$/).optional().describe('Header that carries the key. Default: the type\'s own (Authorization as "Bearer <key>"; x-api-key for anthropic). Authorization always carries "Bearer <key>", any other header the raw key.'),
  })
  .strict()
  .describe('Credentials sent to the provider.');

export const ProviderLimits = z
  .object({
    rpm: z.number().int().min(1).optional().describe('Requests per minute the account allows.'),
    tpm: z.number().int().min(1).optional().describe('Tokens per minute the account allows.'),
    maxConcurrent: z.number().int().min(1).optional().describe('Most requests in flight at once, per proxy.'),
  })
  .strict()
  .describe('Limits of the upstream account.');

export const FakeSettings = z
  .object({
    latency: Duration.optional().describe('Delay before the first byte. Default 0ms.'),
    interChunkDelay: Duration.optional().describe('Delay between stream chunks. Default 0ms.'),
    outputTokens: z.number().int().min(0).max(100000).optional().describe('Number of completion tokens to produce. Default 16.'),
    chunkTokens: z.number().int().min(1).max(1000).optional().describe('Tokens per stream chunk. Default 1.'),
    failureRate: z.number().min(0).max(1).optional().describe('Fraction of requests answered with a 503 error. Default 0.'),
    embeddingDimensions: z.number().int().min(1).max(8192).optional().describe('Length of embedding vectors. Default 8.'),
  })
  .strict()
  .describe('Behaviour of the built-in fake upstream (type fake).');

const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

export const ExtraHeaders = withRules(maxProperties(z.record(z.string(), z.string().max(1024).describe('The header value.')), 64), [
  {
    rule: `self.all(k, k.matches(${celQuote(HEADER_NAME.source)}))`,
    message: 'header names must be 1 to 64 letters, digits or dashes',
    holds: (headers) => Object.keys(headers).every((k) => HEADER_NAME.test(k)),
  },
]);

const ProviderSpecFields = z
  .object({
    type: ProviderType,
    preset: Preset.optional(),
    baseURL: BaseURL.optional().describe('Base URL of the API, e.g. https://api.openai.com/v1. Defaulted per type and preset. Must be http(s) and must not point at link-local or metadata addresses.'),
    auth: ProviderAuth.optional(),
    region: z.string().max(64).regex(/^[a-z0-9-]*$/).optional().describe('Provider region (Bedrock, Vertex AI).'),
    apiVersion: z.string().max(64).optional().describe('API version query parameter (Azure OpenAI).'),
    headers: ExtraHeaders.optional().describe('Extra headers sent with every upstream request, by header name.'),
    models: mapList(z.array(ProviderModel).max(1000), 'name').optional().describe('Models this provider serves, unique by name. When set, routes may only target these models.'),
    limits: ProviderLimits.optional(),
    timeouts: Timeouts.optional(),
    fake: FakeSettings.optional(),
  })
  .strict()
  .describe('Desired state of a Provider.');

export const ProviderSpec = withRules(ProviderSpecFields, [
  {
    rule: "!has(self.preset) || self.type == 'openai-compatible'",
    message: 'preset is only allowed with type openai-compatible',
    fieldPath: '.preset',
    reason: 'FieldValueForbidden',
    holds: (s) => s.preset === undefined || s.type === 'openai-compatible',
  },
  {
    rule: "!has(self.fake) || self.type == 'fake'",
    message: 'fake settings are only allowed with type fake',
    fieldPath: '.fake',
    reason: 'FieldValueForbidden',
    holds: (s) => s.fake === undefined || s.type === 'fake',
  },
  {
    rule: "self.type != 'openai-compatible' || (has(self.preset) && self.preset != 'generic') || has(self.baseURL)",
    message: 'baseURL is required for type openai-compatible without a preset (or with preset generic)',
    fieldPath: '.baseURL',
    reason: 'FieldValueRequired',
    holds: (s) => s.type !== 'openai-compatible' || (s.preset !== undefined && s.preset !== 'generic') || s.baseURL !== undefined,
  },
]);

export const Provider = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Provider'),
    metadata: ObjectMeta,
    spec: ProviderSpec,
    status: Status.optional(),
  })
  .describe('A Provider is one upstream LLM account: endpoint, credentials, models, limits and timeouts.');

export type Provider = z.infer<typeof Provider>;
export type ProviderSpec = z.infer<typeof ProviderSpec>;
export type ProviderTypeName = z.infer<typeof ProviderType>;
export type FakeSettings = z.infer<typeof FakeSettings>;
