// Loopback harness for the sync tests: a real sync server on Fastify (127.0.0.1:0), real proxies started with
// startSyncedProxy (the composition `switchyard proxy` runs), loggers that capture their JSON lines.
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createQuotaUsageAggregator, respondWithAllowances } from '../../../pkg/operator/quota-usage.ts';
import type { QuotaUsageAggregator } from '../../../pkg/operator/quota-usage.ts';
import { sharedTokenAuth } from '../../../pkg/sync/auth.ts';
import type { SyncAuth } from '../../../pkg/sync/auth.ts';
import { startSyncedProxy } from '../../../pkg/sync/proxy-mode.ts';
import type { SyncedProxy, SyncedProxyOptions } from '../../../pkg/sync/proxy-mode.ts';
import { createSyncServer } from '../../../pkg/sync/server.ts';
import type { SyncServer, SyncServerOptions } from '../../../pkg/sync/server.ts';
import { createLogger } from '../../../pkg/telemetry/logger.ts';

export const TOKEN = 'sync-token-Zq81vN3k0pX';

export interface Captured {
  readonly lines: string[];
  readonly logger: Logger;
  records(): Record<string, unknown>[];
}

export function capture(): Captured {
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  return {
    lines,
    logger: createLogger({ level: 'debug', destination }),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface SyncServerHarness {
  readonly app: FastifyInstance;
  readonly server: SyncServer;
  readonly url: string;
  readonly logs: Captured;
  readonly quotaUsage: QuotaUsageAggregator;
  close(): Promise<void>;
}

export async function startSyncServer(
  o: { auth?: SyncAuth; port?: number; leader?: boolean } & Partial<Omit<SyncServerOptions, 'auth' | 'logger'>> = {},
): Promise<SyncServerHarness> {
  const logs = capture();
  const server = createSyncServer({ heartbeatMs: 500, ...o, auth: o.auth ?? sharedTokenAuth(TOKEN), logger: logs.logger, leader: o.leader ?? true });
  const app = Fastify({ logger: false });
  server.register(app);
  // Reports are answered with quota allowances as the operator does (pkg/operator/quota-usage.ts).
  const quotaUsage = createQuotaUsageAggregator({ clock: Date.now });
  respondWithAllowances(server, quotaUsage);
  await app.listen({ host: '127.0.0.1', port: o.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app, server, url: `http://127.0.0.1:${port}`, logs, quotaUsage,
    async close() {
      server.close();
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}

export interface ProxyHarness {
  readonly proxy: SyncedProxy;
  readonly logs: Captured;
  readonly banner: string[];
  ready(): Promise<number>;
  close(): Promise<void>;
}

export async function startProxy(urls: readonly string[], o: Partial<SyncedProxyOptions> = {}): Promise<ProxyHarness> {
  const logs = capture();
  const banner: string[] = [];
  const proxy = await startSyncedProxy({
    syncUrls: urls, token: TOKEN, proxyId: `proxy-${Math.random().toString(36).slice(2, 8)}`,
    dataPort: 0, adminPort: 0, host: '127.0.0.1', drainTimeoutMs: 500, env: {},
    sync: { reportIntervalMs: 200, backoff: { initialMs: 40, maxMs: 200 }, idleTimeoutMs: 3000 },
    banner: (t) => banner.push(t),
    ...o,
    logger: logs.logger,
  });
  return {
    proxy, logs, banner,
    ready: async () => (await fetch(`${proxy.adminUrl}/readyz`)).status,
    close: () => proxy.close(),
  };
}

export async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function chat(dataUrl: string, model: string): Promise<Response> {
  return fetch(`${dataUrl}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}
