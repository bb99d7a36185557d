// Provider: one upstream account (an API endpoint plus its credentials, models and limits).
import { z } from 'zod';
import { API_VERSION, ObjectMeta, SecretKeyRef, Status, Timeouts, Duration } from './common.ts';
import { BaseURL } from './baseurl.ts';
import { celQuote, withRules } from './cel.ts';
import { durationMs } from './duration.ts';
import { mapList, maxProperties, setList } from './kube.ts';
import { descriptorFor, presetNames, presetsWithDefaultBaseURL, servedTypes } from '../providers/descriptors.ts';

export const PROVIDER_TYPES = [
  'openai', 'azure-openai', 'anthropic', 'gemini', 'vertex-ai', 'bedrock', 'cohere', 'openai-compatible', 'fake',
] as const;
// The served types, their presets and the docs text come from the provider descriptors (pkg/providers/descriptors.ts).
const SERVED = servedTypes();
export const ProviderType = z.enum(PROVIDER_TYPES).describe(`Which wire protocol and defaults to use. Served in this release: ${SERVED.join(', ')}; the others (${PROVIDER_TYPES.filter((t) => !SERVED.includes(t)).join(', ')}) are accepted by the schema and reported as unsupported by the controller.`);

export const OPENAI_COMPATIBLE_PRESETS = presetNames('openai-compatible') as [string, ...string[]];
export const Preset = z.enum(OPENAI_COMPATIBLE_PRESETS).describe(`For type openai-compatible: a known server whose defaults (base URL, stream usage, output-cap field, client APIs served natively) Switchyard applies: ${OPENAI_COMPATIBLE_PRESETS.join(', ')}.`);
/** Presets of hosted servers, which have a default base URL; self-hosted ones (and generic) need spec.baseURL. */
const HOSTED_PRESETS = presetsWithDefaultBaseURL('openai-compatible');
/**
 * Types that send HTTP requests but whose descriptor has no default base URL and no presets that could give one
 * (azure-openai: every resource has its own endpoint): spec.baseURL is required. Types with presets have their own
 * rule (openai-compatible: required unless the preset is a hosted service).
 */
const BASE_URL_REQUIRED = SERVED.filter((t) => {
  const d = descriptorFor(t);
  return d !== undefined && d.usesBaseURL && d.defaultBaseURL === null && d.presets === undefined;
});

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

const FilePath = z.string().min(1).max(4096).regex(/^\//);

export const AwsAuth = z
  .object({
    accessKeyId: SecretKeyRef.describe('The Secret key holding the AWS access key id.'),
    secretAccessKey: SecretKeyRef.describe('The Secret key holding the AWS secret access key.'),
    sessionToken: SecretKeyRef.optional().describe('The Secret key holding a session token, for temporary credentials.'),
  })
  .strict()
  .describe('Static AWS keys from Secrets (type bedrock): requests are signed with SigV4.');

export const AwsWebIdentityAuth = z
  .object({
    roleArn: z.string().min(1).max(2048).regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/.+$/).optional().describe('The IAM role to assume. Default: the proxy pod\'s AWS_ROLE_ARN (set by IRSA).'),
    tokenFile: FilePath.optional().describe('Absolute path of the web-identity token file in the proxy pod. Default: the pod\'s AWS_WEB_IDENTITY_TOKEN_FILE (set by IRSA).'),
  })
  .strict()
  .describe('AWS web identity (type bedrock; IRSA or EKS Pod Identity): the proxy assumes the role itself and refreshes the keys in the background.');

export const GoogleDefaultAuth = z
  .object({})
  .strict()
  .describe('Application Default Credentials of the proxy pod (type vertex-ai): GKE workload identity or the metadata server. Takes no fields.');

