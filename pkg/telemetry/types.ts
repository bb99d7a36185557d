// What the proxy reports. Implemented with prom-client / pino / OpenTelemetry in pkg/telemetry; label values
// come only from the routing table (route, provider, model) or fixed sets (status, code), never from raw input.
export interface RequestObservation {
  readonly endpoint: 'chat' | 'completions' | 'embeddings' | 'responses' | 'messages' | 'count_tokens' | 'models';
  /** Route id or '_none' when the request never matched a route. */
  readonly route: string;
  /** Provider id that finally served (or '_none'). */
  readonly provider: string;
  /** Client-facing model from the table, or '_unknown'. */
  readonly model: string;
  readonly status: number;
  /** Stable error code, or '' on success. */
  readonly code: string;
  readonly stream: boolean;
  readonly durationMs: number;
}

export interface UpstreamObservation {
  readonly provider: string;
  readonly model: string;
  /** 'ok' | FailureKind */
  readonly outcome: string;
  readonly status: number;
  readonly durationMs: number;
}

export interface TokenObservation {
  readonly route: string;
  readonly provider: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUSD: number;
  /** Team of the calling principal; '_none' or absent when it has none. */
  readonly team?: string | undefined;
  /** Non-secret principal id ("namespace/secret-name", "jwt:host/sub"); '_none' or absent when unauthenticated. */
  readonly key?: string | undefined;
}

/** One quota limit's figures for the remaining-quota gauges (each-user/claim subjects: the most-consumed one). */
export interface QuotaFigure {
  /** Quota id from the table. */
  readonly quota: string;
  /** '1m' | '1h' | '1d' | 'calendar-month' */
  readonly window: string;
  /** 'requests' | 'tokens-input' | 'tokens-output' | 'tokens-total' | 'cost' */
  readonly limitType: string;
  readonly limit: number;
  /** What may still be admitted in the current window (the full allowance once the window has passed). */
  readonly remaining: number;
}

export interface GatewayMetrics {
  observeRequest(o: RequestObservation): void;
  observeUpstream(o: UpstreamObservation): void;
  observeTimeToFirstToken(route: string, provider: string, ms: number): void;
  /** A stream that failed after its head went out: cut short (truncated), interrupted (reset, idle timeout) or an in-band error event. */
  observeStreamFailure(provider: string, model: string, kind: 'truncated' | 'interrupted' | 'error'): void;
  observeTokens(o: TokenObservation): void;
  /** In-flight gauge. */
  inflight(delta: 1 | -1): void;
  setTableInfo(version: number, hash: string, routes: number): void;
  tableLoadFailed(): void;
  /**
   * The data port's authentication mode and how many API keys the table in use holds. In `required` mode with
   * zero keys (and no OIDC issuer for bearer tokens) every request gets 401 (switchyard_auth_locked_out 1);
   * `lockedOut` defaults to exactly that without issuers.
   */
  setAuthState(mode: AuthMode, keys: number, lockedOut?: boolean): void;
  /** Objects currently served from their last accepted generation because the current one is invalid. */
  setLastGoodObjects(count: number): void;
  /**
   * The source of the remaining-quota gauges, read at scrape time (the quota ledger's figures at the current time);
   * null stops reporting.
   */
  watchQuotas(source: (() => readonly QuotaFigure[]) | null): void;
}

/** Whether the data port may serve requests that carry no API key (design §7). */
export type AuthMode = 'required' | 'open';
