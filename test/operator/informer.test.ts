// The informer against a scripted fake API server on loopback (only the network is faked): 410 Gone, a silent
// watch, bookmarks, a watch that keeps failing (C1, C15). The real API server cases are in e2e/operator.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { createInformer } from '../../pkg/operator/informer.ts';
import type { Informer, InformerEvent } from '../../pkg/operator/informer.ts';
import { MODEL_ROUTES } from '../../pkg/operator/kube/resources.ts';
import { createKubeTransport } from '../../pkg/operator/kube/transport.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

interface Call {
  readonly watch: boolean;
  readonly query: URLSearchParams;
  readonly at: number;
  readonly auth: string | undefined;
}

type WatchScript = (res: ServerResponse, n: number) => void;

interface FakeApi {
  readonly url: string;
  readonly calls: Call[];
  lists(): Call[];
  watches(): Call[];
  close(): Promise<void>;
}

const obj = (name: string, rv: string) => ({ apiVersion: 'switchyard.dev/v1alpha1', kind: 'ModelRoute', metadata: { name, namespace: 'ns', resourceVersion: rv, generation: 1 }, spec: {} });
const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

async function fakeApi(listScript: (n: number) => { items: unknown[]; rv: string }, watchScript: WatchScript): Promise<FakeApi> {
  const calls: Call[] = [];
  const open = new Set<ServerResponse>();
  let lists = 0;
  let watches = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const watch = u.searchParams.get('watch') === 'true';
    calls.push({ watch, query: u.searchParams, at: performance.now(), auth: req.headers.authorization });
    if (u.pathname !== '/apis/switchyard.dev/v1alpha1/modelroutes') {
      res.writeHead(404).end();
      return;
    }
    if (!watch) {
      const l = listScript(++lists);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'ModelRouteList', metadata: { resourceVersion: l.rv }, items: l.items }));
      return;
    }
    open.add(res);
    res.on('close', () => open.delete(res));
    watchScript(res, ++watches);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    lists: () => calls.filter((c) => !c.watch),
    watches: () => calls.filter((c) => c.watch),
    close: async () => {
      for (const r of open) r.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'informer-test-token' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return kc;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function informerOn(api: FakeApi, opts: { silenceTimeoutMs?: number; minHealthyWatchMs?: number; onRestart?: (r: string) => void } = {}) {
  const transport = createKubeTransport(kubeConfigFor(api.url));
  const events: InformerEvent[] = [];
  const inf: Informer = createInformer({
    transport, resource: MODEL_ROUTES, logger: createLogger({ level: (process.env.T_LOG ?? 'silent') as 'silent' }),
    backoff: { baseMs: 100, maxMs: 400 }, ...opts,
  });
  inf.onEvent((e) => events.push(e));
  inf.start();
  cleanups.push(async () => {
    await inf.stop();
    await transport.close();
    await api.close();
  });
  return { inf, events };
}

const until = async (what: string, fn: () => boolean, ms = 3_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('informer lifecycle (fake API server on loopback)', () => {
  it('C15 410 Gone relists; an object deleted meanwhile comes out as a delete', async () => {
    const api = await fakeApi(
      (n) => (n === 1 ? { items: [obj('a', '5'), obj('b', '6')], rv: '10' } : { items: [obj('a', '5')], rv: '20' }),
      (res, n) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (n === 1) res.end(line('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' }));
      },
    );
    const { inf, events } = await informerOn(api);
    await until('a relist', () => api.lists().length >= 2 && api.watches().length >= 2);
    expect(inf.synced()).toBe(true);
    expect(api.watches()[0]?.query.get('resourceVersion')).toBe('10');
    expect(api.watches()[1]?.query.get('resourceVersion')).toBe('20');
    expect(api.watches()[0]?.query.get('allowWatchBookmarks')).toBe('true');
    expect(events.map((e) => `${e.type}:${e.obj.metadata.name}`)).toEqual(['add:a', 'add:b', 'delete:b']);
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['a']);
    expect(api.calls.every((c) => c.auth === 'Bearer informer-test-token')).toBe(true);
  });

  it('C1 a watch that goes silent is restarted (relist) after the silence timeout', async () => {
    const api = await fakeApi(() => ({ items: [obj('a', '5')], rv: '10' }), (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders(); // then nothing: a half-dead connection
    });
    const restarts: string[] = [];
    const { events } = await informerOn(api, { silenceTimeoutMs: 300, onRestart: (r) => restarts.push(r) });
    const t0 = performance.now();
    await until('a second list', () => api.lists().length >= 2);
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1_500);
    expect(restarts[0]).toMatch(/silent/);
    expect(events).toHaveLength(1); // the relist found nothing new: no event, no reconcile
  });

  it('bookmarks and events move the resourceVersion; a healthy watch that ends re-watches without a relist', async () => {
    const api = await fakeApi(() => ({ items: [], rv: '10' }), (res, n) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (n === 1) {
        res.write(line('BOOKMARK', { kind: 'ModelRoute', metadata: { resourceVersion: '15' } }));
        res.write(line('ADDED', obj('c', '16')));
        setTimeout(() => res.end(line('BOOKMARK', { kind: 'ModelRoute', metadata: { resourceVersion: '17' } })), 150);
      }
    });
    const { events } = await informerOn(api, { minHealthyWatchMs: 100 });
    await until('a second watch', () => api.watches().length >= 2);
    expect(api.lists()).toHaveLength(1);
    expect(api.watches()[1]?.query.get('resourceVersion')).toBe('17');
    expect(events.map((e) => `${e.type}:${e.obj.metadata.name}`)).toEqual(['add:c']);
  });

  it('C15 a watch that keeps failing is retried with growing, jittered backoff (no request storm)', async () => {
    const api = await fakeApi(() => ({ items: [obj('a', '5')], rv: '10' }), (res) => {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd unavailable' }));
    });
    const restarts: string[] = [];
    const { inf } = await informerOn(api, { onRestart: (r) => restarts.push(r) });
    await new Promise((r) => setTimeout(r, 1_500));
    const watches = api.watches();
    // base 100 ms doubling to a 400 ms cap (each delay in [d/2, d]): at most ~9 attempts in 1.5 s, never a storm
    expect(watches.length).toBeGreaterThanOrEqual(3);
    expect(watches.length).toBeLessThanOrEqual(10);
    const gaps = watches.slice(1).map((w, i) => w.at - (watches[i]?.at ?? 0));
    expect(Math.min(...gaps.slice(2))).toBeGreaterThanOrEqual(150);
    expect(restarts[0]).toContain('HTTP 500');
    expect(inf.synced()).toBe(true);
    expect(inf.list()).toHaveLength(1);
  });
});