export const EntraAuth = withRules(
  z
    .object({
      tenantId: z.string().min(1).max(128).regex(/^[A-Za-z0-9.-]+$/).describe('The Microsoft Entra tenant (directory) id or domain.'),
      clientId: z.string().min(1).max(128).regex(/^[A-Za-z0-9-]+$/).describe('The application (client) id.'),
      clientSecret: SecretKeyRef.optional().describe('The Secret key holding the client secret (client-credentials grant). Without it, workload identity is used.'),
      federatedTokenFile: FilePath.optional().describe('Workload identity: absolute path of the federated token file in the proxy pod. Default: the pod\'s AZURE_FEDERATED_TOKEN_FILE.'),
      authorityHost: BaseURL.optional().describe('The Entra authority. Default https://login.microsoftonline.com.'),
    })
    .strict()
    .describe('Microsoft Entra ID bearer tokens (type azure-openai), fetched and refreshed in the background.'),
  [
    {
      rule: '!(has(self.clientSecret) && has(self.federatedTokenFile))',
      message: 'entra takes clientSecret or federatedTokenFile, not both',
      reason: 'FieldValueForbidden',
      holds: (e) => !(e.clientSecret !== undefined && e.federatedTokenFile !== undefined),
    },
  ],
);

/** The auth methods, in the order messages name them. */
export const AUTH_METHODS = ['secretRef', 'aws', 'awsWebIdentity', 'googleServiceAccount', 'googleDefault', 'entra'] as const;

const ProviderAuthFields = z
  .object({
    secretRef: SecretKeyRef.optional().describe('The Secret key holding the provider API key (openai, anthropic, gemini, cohere, azure-openai, openai-compatible).'),
    header: z.string().max(64).regex(/^[A-Za-z0-9-]{1,64}$/).optional().describe('With secretRef: the header that carries the key. Default: the type\'s own (Authorization as "Bearer <key>"; x-api-key for anthropic). Authorization always carries "Bearer <key>", any other header the raw key.'),
    aws: AwsAuth.optional(),
    awsWebIdentity: AwsWebIdentityAuth.optional(),
    googleServiceAccount: SecretKeyRef.optional().describe('The Secret key holding a Google service-account JSON key (type vertex-ai).'),
    googleDefault: GoogleDefaultAuth.optional(),
    entra: EntraAuth.optional(),
  })
  .strict()
  .describe(`Credentials sent to the provider: exactly one of ${AUTH_METHODS.join(', ')}.`);

export const ProviderAuth = withRules(ProviderAuthFields, [
  {
    rule: `[${AUTH_METHODS.map((m) => `has(self.${m})`).join(', ')}].filter(x, x).size() == 1`,
    message: `auth must set exactly one of ${AUTH_METHODS.join(', ')}`,
    holds: (a) => AUTH_METHODS.filter((m) => a[m] !== undefined).length === 1,
  },
  {
    rule: '!has(self.header) || has(self.secretRef)',
    message: 'auth.header is only allowed with auth.secretRef',
    fieldPath: '.header',
    reason: 'FieldValueForbidden',
    holds: (a) => a.header === undefined || a.secretRef !== undefined,
  },
]);

export type ProviderAuth = z.infer<typeof ProviderAuth>;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** The auth methods a provider type takes (the CEL rules below enforce the same). */
export function authMethodsFor(type: string): readonly AuthMethod[] {
  switch (type) {
    case 'bedrock':
      return ['aws', 'awsWebIdentity'];
    case 'vertex-ai':
      return ['googleServiceAccount', 'googleDefault'];
    case 'azure-openai':
      return ['secretRef', 'entra'];
    default:
      return ['secretRef'];
  }
}

const AUTH_METHOD_TEXT: Readonly<Record<AuthMethod, string>> = {
  secretRef: 'secretRef (the Secret key holding the API key)',
  aws: 'aws (Secret keys holding static AWS keys)',
  awsWebIdentity: 'awsWebIdentity (IRSA / EKS web identity of the proxy pod)',
  googleServiceAccount: 'googleServiceAccount (the Secret key holding a service-account JSON key)',
  googleDefault: 'googleDefault (application default credentials of the proxy pod)',
  entra: 'entra (Microsoft Entra ID: client secret or workload identity)',
};

