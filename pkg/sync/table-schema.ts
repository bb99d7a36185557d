// zod schema of the RoutingTable content (pkg/table/types.ts), for tables that arrive from outside the process:
// sync snapshots and bootstrap files. Objects are strict: a field this proxy does not know (a newer operator) is
// refused and NACKed rather than silently dropped. The `satisfies` checks below fail type-checking when the schema
// and the TypeScript contract drift apart.
import { z } from 'zod';
import type {
  RoutingTableContent, TableAccessRule, TableCredential, TableFake, TableModel, TablePrincipal, TableProvider, TableQuota, TableQuotaLimit,
  TableMatch, TableRetry, TableRoute, TableRule, TableTarget, TableTimeouts,
} from '../table/types.ts';
import { CLIENT_APIS } from '../canonical/types.ts';
import type { ClientApi } from '../canonical/types.ts';

const Id = z.string().min(1).max(512);
const Name = z.string().max(512);
const Millis = z.number().int().min(0);
const NonNegative = z.number().min(0);
const Strings = z.array(z.string().max(4096));

const Timeouts = z.strictObject({ connectMs: Millis, firstByteMs: Millis, idleMs: Millis, totalMs: Millis, poolAcquireMs: Millis.optional() });

const Pricing = z.strictObject({
  input: NonNegative.optional(),
  output: NonNegative.optional(),
  cachedInput: NonNegative.optional(),
  cacheWrite: NonNegative.optional(),
  reasoning: NonNegative.optional(),
});

const Model = z.strictObject({
  pricing: Pricing.optional(),
  contextWindow: z.number().int().min(0).optional(),
  capabilities: Strings,
});

const Fake = z.strictObject({
  latencyMs: Millis,
  interChunkDelayMs: Millis,
  outputTokens: z.number().int().min(0),
  chunkTokens: z.number().int().min(0),
  failureRate: z.number().min(0).max(1),
  embeddingDimensions: z.number().int().min(0),
});

const ClientApiName = z.enum(CLIENT_APIS as [ClientApi, ...ClientApi[]]);

const Credential = z.union([
  z.strictObject({ kind: z.literal('header'), header: z.string().min(1).max(256), value: z.string() }),
  z.strictObject({ kind: z.literal('query'), param: z.string().min(1).max(256), value: z.string() }),
  z.strictObject({
    kind: z.literal('sigv4'), service: Name, region: Name, accessKeyId: z.string().max(256), value: z.string(), sessionToken: z.string().optional(),
  }),
  z.strictObject({
    kind: z.literal('aws-web-identity'), service: Name, region: Name, roleArn: z.string().max(2048).optional(), tokenFile: z.string().max(4096).optional(),
  }),
  z.strictObject({ kind: z.literal('google'), source: z.literal('service-account'), value: z.string(), scopes: Strings }),
  z.strictObject({ kind: z.literal('google'), source: z.literal('default'), scopes: Strings }),
  z.strictObject({
    kind: z.literal('entra'), tenantId: Name, clientId: Name, authorityHost: z.string().max(4096), scopes: Strings,
    value: z.string().optional(), federatedTokenFile: z.string().max(4096).optional(),
  }),
]);

const Fraction = z.number().min(0).max(1);
const OutlierDetection = z.strictObject({
  consecutiveFailures: NonNegative,
  errorRate: z.strictObject({ threshold: Fraction, minRequests: NonNegative, windowMs: NonNegative }).optional(),
  baseEjectionMs: NonNegative,
  maxEjectionMs: NonNegative,
  maxEjectedPercent: z.number().int().min(0).max(100),
});
const Saturation = z.strictObject({ maxQueueDepth: NonNegative.optional(), maxKVCacheUsage: Fraction.optional(), maxLatencyMs: NonNegative.optional() });
const PoolMetrics = z.strictObject({ url: z.string().max(4096), intervalMs: NonNegative });

export const ProviderSchema = z.strictObject({
  id: Id,
  namespace: Name,
  name: Name,
  type: Name,
  preset: Name.optional(),
  baseURL: z.string().max(4096),
  headers: z.record(z.string(), z.string()),
  credential: Credential.nullable(),
  streamUsage: z.boolean(),
  nativeApis: z.array(ClientApiName),
  translatedApis: z.array(ClientApiName),
  models: z.record(z.string(), Model),
  modelsListed: z.boolean(),
  limits: z.strictObject({ rpm: NonNegative.optional(), tpm: NonNegative.optional(), maxConcurrent: NonNegative.optional() }),
  timeouts: Timeouts,
  apiVersion: Name.optional(),
  region: Name.optional(),
  project: Name.optional(),
  fake: Fake.optional(),
  outlierDetection: OutlierDetection.optional(),
  saturation: Saturation.optional(),
  metrics: PoolMetrics.optional(),
  ejectedModels: z.array(z.string().max(512)).optional(),
});

