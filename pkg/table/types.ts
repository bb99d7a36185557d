// The compiled RoutingTable: the contract between the control plane and the data plane.
// Plain JSON data (so it can be hashed, golden-tested, pushed over the sync protocol and saved as a snapshot);
// knows nothing of Kubernetes. The proxy builds its runtime structures (maps, pools, adapters) from it at load.
import type { ClientApi } from '../canonical/types.ts';

/** Milliseconds. */
export type Millis = number;

export interface TableTimeouts {
  readonly connectMs: Millis;
  readonly firstByteMs: Millis;
  readonly idleMs: Millis;
  /** 0 = no cap. */
  readonly totalMs: Millis;
  /** Longest wait for a free pooled connection to the upstream (0 = none). Absent = the proxy's default, 30 s. */
  readonly poolAcquireMs?: Millis;
}

/**
 * USD per 1M tokens: the Provider's spec.models[].pricing over the list price of pkg/pricing (field by field).
 * Cost (pkg/proxy/dispatch/usage.ts): uncached input × input + cached × cachedInput (default input) + cache writes ×
 * cacheWrite (default input) + non-reasoning output × output + reasoning × reasoning (default output).
 */
export interface TablePricing {
  readonly input?: number;
  readonly output?: number;
  /** Input tokens read from the prompt cache. */
  readonly cachedInput?: number;
  /** Input tokens written to the prompt cache (Anthropic: the 5-minute write price). */
  readonly cacheWrite?: number;
  /** Reasoning tokens, where priced apart from output. */
  readonly reasoning?: number;
}

export interface TableModel {
  readonly pricing?: TablePricing;
  readonly contextWindow?: number;
  readonly capabilities: readonly string[];
}

export interface TableFake {
  readonly latencyMs: Millis;
  readonly interChunkDelayMs: Millis;
  readonly outputTokens: number;
  readonly chunkTokens: number;
  readonly failureRate: number;
  readonly embeddingDimensions: number;
}

/**
 * How the Provider's credentials reach the upstream (issue 7: a discriminated union, so providers that sign or fetch
 * tokens slot in without touching the core). Fields documented as "a secret" must never be logged or exposed:
 * /debug/table redacts them (pkg/admin/redact.ts), credentialSecrets() (pkg/providers/http/credentials.ts) lists
 * them for the checks that keep them out of messages. applyCredential() applies `header` and `query`; the other kinds
 * are used by the provider adapter's own transport (it signs the request or adds a bearer token it fetched in the
 * background through pkg/providers/http/credential-sources.ts).
 */
export type TableCredential =
  | TableHeaderCredential
  | TableQueryCredential
  | TableSigV4Credential
  | TableAwsWebIdentityCredential
  | TableGoogleCredential
  | TableEntraCredential;

export interface TableHeaderCredential {
  readonly kind: 'header';
  /** Header name, lower case (e.g. "authorization", "x-api-key"). */
  readonly header: string;
  /** Full header value, already formatted (e.g. "Bearer sk-..."). A secret. */
  readonly value: string;
}

export interface TableQueryCredential {
  readonly kind: 'query';
  /** Query parameter name (e.g. Gemini's "key"). */
  readonly param: string;
  /** The key. A secret. */
  readonly value: string;
}

/** Static AWS keys (Provider spec.auth.aws): the adapter signs every request with SigV4. */
export interface TableSigV4Credential {
  readonly kind: 'sigv4';
  /** AWS service name used in the signature scope: "bedrock". */
  readonly service: string;
  readonly region: string;
  readonly accessKeyId: string;
  /** The secret access key. A secret. */
  readonly value: string;
  /** A session token for temporary credentials. A secret. */
  readonly sessionToken?: string;
}

/**
 * AWS web identity (Provider spec.auth.awsWebIdentity; IRSA / EKS): no secret in the table. The proxy reads the
 * token file and assumes the role in the background. Absent `roleArn` / `tokenFile`: the proxy pod's own
 * AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE (the compiler may run in another pod, so it cannot fill them in).
 */
export interface TableAwsWebIdentityCredential {
  readonly kind: 'aws-web-identity';
  /** AWS service name used in the signature scope: "bedrock". */
  readonly service: string;
  readonly region: string;
  readonly roleArn?: string;
  readonly tokenFile?: string;
}

/** Google OAuth access tokens (Vertex AI), fetched and refreshed in the background. */
export type TableGoogleCredential = TableGoogleServiceAccountCredential | TableGoogleDefaultCredential;

export interface TableGoogleServiceAccountCredential {
  readonly kind: 'google';
  /** Provider spec.auth.googleServiceAccount: a service-account JSON key from a Secret. */
  readonly source: 'service-account';
  /** The service-account key JSON. A secret. */
  readonly value: string;
  /** OAuth scopes, e.g. https://www.googleapis.com/auth/cloud-platform. */
  readonly scopes: readonly string[];
}

export interface TableGoogleDefaultCredential {
  readonly kind: 'google';
  /** Provider spec.auth.googleDefault: Application Default Credentials of the proxy pod (workload identity, metadata server). */
  readonly source: 'default';
  readonly scopes: readonly string[];
}