/** The auth methods of a type in words, for messages: "secretRef (...) or entra (...)". */
export function authMethodsText(type: string): string {
  return authMethodsFor(type).map((m) => AUTH_METHOD_TEXT[m]).join(' or ');
}

export const ProviderLimits = z
  .object({
    rpm: z.number().int().min(1).optional().describe('Requests per minute the account allows.'),
    tpm: z.number().int().min(1).optional().describe('Tokens per minute the account allows.'),
    maxConcurrent: z.number().int().min(1).optional().describe('Most requests in flight at once, per proxy.'),
  })
  .strict()
  .describe('Limits of the upstream account.');

const Fraction = z.number().gt(0).max(1);

export const Saturation = z
  .object({
    maxQueueDepth: z.number().int().min(1).max(1_000_000).optional().describe('Saturated while the model server reports at least this many requests waiting in its queue (scraped per spec.metrics).'),
    maxKVCacheUsage: Fraction.optional().describe('Saturated while the model server\'s KV-cache use (0 to 1) is at least this (scraped per spec.metrics).'),
    maxLatency: Duration.optional().describe('Saturated while this proxy\'s latency average (peak-EWMA of the time to the first content) to a target of this Provider is at least this.'),
  })
  .strict()
  .describe('When a self-hosted pool counts as saturated: a ModelRoute target with spillover: true is skipped while it is (limits.maxConcurrent counts too). Any condition given suffices.');

export const PoolMetrics = z
  .object({
    url: BaseURL.optional().describe('The Prometheus metrics endpoint of the model server (vLLM, SGLang, TGI, Triton or any server speaking the Gateway API Inference Extension model-server protocol). Default: the origin of baseURL + /metrics. Scraped without credentials.'),
    interval: Duration.optional().describe('How often the proxy scrapes it, in the background (never on the request path). Default 5s; a sample older than three intervals is ignored.'),
  })
  .strict()
  .describe('Background scraping of the model servers\' queue depth and KV-cache use, for spec.saturation.');

export const ErrorRate = withRules(
  z
    .object({
      threshold: z.number().gt(0).max(1).describe('Error rate (failures / attempts) at or above which the target is ejected.'),
      minRequests: z.number().int().min(1).max(100_000).default(20).describe('Fewest attempts in the window before the rate is judged. Default 20.'),
      window: Duration.default('30s').describe('How far back the rate looks. Default 30s.'),
    })
    .strict()
    .describe('Eject a target whose error rate over a sliding window reaches the threshold.'),
  [
    {
      rule: 'duration(self.window) >= duration("1s")',
      message: 'errorRate.window must be at least 1s',
      fieldPath: '.window',
      holds: (e) => durationMs(e.window) >= 1000,
    },
  ],
);

