// A benchmark worker process: N proxy sync connections, each a real sync client (pkg/sync/client.ts) feeding its own
// TableHolder (the proxy's table holder, runtime table built on every load) — N proxies minus their HTTP listeners.
// Talks JSON lines: reads {"cmd":"expect",id,route,provider,weight} on stdin (answers {"type":"expecting",id}) and
// writes {"type":"first",...} when a connection has its first table and {"type":"served",id,...} when a connection
// serves a table in which `route` sends `weight` to `provider`. Times are epoch ms.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { startSyncClient } from '../../pkg/sync/client.ts';
import type { SyncClient } from '../../pkg/sync/client.ts';
import type { RoutingTable } from '../../pkg/table/types.ts';

interface Expectation {
  readonly id: number;
  readonly route: string;
  readonly provider: string;
  readonly weight: number;
}

function emit(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function satisfies(table: RoutingTable | null, e: Expectation): boolean {
  if (table === null) return false;
  const routes = table.routes;
  // Routes are sorted by id: binary search.
  let lo = 0;
  let hi = routes.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = routes[mid];
    if (r === undefined) return false;
    if (r.id === e.route) return r.targets.some((t) => t.provider === e.provider && t.weight === e.weight);
    if (r.id < e.route) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sync: { type: 'string' }, count: { type: 'string', default: '10' }, prefix: { type: 'string', default: 'bench' },
      // 0: announce no delta support (a proxy older than ADR 0024, the 'before' figures); 1: deltas.
      deltas: { type: 'string', default: '1' },
    },
  });
  const token = process.env.SWITCHYARD_SYNC_TOKEN ?? '';
  if (values.sync === undefined || token === '') throw new Error('sync-worker needs --sync URL and SWITCHYARD_SYNC_TOKEN');
  const count = Number(values.count);
  const logger = pino({ level: 'silent' });
  const pools = createUpstreamPools();
  const pending = new Map<string, Expectation>();
  const holders = new Map<string, TableHolder>();
  const clients: SyncClient[] = [];

  const check = (proxy: string, table: RoutingTable | null): void => {
    const e = pending.get(proxy);
    if (e !== undefined && satisfies(table, e)) {
      pending.delete(proxy);
      emit({ type: 'served', id: e.id, proxy, at: Date.now(), version: table?.version ?? 0 });
    }
  };

  for (let i = 0; i < count; i++) {
    const proxy = `${values.prefix}-${i}`;
    const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger });
    holders.set(proxy, holder);
    holder.onSwap((next) => check(proxy, next.table));
    const startedAt = Date.now();
    const client = await startSyncClient({
      urls: [values.sync], token, proxyId: proxy, holder, logger, reportSource: { drain: () => [] }, deltas: values.deltas !== '0',
    });
    clients.push(client);
    void client.firstTable.then(() => emit({ type: 'first', proxy, startedAt, at: Date.now(), version: holder.table?.version ?? 0 }));
  }

  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const msg = JSON.parse(line) as { cmd?: string } & Partial<Expectation>;
    if (msg.cmd !== 'expect' || msg.id === undefined || msg.route === undefined || msg.provider === undefined || msg.weight === undefined) return;
    const e: Expectation = { id: msg.id, route: msg.route, provider: msg.provider, weight: msg.weight };
    for (const proxy of holders.keys()) pending.set(proxy, e);
    emit({ type: 'expecting', id: e.id });
    for (const [proxy, holder] of holders) check(proxy, holder.table);
  });
  rl.on('close', () => void shutdown());

  const shutdown = async (): Promise<void> => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await pools.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`sync-worker: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
