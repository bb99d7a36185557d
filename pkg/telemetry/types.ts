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
}

export interface GatewayMetrics {
  observeRequest(o: RequestObservation): void;
  observeUpstream(o: UpstreamObservation): void;
  observeTimeToFirstToken(route: string, provider: string, ms: number): void;
  observeTokens(o: TokenObservation): void;
  /** In-flight gauge. */
  inflight(delta: 1 | -1): void;
  setTableInfo(version: number, hash: string, routes: number): void;
  tableLoadFailed(): void;
  /**
   * The data port's authentication mode and how many API keys the table in use holds. In `required` mode with
   * zero keys every request gets 401 (switchyard_auth_locked_out 1).
   */
  setAuthState(mode: AuthMode, keys: number): void;
  /** Objects currently served from their last accepted generation because the current one is invalid. */
  setLastGoodObjects(count: number): void;
}

/** Whether the data port may serve requests that carry no API key (design §7). */
export type AuthMode = 'required' | 'open';