export const OutlierDetection = withRules(
  z
    .object({
      consecutiveFailures: z.number().int().min(0).max(1000).optional().describe('Failures in a row (5xx, timeouts, connection errors, garbage answers) that eject a target. 0 turns this trigger off. Default 5.'),
      errorRate: ErrorRate.optional(),
      baseEjection: Duration.optional().describe('How long the first ejection lasts; each ejection that follows a failed probe doubles it. Default 30s.'),
      maxEjection: Duration.optional().describe('Longest ejection. Default 5m.'),
      maxEjectedPercent: z.number().int().min(0).max(100).optional().describe('Most of a route\'s targets and fallbacks that may be ejected at once, in percent; past it a failing target is not ejected (panic threshold: a sick target beats none). Default 50.'),
    })
    .strict()
    .describe('Per-proxy outlier detection on real traffic (on by default): a target that keeps failing is skipped for a while, then one request probes it (success restores it, failure ejects it for twice as long). Composes with the operator\'s cluster-wide ejection.'),
  [
    {
      rule: '!has(self.baseEjection) || !has(self.maxEjection) || duration(self.baseEjection) <= duration(self.maxEjection)',
      message: 'outlierDetection.baseEjection must not be longer than maxEjection',
      fieldPath: '.baseEjection',
      holds: (o) => o.baseEjection === undefined || o.maxEjection === undefined || durationMs(o.baseEjection) <= durationMs(o.maxEjection),
    },
  ],
);

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
    region: z.string().min(1).max(64).regex(/^[a-z0-9-]+$/).optional().describe('bedrock: the AWS region (e.g. us-east-1); vertex-ai: the location (e.g. us-central1, or global). Required for both, allowed for no other type.'),
    project: z.string().min(1).max(64).regex(/^[a-z0-9:.-]+$/).optional().describe('vertex-ai: the Google Cloud project id. Required for vertex-ai, allowed for no other type.'),
    apiVersion: z.string().min(1).max(64).regex(/^[A-Za-z0-9.-]+$/).optional().describe('azure-openai: the api-version query value (e.g. 2024-10-21); "v1" selects the /openai/v1/ paths. Default v1. Allowed for no other type.'),
    headers: ExtraHeaders.optional().describe('Extra headers sent with every upstream request, by header name.'),
    models: mapList(z.array(ProviderModel).max(1000), 'name').optional().describe('Models this provider serves, unique by name. When set, routes may only target these models.'),
    limits: ProviderLimits.optional(),
    saturation: Saturation.optional(),
    metrics: PoolMetrics.optional(),
    outlierDetection: OutlierDetection.optional(),
    timeouts: Timeouts.optional(),
    fake: FakeSettings.optional(),
  })
  .strict()
  .describe('Desired state of a Provider.');

