// The gateway of a catalogue test file: the real proxy (compiler, adapters, pools, logger, metrics) on loopback in
// front of fault upstreams. Each endpoint (a fault upstream, a TCP fault server, a refused port) is reachable through
// two Providers, one per upstream family: `oa-<endpoint>` (openai-compatible) and `ant-<endpoint>` (anthropic), so a
// case names its targets per lane with `p(lane, endpoint)`. Every case gets one route per lane, model `<case>.<lane>`.
// Auth is on (one API key, KEY); the upstream credential is a canary that must never reach a client (I1).
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createUpstreamPools } from '../../../pkg/providers/http/pools.ts';
import type { UpstreamPoolOptions } from '../../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../../pkg/providers/registry.ts';
import { TargetHealthMonitor } from '../../../pkg/proxy/outlier/monitor.ts';
import { createProxyServer } from '../../../pkg/proxy/server.ts';
import { TableHolder } from '../../../pkg/proxy/table-holder.ts';
import { createHealthMetrics } from '../../../pkg/telemetry/health-metrics.ts';
import { createLogger } from '../../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../../pkg/telemetry/metrics.ts';
import { apiKey, compileTable, NS, route, secret, startGateway } from '../../proxy/harness.ts';
import type { Gateway, GatewayOptions } from '../../proxy/harness.ts';
import { startFaultUpstream } from '../../support/fault-upstream.ts';
import type { FaultUpstream } from '../../support/fault-upstream.ts';
import { CATALOGUE_KEY, modelOf } from './lanes.ts';
import type { Lane, Upstream } from './lanes.ts';

export const KEY = CATALOGUE_KEY;
/** The upstream credential: a canary that must appear in no client answer (I1). */
export const UPSTREAM_KEY = 'sk-ant-canary-UPSTREAM-9f8e7d6c5b4a3210';

export interface Endpoint {
  readonly url: string;
  /** Provider timeouts, e.g. { firstByte: '300ms', idle: '200ms' }. */
  readonly timeouts?: Record<string, string>;
  /** Extra Provider spec fields (e.g. outlierDetection, limits). */
  readonly spec?: Record<string, unknown>;
}

/** The Provider name for lane `l`'s family at `endpoint`. */
export const p = (l: Lane, endpoint: string): string => `${l.upstream}-${endpoint}`;

export interface WorldSpec {
  /** Endpoints by name; `main` and `backup` (the two fault upstreams) are always there unless overridden. */
  readonly endpoints?: (w: { main: string; backup: string }) => Record<string, Endpoint>;
  /** Case name → lanes it runs on and its route spec per lane (without `model`). */
  readonly cases: Record<string, { readonly lanes: readonly Lane[]; readonly spec: (l: Lane) => Record<string, unknown> }>;
  readonly gateway?: GatewayOptions;
  /** Extra manifests (keys, quotas). */
  readonly extra?: readonly unknown[];
  /** Upstream pool options (e.g. connectionsPerOrigin for B15); default the harness's pools. */
  readonly pools?: UpstreamPoolOptions;
  /** Wire local outlier detection and saturation (the TargetHealthMonitor the data plane wires) into the gateway. */
  readonly outlier?: boolean;
}

export interface CatalogueWorld {
  readonly gw: Gateway;
  /** The fault upstream behind every `*-main` Provider. */
  readonly up: FaultUpstream;
  /** A second fault upstream behind every `*-backup` Provider (healthy unless scripted). */
  readonly backup: FaultUpstream;
}

function providerOf(family: Upstream, name: string, e: Endpoint): unknown {
  return {
    apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: `${family}-${name}`, namespace: NS },
    spec: {
      type: family === 'oa' ? 'openai-compatible' : 'anthropic',
      baseURL: e.url,
      auth: { secretRef: { name: 'up-cred', key: 'apiKey' } },
      ...(e.timeouts ? { timeouts: e.timeouts } : {}),
      ...(e.spec ?? {}),
    },
  };
}

export async function startCatalogueWorld(s: WorldSpec): Promise<CatalogueWorld> {
  const up = await startFaultUpstream();
  const backup = await startFaultUpstream();
  const endpoints: Record<string, Endpoint> = { main: { url: up.url }, backup: { url: backup.url }, ...(s.endpoints?.({ main: up.url, backup: backup.url }) ?? {}) };
  const manifests: unknown[] = [secret('up-cred', { apiKey: UPSTREAM_KEY }), apiKey('catalogue-key', KEY, { team: 'catalogue' })];
  for (const [name, e] of Object.entries(endpoints)) manifests.push(providerOf('oa', name, e), providerOf('ant', name, e));
  for (const [c, def] of Object.entries(s.cases)) {
    for (const l of def.lanes) manifests.push(route(modelOf(c, l).replace(/[^a-z0-9-]/g, '-'), { model: modelOf(c, l), ...def.spec(l) }));
  }
  manifests.push(...(s.extra ?? []));
  const gw = s.pools === undefined && s.outlier !== true ? await startGateway(manifests, s.gateway) : await startCustom(manifests, s.pools ?? {}, s.outlier === true, s.gateway);
  return { gw, up, backup };
}

/** The harness's gateway (auth required) with its own upstream pool options, and outlier detection when asked. */
async function startCustom(objects: readonly unknown[], poolOpts: UpstreamPoolOptions, outlier: boolean, o: GatewayOptions = {}): Promise<Gateway> {
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const registry = new Registry();
  const metrics = createMetrics(registry);
  const pools = createUpstreamPools({ keepAliveTimeoutMs: 1000, ...poolOpts });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger, authMode: o.auth ?? 'required', metrics });
  const health = outlier ? new TargetHealthMonitor({ metrics: createHealthMetrics(registry), logger }) : undefined;
  if (health !== undefined) holder.onSwap((next) => health.useTable(next));
  holder.load(compileTable(objects, 1));
  const app = createProxyServer({ holder, logger, metrics, ...(health ? { health } : {}), ...(o.options ? { options: o.options } : {}) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app, holder, origin, baseURL: `${origin}/v1`, logs, registry, pools,
    accessLines: () => logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request'),
    async close() {
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      await pools.destroy();
    },
  };
}

/** Call at the top level of a test file: the world starts before its tests and closes after; fakes reset after each. */
export function useCatalogueWorld(spec: () => WorldSpec | Promise<WorldSpec>, cleanup?: () => Promise<void>): CatalogueWorld {
  let w: CatalogueWorld | undefined;
  beforeAll(async () => {
    w = await startCatalogueWorld(await spec());
  });
  afterAll(async () => {
    await w?.gw.close();
    await w?.up.close();
    await w?.backup.close();
    await cleanup?.();
  });
  afterEach(() => {
    w?.up.reset();
    w?.backup.reset();
  });
  const started = (): CatalogueWorld => {
    if (w === undefined) throw new Error('useCatalogueWorld: used outside the tests');
    return w;
  };
  return {
    get gw() {
      return started().gw;
    },
    get up() {
      return started().up;
    },
    get backup() {
      return started().backup;
    },
  };
}
