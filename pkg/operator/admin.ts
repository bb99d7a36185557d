// The operator's admin port: the shared admin server (/metrics, /healthz, /readyz, /debug/table, /debug/explain —
// secrets redacted) over the operator's last compiled table, plus /debug/operator (leadership, caches, proxies).
// Ready once every informer has synced and a table has been compiled.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminServer } from '../admin/server.ts';
import type { RoutingTable } from '../table/types.ts';

export interface OperatorState {
  readonly identity: string;
  readonly leader: boolean;
  readonly term: number | null;
  readonly synced: boolean;
  readonly objects: Readonly<Record<string, number>>;
  readonly published: { readonly version: number; readonly hash: string } | null;
  readonly proxies: readonly {
    readonly id: string;
    readonly connected: boolean;
    readonly version: number;
    readonly hash: string;
    readonly lastAckOk: boolean;
    readonly lastError?: string;
  }[];
}

export interface OperatorAdminOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly table: () => RoutingTable | null;
  readonly ready: () => boolean;
  readonly state: () => OperatorState;
}

export function createOperatorAdmin(opts: OperatorAdminOptions): FastifyInstance {
  const app = createAdminServer({
    registry: opts.registry,
    logger: opts.logger,
    holder: { get table() { return opts.table(); } },
    ready: opts.ready,
  });
  app.get('/debug/operator', async (_req, reply) => reply.header('cache-control', 'no-store').send(opts.state()));
  return app;
}
