// OpenTelemetry tracing, off unless an OTLP endpoint is configured. When on: the NodeSDK with the OTLP/HTTP trace
// exporter, no auto-instrumentations, no OTel metrics or logs (Prometheus and pino cover those). The SDK is imported
// lazily so a gateway without tracing never loads it.
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';

export interface TracingOptions {
  /** OTLP endpoint from a flag: a base URL (…:4318) or the full traces URL (…/v1/traces). Wins over the environment. */
  readonly endpoint?: string | undefined;
  readonly serviceName: string;
  readonly serviceVersion?: string;
  readonly logger: Logger;
  /** Environment to read OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Tracing {
  /** null when tracing is off. */
  readonly tracer: Tracer | null;
  /** The traces URL spans are exported to, or null. */
  readonly url: string | null;
  shutdown(): Promise<void>;
}

const TRACES_PATH = '/v1/traces';

function withTracesPath(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(TRACES_PATH) ? trimmed : `${trimmed}${TRACES_PATH}`;
}

/** Where traces go: the flag (base or full URL), else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full), else OTEL_EXPORTER_OTLP_ENDPOINT (base). */
export function resolveTracesUrl(endpoint: string | undefined, env: Readonly<Record<string, string | undefined>>): string | null {
  const flag = endpoint?.trim();
  if (flag) return withTracesPath(flag);
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (base) return withTracesPath(base);
  return null;
}

function validHttpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** URL without userinfo or query, safe to log. */
function printable(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

export async function startTracing(opts: TracingOptions): Promise<Tracing> {
  const env = opts.env ?? process.env;
  const url = resolveTracesUrl(opts.endpoint, env);
  if (url === null) return { tracer: null, url: null, shutdown: async () => {} };
  if (!validHttpUrl(url)) throw new Error('the OTLP endpoint must be an http(s) URL');

  const [{ NodeSDK }, { OTLPTraceExporter }, { trace }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/api'),
  ]);
  const sdk = new NodeSDK({
    serviceName: opts.serviceName,
    traceExporter: new OTLPTraceExporter({ url }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  opts.logger.info({ tracesUrl: printable(url) }, 'tracing enabled: exporting spans over OTLP/HTTP');
  const tracer = trace.getTracer(opts.serviceName, opts.serviceVersion);
  let stopped = false;
  return {
    tracer,
    url,
    async shutdown(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await sdk.shutdown();
      } catch (err) {
        opts.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'tracing shutdown failed');
      }
    },
  };
}