/**
 * Microsoft Entra ID bearer tokens (Azure OpenAI), fetched and refreshed in the background: the client-credentials
 * grant with `value` (the client secret), else workload identity with `federatedTokenFile`, else with the proxy pod's
 * AZURE_FEDERATED_TOKEN_FILE.
 */
export interface TableEntraCredential {
  readonly kind: 'entra';
  readonly tenantId: string;
  readonly clientId: string;
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  readonly authorityHost: string;
  /** e.g. https://cognitiveservices.azure.com/.default. */
  readonly scopes: readonly string[];
  /** The client secret. A secret. */
  readonly value?: string;
  readonly federatedTokenFile?: string;
}

export interface TableProvider {
  /** "namespace/name". */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly preset?: string;
  /** Normalised base URL without trailing slash, e.g. "https://api.openai.com/v1". Empty for type fake. */
  readonly baseURL: string;
  /** Extra headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly credential: TableCredential | null;
  /**
   * Whether the provider's streams report usage (from its descriptor or preset). For OpenAI-family types the
   * adapter asks with stream_options.include_usage; when false the gateway estimates stream usage.
   */
  readonly streamUsage: boolean;
  /** Client APIs this provider serves by passthrough (from its descriptor or preset). */
  readonly nativeApis: readonly ClientApi[];
  /** Client APIs this provider serves through the canonical form. Disjoint from nativeApis. */
  readonly translatedApis: readonly ClientApi[];
  /** Listed models; empty object with modelsListed=false means "any model". */
  readonly models: Readonly<Record<string, TableModel>>;
  readonly modelsListed: boolean;
  readonly limits: { readonly rpm?: number; readonly tpm?: number; readonly maxConcurrent?: number };
  readonly timeouts: TableTimeouts;
  /** Azure OpenAI: the api-version query value; "v1" selects the /openai/v1/ paths. */
  readonly apiVersion?: string;
  /** Bedrock: the AWS region; Vertex AI: the location (e.g. us-central1, or "global"). */
  readonly region?: string;
  /** Vertex AI: the Google Cloud project id. */
  readonly project?: string;
  readonly fake?: TableFake;
  /** Per-proxy outlier detection; absent = the defaults (pkg/proxy/outlier/config.ts), which are on. */
  readonly outlierDetection?: TableOutlierDetection;
  /** When the pool counts as saturated (besides limits.maxConcurrent); absent = only maxConcurrent. */
  readonly saturation?: TableSaturation;
  /** Background scraping of the model server's Prometheus metrics; absent = none. */
  readonly metrics?: TablePoolMetrics;
  /**
   * Models of this provider the operator's global health check ejected (sorted); absent when none. The routes
   * already leave them out (unless every target of a route is ejected); this is for /debug/explain and metrics.
   */
  readonly ejectedModels?: readonly string[];
}

export interface TableOutlierDetection {
  /** Failures in a row that eject a target; 0 = this trigger is off. */
  readonly consecutiveFailures: number;
  /** Error-rate trigger; absent = off. */
  readonly errorRate?: { readonly threshold: number; readonly minRequests: number; readonly windowMs: number };
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
  /** 0-100. */
  readonly maxEjectedPercent: number;
}

export interface TableSaturation {
  readonly maxQueueDepth?: number;
  /** 0-1. */
  readonly maxKVCacheUsage?: number;
  readonly maxLatencyMs?: number;
}

export interface TablePoolMetrics {
  /** The Prometheus text endpoint, scraped without credentials. */
  readonly url: string;
  readonly intervalMs: number;
}

export interface TableTarget {
  /** Provider id ("namespace/name"). */
  readonly provider: string;
  /** Model name sent upstream. */
  readonly model: string;
  readonly weight: number;
  readonly priority: number;
  /**
   * The price this target is charged at (issue 8): the Provider's listed model's pricing, or the list price of
   * pkg/pricing for (provider type, preset, model) when the Provider does not list the model. Absent = unknown.
   */
  readonly pricing?: TablePricing;
  /** Targets only: skip this target while its Provider is saturated and count the spill. Absent = false. */
  readonly spillover?: boolean;
  /**
   * Fallbacks only: when the fallback is used. 'error': after every target failed; 'context-length': also when a
   * target answered that the request exceeds its context window. Absent = ['error'].
   */
  readonly when?: readonly TableFallbackOn[];
}

export type TableFallbackOn = 'error' | 'context-length';

/** How a route (or a rule) chooses among its targets (pkg/proxy/routing, ADR 0021). */
export type TableStrategy = 'weighted' | 'priority' | 'latency' | 'least-busy' | 'cost';

/** Conditions on a request; every field present must match (pkg/proxy/routing/rules.ts). */
export interface TableMatch {
  /** Lower-case header name → exact value. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The request body's `metadata` object: key → exact string value. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Principal ids ("namespace/name" of the API-key Secret). */
  readonly keys?: readonly string[];
  readonly teams?: readonly string[];
  /** JWT claim → exact value (numbers and booleans compared as their text). */
  readonly claims?: Readonly<Record<string, string>>;
}

