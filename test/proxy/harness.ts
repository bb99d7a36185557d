// Test harness for the proxy: real manifests compiled by pkg/compiler, real adapters and pools, a real pino logger
// capturing lines, real prom-client metrics, and the gateway listening on 127.0.0.1:0.
import type { AddressInfo } from 'node:net';
import type { Tracer } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { compile } from '../../pkg/compiler/index.ts';
import { CredentialSources } from '../../pkg/providers/http/credential-sources.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import type { ProxyOptions } from '../../pkg/proxy/core.ts';
import { createProxyServer } from '../../pkg/proxy/server.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';
import type { AuthMode } from '../../pkg/telemetry/types.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';

export const NS = 'default';

export function secret(name: string, stringData: Record<string, string>, labels?: Record<string, string>): unknown {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS, ...(labels ? { labels } : {}) }, stringData };
}

export function apiKey(name: string, key: string, fields: Record<string, string> = {}): unknown {
  return secret(name, { key, ...fields }, { 'switchyard.dev/api-key': 'true' });
}

export interface ProviderOpts {
  readonly key?: string;
  readonly models?: readonly { name: string; pricing?: { input?: number; output?: number; cachedInput?: number }; capabilities?: readonly string[] }[];
  readonly timeouts?: Record<string, string>;
}

/** A Provider of type openai-compatible at baseURL, with its credential Secret when `key` is given. */
export function provider(name: string, baseURL: string, opts: ProviderOpts = {}): unknown[] {
  const out: unknown[] = [];
  if (opts.key !== undefined) out.push(secret(`${name}-cred`, { apiKey: opts.key }));
  out.push({
    apiVersion: 'switchyard.dev/v1alpha1',
    kind: 'Provider',
    metadata: { name, namespace: NS },
    spec: {
      type: 'openai-compatible',
      baseURL,
      ...(opts.key !== undefined ? { auth: { secretRef: { name: `${name}-cred`, key: 'apiKey' } } } : {}),
      ...(opts.models ? { models: opts.models } : {}),
      ...(opts.timeouts ? { timeouts: opts.timeouts } : {}),
    },
  });
  return out;
}

export function route(name: string, spec: Record<string, unknown>): unknown {
  return { apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name, namespace: NS }, spec };
}

/** Compiles objects and fails loudly when any object is not accepted. */
export function compileTable(objects: readonly unknown[], version = 1): RoutingTable {
  const { table, statuses } = compile(objects, { version });
  const bad = statuses.filter((s) => s.conditions.some((c) => c.type === 'Accepted' && c.status !== 'True'));
  if (bad.length > 0) throw new Error(`manifests not accepted: ${JSON.stringify(bad)}`);
  return table;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly holder: TableHolder;
  readonly origin: string;
  /** origin + /v1, for the OpenAI SDK. */
  readonly baseURL: string;
  readonly logs: string[];
  readonly registry: Registry;
  readonly pools: UpstreamPools;
  /** Parsed access lines (msg "request"). */
  accessLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface GatewayOptions {
  /**
   * The process's auth mode, as `--auth` sets it. Default 'required' (the product default): a test whose manifests
   * hold no API key and that sends none must say `auth: 'open'`.
   */
  readonly auth?: AuthMode;
  readonly options?: ProxyOptions;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly tracer?: Tracer;
  readonly version?: number;
}

export async function startGateway(objects: readonly unknown[], o: GatewayOptions = {}): Promise<Gateway> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void logs.push(s) } });
  const registry = new Registry();
  const metrics = createMetrics(registry);
  // Credential sources log background fetch failures to the gateway's logger, as in the proxy (pkg/serve/dataplane.ts).
  const pools = createUpstreamPools({ keepAliveTimeoutMs: 1000, sources: new CredentialSources({ log: logger }) });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: o.auth ?? 'required', metrics });
  holder.load(compileTable(objects, o.version ?? 1));
  const app = createProxyServer({
    holder, logger, metrics,
    ...(o.tracer ? { tracer: o.tracer } : {}),
    ...(o.options ? { options: o.options } : {}),
    ...(o.random ? { random: o.random } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    app, holder, origin, baseURL: `${origin}/v1`, logs, registry, pools,
    accessLines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
    async close() {
      // Client pools may hold sockets that never sent a request; Node counts those as active until headersTimeout.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await pools.destroy();
    },
  };
}

/** Polls until `fn` returns true (or throws after `ms`). */
export async function eventually(fn: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const CHAT = { messages: [{ role: 'user', content: 'hi' }] };

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