const Target = z.strictObject({
  provider: Id,
  model: z.string().max(512),
  weight: NonNegative,
  priority: z.number().int(),
  pricing: Pricing.optional(),
  spillover: z.boolean().optional(),
  when: z.array(z.enum(['error', 'context-length'])).optional(),
});

const StrategyName = z.enum(['weighted', 'priority', 'latency', 'least-busy', 'cost']);

const Match = z.strictObject({
  headers: z.record(z.string(), z.string()).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  keys: Strings.optional(),
  teams: Strings.optional(),
  claims: z.record(z.string(), z.string()).optional(),
});

const Unresolved = z.strictObject({ retryable: z.boolean(), reason: Name, message: z.string().max(4096) });
const Rule = z.strictObject({ name: Name, match: Match, strategy: StrategyName, targets: z.array(Target), unresolved: Unresolved.optional() });

const Retry = z.strictObject({
  attempts: z.number().int().min(0),
  baseBackoffMs: Millis,
  maxBackoffMs: Millis,
  on429: z.boolean(),
  on5xx: z.boolean(),
  onTimeout: z.boolean(),
  onConnect: z.boolean(),
});

const AccessRule = z.strictObject({ teams: Strings.optional(), users: Strings.optional(), keys: Strings.optional(), groups: Strings.optional() });

export const RouteSchema = z.strictObject({
  id: Id,
  namespace: Name,
  name: Name,
  model: z.string().max(512),
  aliases: Strings,
  strategy: StrategyName,
  rules: z.array(Rule).optional(),
  targets: z.array(Target),
  fallback: z.array(Target),
  clientApis: z.array(ClientApiName),
  retry: Retry,
  timeouts: Timeouts.partial(),
  access: z.array(AccessRule).nullable(),
  unresolved: Unresolved.optional(),
});

const Principal = z.strictObject({
  id: Id,
  name: Name,
  namespace: Name,
  team: Name.optional(),
  user: Name.optional(),
  models: Strings.nullable(),
  expiresAt: z.number().int().nullable(),
});

const QuotaLimit = z.strictObject({
  window: z.enum(['1m', '1h', '1d', 'calendar-month']),
  requests: NonNegative.optional(),
  tokens: NonNegative.optional(),
  tokenType: z.enum(['input', 'output', 'total']).optional(),
  costUSD: NonNegative.optional(),
});

const Quota = z.strictObject({
  id: Id,
  subject: z.strictObject({ kind: Name, name: Name.optional(), claim: Name.optional() }),
  models: Strings.nullable(),
  limits: z.array(QuotaLimit),
  action: z.strictObject({ type: z.enum(['reject', 'downgrade']), route: Name.optional() }),
  timeZone: Name.default('UTC'),
  shadow: z.boolean().default(false),
});

export const RoutingTableContentSchema = z.strictObject({
  providers: z.record(z.string(), ProviderSchema),
  routes: z.array(RouteSchema),
  models: z.record(z.string(), z.string()),
  keys: z.record(z.string(), Principal),
  quotas: z.array(Quota),
});

/** A whole table as saved in a snapshot file (content plus version and hash). */
export const RoutingTableSchema = RoutingTableContentSchema.extend({
  version: z.number().int().min(0),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

// Drift checks against the contract in pkg/table/types.ts: what the schema produces must be a valid contract value,
// and every field of the contract must appear in the schema (a field added to types.ts alone fails type-checking).
type Fits<S extends z.ZodType, C> = [z.output<S>] extends [C] ? ([keyof C] extends [keyof z.output<S>] ? true : false) : false;
type Assert<T extends true> = T;
type _Drift = [
  Assert<Fits<typeof Timeouts, TableTimeouts>>,
  Assert<Fits<typeof Target, TableTarget>>,
  Assert<Fits<typeof Match, TableMatch>>,
  Assert<Fits<typeof Rule, TableRule>>,
  Assert<Fits<typeof AccessRule, TableAccessRule>>,
  Assert<Fits<typeof ProviderSchema, TableProvider>>,
  Assert<Fits<typeof Credential, TableCredential>>,
  Assert<[TableCredential['kind']] extends [z.output<typeof Credential>['kind']] ? true : false>,
  Assert<Fits<typeof Model, TableModel>>,
  Assert<Fits<typeof Fake, TableFake>>,
  Assert<Fits<typeof Retry, TableRetry>>,
  Assert<Fits<typeof RouteSchema, TableRoute>>,
  Assert<Fits<typeof Principal, TablePrincipal>>,
  Assert<Fits<typeof QuotaLimit, TableQuotaLimit>>,
  Assert<Fits<typeof Quota, TableQuota>>,
  Assert<Fits<typeof RoutingTableContentSchema, RoutingTableContent>>,
];