/** Conditional routing: a request matching `match` goes to `targets` (then the route's fallbacks). */
export interface TableRule {
  readonly name: string;
  readonly match: TableMatch;
  readonly strategy: TableStrategy;
  /** Usable targets only, bound like the route's. */
  readonly targets: readonly TableTarget[];
  /** Set when the rule has no usable target and the route no fallback: what a matching request is answered. */
  readonly unresolved?: TableUnresolved;
}

export interface TableRetry {
  readonly attempts: number;
  readonly baseBackoffMs: Millis;
  readonly maxBackoffMs: Millis;
  readonly on429: boolean;
  readonly on5xx: boolean;
  readonly onTimeout: boolean;
  readonly onConnect: boolean;
}

export interface TableAccessRule {
  readonly teams?: readonly string[];
  readonly users?: readonly string[];
  /** Principal ids ("namespace/name" of the API-key Secret). */
  readonly keys?: readonly string[];
  /** Groups of JWT principals (their groups claim); API keys have none. */
  readonly groups?: readonly string[];
}

export interface TableRoute {
  /** "namespace/name" of the ModelRoute. */
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly model: string;
  readonly aliases: readonly string[];
  readonly strategy: TableStrategy;
  /** Conditional routing, first match wins; absent when the route has none. */
  readonly rules?: readonly TableRule[];
  /** Usable targets only (weight>0 for weighted, resolved provider). */
  readonly targets: readonly TableTarget[];
  readonly fallback: readonly TableTarget[];
  /**
   * The client APIs at least one target or fallback can serve (its provider's native or translated APIs, limited
   * to the operations its model declares when the Provider lists models), in CLIENT_APIS order. A request arriving
   * in another client API gets a 400 naming the API (checked after `unresolved`: an empty route has none); within
   * the route, only targets whose provider's nativeApis/translatedApis hold the request's API are tried.
   */
  readonly clientApis: readonly ClientApi[];
  readonly retry: TableRetry;
  /** Route-level overrides (merged over the provider's at load). */
  readonly timeouts: Partial<TableTimeouts>;
  /** null = any authenticated caller. */
  readonly access: readonly TableAccessRule[] | null;
  /**
   * Present only when the route has no target and no fallback to send to (design §7, ADR 0011). `retryable`
   * false: a configuration error (Provider missing or not accepted, model not offered) — the proxy answers
   * 500 route_misconfigured without Retry-After. `retryable` true: waiting on something that may appear by itself
   * (a Secret not yet created) — 503 no_healthy_upstream with Retry-After. `message` names the route and the reason
   * and is safe to show to clients (object names only, never Secret values).
   */
  readonly unresolved?: TableUnresolved;
}

export interface TableUnresolved {
  readonly retryable: boolean;
  /** A condition reason, e.g. ProviderNotFound, ProviderNotAccepted, ModelNotListed, SecretNotFound. */
  readonly reason: string;
  readonly message: string;
}

export interface TablePrincipal {
  /** "namespace/name" of the API-key Secret (a non-secret key id, safe to log). */
  readonly id: string;
  readonly name: string;
  readonly namespace: string;
  readonly team?: string;
  readonly user?: string;
  /** Allowed model names; null = all. */
  readonly models: readonly string[] | null;
  /** Epoch ms; null = never. */
  readonly expiresAt: number | null;
}

export interface TableQuotaLimit {
  readonly window: '1m' | '1h' | '1d' | 'calendar-month';
  readonly requests?: number;
  readonly tokens?: number;
  /** Which tokens `tokens` counts (only with tokens; default total). */
  readonly tokenType?: 'input' | 'output' | 'total';
  readonly costUSD?: number;
}

export interface TableQuota {
  readonly id: string;
  readonly subject: { readonly kind: string; readonly name?: string; readonly claim?: string };
  readonly models: readonly string[] | null;
  readonly limits: readonly TableQuotaLimit[];
  readonly action: { readonly type: 'reject' | 'downgrade'; readonly route?: string };
  /** IANA time zone the windows align to (1d and calendar-month start at its midnight). */
  readonly timeZone: string;
  /** Counts and reports but never blocks. */
  readonly shadow: boolean;
}

export interface RoutingTableContent {
  readonly providers: Readonly<Record<string, TableProvider>>;
  /** Sorted by id. */
  readonly routes: readonly TableRoute[];
  /** Client-facing model name (route model or alias) → route id. */
  readonly models: Readonly<Record<string, string>>;
  /** SHA-256 hex of an API key → principal. */
  readonly keys: Readonly<Record<string, TablePrincipal>>;
  readonly quotas: readonly TableQuota[];
}

export interface RoutingTable extends RoutingTableContent {
  /** Monotonic version assigned by the publisher (serve: reload count; operator: fenced counter). */
  readonly version: number;
  /** SHA-256 hex of the canonical JSON of the content (version excluded). */
  readonly hash: string;
}

/** Status of one object after compilation. */
export interface ObjectStatus {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly generation?: number;
  readonly conditions: readonly {
    readonly type: string;
    readonly status: 'True' | 'False' | 'Unknown';
    readonly reason: string;
    readonly message: string;
  }[];
}
