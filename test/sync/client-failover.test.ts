// C9 from the proxy's side: the leader's address refuses connections and the standby answers 503 "not leader"
// (Retry-After: 1) until it takes over. The client must not escalate its backoff on either: it rotates through the
// URLs and waits the Retry-After, so it is on the new leader about a second after the takeover.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { startSyncClient } from '../../pkg/sync/client.ts';
import { retryAfterMs } from '../../pkg/sync/transport.ts';
import { TOKEN, capture, startSyncServer, until } from './support/harness.ts';
import { fakeProvider, route, tableOf } from './support/tables.ts';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A loopback URL nothing listens on (connections are refused). */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('sync client failover (C9)', () => {
  it('C9 dead leader + follower that takes over after 3 s → on the new leader within 1.5 s of the takeover, no escalated backoff', async () => {
    const dead = await deadUrl();
    const standby = await startSyncServer({ leader: false });
    cleanup.push(() => standby.close());
    const logs = capture();
    const pools = createUpstreamPools();
    const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger: logs.logger });
    // Default backoff on purpose: the defaults are what must fail over in time.
    const sync = await startSyncClient({
      urls: [dead, standby.url], token: TOKEN, proxyId: 'survivor', holder, logger: logs.logger,
      reportSource: { drain: () => [] }, reportIntervalMs: 60_000,
    });
    cleanup.push(async () => {
      await sync.close();
      await pools.destroy();
    });

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const takeover = Date.now();
    standby.server.setLeader(true);
    standby.server.publish(tableOf([fakeProvider('p'), route('r', 'm', [{ provider: 'p' }])], 7));
    await until(() => holder.table?.version === 7, 'v7 from the new leader', 5_000);
    const tookMs = Date.now() - takeover;

    expect(tookMs).toBeLessThan(1_500);
    expect(sync.status().url).toBe(standby.url);
    const notLeaderAnswers = logs.records().filter((r) => r.url === standby.url && String(r.reason).includes('503')).length;
    // One 503 per ~1 s round (Retry-After: 1), not a tight loop and not a backoff grown to many seconds.
    expect(notLeaderAnswers).toBeGreaterThanOrEqual(2);
    expect(notLeaderAnswers).toBeLessThanOrEqual(5);
  });

  it('Retry-After: delta-seconds and HTTP dates are read; garbage is ignored', () => {
    expect(retryAfterMs('1')).toBe(1_000);
    expect(retryAfterMs(['3'])).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 8_000)).toBe(2_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});