export const ProviderSpec = withRules(ProviderSpecFields, [
  {
    rule: "!has(self.auth) || !(has(self.auth.aws) || has(self.auth.awsWebIdentity)) || self.type == 'bedrock'",
    message: 'auth.aws and auth.awsWebIdentity are only allowed with type bedrock',
    fieldPath: '.auth',
    reason: 'FieldValueForbidden',
    holds: (s) => s.auth === undefined || (s.auth.aws === undefined && s.auth.awsWebIdentity === undefined) || s.type === 'bedrock',
  },
  {
    rule: "!has(self.auth) || !(has(self.auth.googleServiceAccount) || has(self.auth.googleDefault)) || self.type == 'vertex-ai'",
    message: 'auth.googleServiceAccount and auth.googleDefault are only allowed with type vertex-ai',
    fieldPath: '.auth',
    reason: 'FieldValueForbidden',
    holds: (s) => s.auth === undefined || (s.auth.googleServiceAccount === undefined && s.auth.googleDefault === undefined) || s.type === 'vertex-ai',
  },
  {
    rule: "!has(self.auth) || !has(self.auth.secretRef) || (self.type != 'bedrock' && self.type != 'vertex-ai')",
    message: 'auth.secretRef is not allowed with type bedrock or vertex-ai (use aws or awsWebIdentity; googleServiceAccount or googleDefault)',
    fieldPath: '.auth',
    reason: 'FieldValueForbidden',
    holds: (s) => s.auth?.secretRef === undefined || (s.type !== 'bedrock' && s.type !== 'vertex-ai'),
  },
  {
    rule: "!has(self.auth) || !has(self.auth.entra) || self.type == 'azure-openai'",
    message: 'auth.entra is only allowed with type azure-openai',
    fieldPath: '.auth',
    reason: 'FieldValueForbidden',
    holds: (s) => s.auth?.entra === undefined || s.type === 'azure-openai',
  },
  {
    rule: "!(self.type == 'bedrock' || self.type == 'vertex-ai') || has(self.region)",
    message: 'region is required for type bedrock and vertex-ai',
    fieldPath: '.region',
    reason: 'FieldValueRequired',
    holds: (s) => !(s.type === 'bedrock' || s.type === 'vertex-ai') || s.region !== undefined,
  },
  {
    rule: "!has(self.region) || self.type == 'bedrock' || self.type == 'vertex-ai'",
    message: 'region is only allowed with type bedrock or vertex-ai',
    fieldPath: '.region',
    reason: 'FieldValueForbidden',
    holds: (s) => s.region === undefined || s.type === 'bedrock' || s.type === 'vertex-ai',
  },
  {
    rule: "self.type != 'vertex-ai' || has(self.project)",
    message: 'project is required for type vertex-ai',
    fieldPath: '.project',
    reason: 'FieldValueRequired',
    holds: (s) => s.type !== 'vertex-ai' || s.project !== undefined,
  },
  {
    rule: "!has(self.project) || self.type == 'vertex-ai'",
    message: 'project is only allowed with type vertex-ai',
    fieldPath: '.project',
    reason: 'FieldValueForbidden',
    holds: (s) => s.project === undefined || s.type === 'vertex-ai',
  },
  {
    rule: "!has(self.apiVersion) || self.type == 'azure-openai'",
    message: 'apiVersion is only allowed with type azure-openai',
    fieldPath: '.apiVersion',
    reason: 'FieldValueForbidden',
    holds: (s) => s.apiVersion === undefined || s.type === 'azure-openai',
  },
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
    rule: `self.type != 'openai-compatible' || has(self.baseURL) || (has(self.preset) && self.preset in [${HOSTED_PRESETS.map(celQuote).join(', ')}])`,
    message: `baseURL is required for type openai-compatible unless the preset is a hosted service (${HOSTED_PRESETS.join(', ')})`,
    fieldPath: '.baseURL',
    reason: 'FieldValueRequired',
    holds: (s) => s.type !== 'openai-compatible' || s.baseURL !== undefined || (s.preset !== undefined && HOSTED_PRESETS.includes(s.preset)),
  },
  ...(BASE_URL_REQUIRED.length === 0 ? [] : [{
    rule: `!(self.type in [${BASE_URL_REQUIRED.map(celQuote).join(', ')}]) || has(self.baseURL)`,
    message: `baseURL is required for type ${BASE_URL_REQUIRED.join(', ')}: no default endpoint exists (for azure-openai: the resource endpoint, e.g. https://<resource>.openai.azure.com)`,
    fieldPath: '.baseURL',
    reason: 'FieldValueRequired' as const,
    holds: (s: { type: string; baseURL?: string | undefined }) => !BASE_URL_REQUIRED.includes(s.type) || s.baseURL !== undefined,
  }]),
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

function recordOf(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A Secret key a Provider reads: `json` marks a service-account JSON key (not a single-line value). */
export interface AuthSecretReference {
  readonly name: string;
  readonly key: string;
  readonly json: boolean;
}

/**
 * Every Secret reference (name and key) in a raw, unvalidated Provider spec.auth: secretRef, aws.accessKeyId,
 * aws.secretAccessKey, aws.sessionToken, googleServiceAccount and entra.clientSecret. For the operator (which Secrets
 * to watch and pass to the compiler) and `switchyard validate` (which Secrets to assume); malformed entries are skipped.
 */
export function authSecretReferences(spec: unknown): AuthSecretReference[] {
  const auth = recordOf(recordOf(spec)?.auth);
  if (auth === null) return [];
  const aws = recordOf(auth.aws);
  const entra = recordOf(auth.entra);
  const candidates: [unknown, boolean][] = [
    [auth.secretRef, false], [aws?.accessKeyId, false], [aws?.secretAccessKey, false], [aws?.sessionToken, false],
    [auth.googleServiceAccount, true], [entra?.clientSecret, false],
  ];
  const out: AuthSecretReference[] = [];
  for (const [c, json] of candidates) {
    const ref = recordOf(c);
    if (ref !== null && typeof ref.name === 'string' && ref.name !== '' && typeof ref.key === 'string' && ref.key !== '') out.push({ name: ref.name, key: ref.key, json });
  }
  return out;
}
