// What every request-path function receives: the injected dependencies and the resolved options, built once per
// server (no module-level state).
import type { TextDecoder } from 'node:util';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { IdentityVerifier } from '../identity/verifier.ts';
import type { AuthMode, GatewayMetrics } from '../telemetry/types.ts';
import type { Admission } from './overload/admission.ts';
import type { RequestState } from './request-state.ts';
import type { ProxySignals } from './routing/target-stats.ts';
import type { TableHolder } from './table-holder.ts';
import type { UpstreamFailureLog } from './upstream-failure-log.ts';

export interface ProxyOptions {
  /** Largest request body. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Deepest JSON nesting accepted (A4). Default 64. */
  readonly maxJsonDepth?: number;
  /** Node's requestTimeout: the whole request must arrive within this. Default 60000. */
  readonly requestTimeoutMs?: number;
  /** Node's headersTimeout (slowloris). Default 10000. */
  readonly headersTimeoutMs?: number;
  /** Idle keep-alive socket timeout. Default 65000. */
  readonly keepAliveTimeoutMs?: number;
  /** Fastify trustProxy. Default false (E8). */
  readonly trustProxy?: boolean | string | string[];
  /** Attempts across all targets and fallbacks of one request. Default 10. */
  readonly maxAttempts?: number;
  /** Longest upstream Retry-After waited for within one request before moving on. Default 2000. */
  readonly maxRetryAfterWaitMs?: number;
  /** Cap on a non-stream upstream body. Default 32 MiB. */
  readonly maxUpstreamBodyBytes?: number;
  /** Cap on an upstream error body read for classification. Default 64 KiB. */
  readonly maxUpstreamErrorBytes?: number;
  /** Upstream failure WARN lines: at most one per target (provider + model) and failure kind per interval. Default 10000. */
  readonly failureLogIntervalMs?: number;
  /** Inference requests in flight in this process before new ones get 503 overloaded (pkg/proxy/overload). Default 0 = no limit. */
  readonly maxInflight?: number;
  /** In flight per API key before its new requests get 429 concurrency_limit_exceeded (E17). Default 0 = no limit. */
  readonly maxInflightPerKey?: number;
  /** In flight per team before its new requests get 429 concurrency_limit_exceeded (E17). Default 0 = no limit. */
  readonly maxInflightPerTeam?: number;
  /** p99 event-loop delay (ms, over the last second) above which new requests get 503 overloaded. Default 0 = off. */
  readonly maxEventLoopDelayMs?: number;
}

export type ResolvedOptions = Required<Omit<ProxyOptions, 'trustProxy'>> & { readonly trustProxy: boolean | string | string[] };

export function resolveOptions(o: ProxyOptions = {}): ResolvedOptions {
  return {
    maxBodyBytes: o.maxBodyBytes ?? 4 * 1024 * 1024,
    maxJsonDepth: o.maxJsonDepth ?? 64,
    requestTimeoutMs: o.requestTimeoutMs ?? 60_000,
    headersTimeoutMs: o.headersTimeoutMs ?? 10_000,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 65_000,
    trustProxy: o.trustProxy ?? false,
    maxAttempts: o.maxAttempts ?? 10,
    maxRetryAfterWaitMs: o.maxRetryAfterWaitMs ?? 2000,
    maxUpstreamBodyBytes: o.maxUpstreamBodyBytes ?? 32 * 1024 * 1024,
    maxUpstreamErrorBytes: o.maxUpstreamErrorBytes ?? 64 * 1024,
    failureLogIntervalMs: o.failureLogIntervalMs ?? 10_000,
    maxInflight: o.maxInflight ?? 0,
    maxInflightPerKey: o.maxInflightPerKey ?? 0,
    maxInflightPerTeam: o.maxInflightPerTeam ?? 0,
    maxEventLoopDelayMs: o.maxEventLoopDelayMs ?? 0,
  };
}

export interface ProxyCore {
  readonly holder: TableHolder;
  /** The process's auth mode, read from the holder once (ADR 0013). */
  readonly authMode: AuthMode;
  /** JWT bearer verification against the configured OIDC issuers (ADR 0017); null = none configured. */
  readonly identity: IdentityVerifier | null;
  readonly logger: Logger;
  /**
   * The access log: a child of `logger` without pino's path redaction. Its lines hold only allow-listed, capped,
   * non-secret fields (access-log.ts), and wildcard redaction costs far more than the rest of a request.
   */
  readonly accessLogger: Logger;
  readonly metrics: GatewayMetrics;
  /** WARN lines for upstream failures, rate-limited per target (upstream-failure-log.ts). */
  readonly upstreamFailures: UpstreamFailureLog;
  /** null = tracing off (one null check per request). */
  readonly tracer: Tracer | null;
  readonly options: ResolvedOptions;
  /** [0, 1). */
  readonly random: () => number;
  /** Wall clock, epoch ms (key expiry, Retry-After cooldowns). */
  readonly now: () => number;
  readonly decoder: TextDecoder;
  /** What the pickers know of each target on this proxy: in flight, latency, ejection, saturation (pkg/proxy/routing). */
  readonly signals: ProxySignals;
  /** Overload admission (pkg/proxy/overload); null when every limit is off (one null check per request). */
  readonly admission: Admission | null;
  /** Requests whose dispatch is running (the drain ends those that outlive its deadline). */
  readonly active: Set<RequestState>;
}
