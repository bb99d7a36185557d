import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createAdminServer } from '../../pkg/admin/server.ts';
import { compile } from '../../pkg/compiler/index.ts';
import { parseManifests } from '../../pkg/config/load.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';
import { createMetrics } from '../../pkg/telemetry/metrics.ts';

const PROVIDER_CANARY = 'sk-canary-prov-7c1e93ab55d04f2e';
const CLIENT_CANARY = 'sk-canary-client-2b8f4d6e0a1c3e5f';

const MANIFESTS = `
apiVersion: v1
kind: Secret
metadata: { name: openai-creds }
stringData: { apiKey: ${PROVIDER_CANARY} }
---
apiVersion: v1
kind: Secret
metadata: { name: team-a-key, labels: { switchyard.dev/api-key: "true" } }
stringData: { key: ${CLIENT_CANARY}, team: a }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: openai }
spec:
  type: openai
  auth: { secretRef: { name: openai-creds, key: apiKey } }
  headers: { OpenAI-Organization: org-visible, X-Custom-Token: tok-hidden-value }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: fake }
spec: { type: fake }
---
apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: mini }
spec:
  model: gpt-4o-mini
  aliases: [mini]
  targets:
    - { provider: openai, weight: 3 }
    - { provider: fake, weight: 1 }
  fallback: [{ provider: fake }]
  access: { allow: [{ teams: [a] }] }
`;

function logLines() {
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

function noCanary(text: string): void {
  for (const canary of [PROVIDER_CANARY, CLIENT_CANARY]) {
    for (let i = 0; i + 8 <= canary.length; i++) expect(text).not.toContain(canary.slice(i, i + 8));
  }
}

let app: FastifyInstance;
let holder: TableHolder;
let base: string;
const { lines, logger } = logLines();
const pools = createUpstreamPools();
let ready = true;

beforeAll(async () => {
  const registry = new Registry();
  const metrics = createMetrics(registry);
  metrics.observeRequest({ endpoint: 'chat', route: 'default/mini', provider: 'default/fake', model: 'gpt-4o-mini', status: 200, code: '', stream: false, durationMs: 3 });
  holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger });
  app = createAdminServer({ registry, holder, logger, ready: () => ready && holder.table !== null });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await app.close();
  await pools.close();
});

describe('admin server', () => {
  it('/healthz is 200 and /readyz is 503 with a reason before a table is loaded', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'not ready', reason: 'no routing table loaded yet', auth: { mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true } });
    expect((await fetch(`${base}/debug/table`)).status).toBe(503);
  });

  it('/readyz is 200 once a table is loaded, and 503 again while shutting down', async () => {
    const { table } = compile(parseManifests(MANIFESTS), { version: 1 });
    expect(table.routes).toHaveLength(1);
    holder.load(table);
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: 'ready', version: 1, hash: table.hash, auth: { mode: 'required', keys: 1, tokenIssuers: 0, lockedOut: false } });
    ready = false;
    const r2 = await fetch(`${base}/readyz`);
    expect(r2.status).toBe(503);
    expect(await r2.json()).toMatchObject({ reason: 'the gateway is shutting down' });
    ready = true;
  });

  it('/metrics serves the Prometheus text format', async () => {
    const r = await fetch(`${base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await r.text()).toContain('switchyard_requests_total{endpoint="chat",route="default/mini"');
  });

  it('E11 /debug/table shows the table with credentials, key hashes and secret-looking headers redacted', async () => {
    const r = await fetch(`${base}/debug/table`);
    expect(r.status).toBe(200);
    const text = await r.text();
    noCanary(text);
    expect(text).not.toContain('tok-hidden-value');
    expect(text).not.toMatch(/[0-9a-f]{64}"\s*:/); // no key-hash map keys
    const body = JSON.parse(text) as {
      providers: Record<string, { credential: { header: string; value: string } | null; headers: Record<string, string> }>;
      keys: { id: string; team?: string }[];
      routes: unknown[];
      hash: string;
      auth: unknown;
    };
    expect(body.providers['default/openai']?.credential).toEqual({ kind: 'header', header: 'authorization', value: '<redacted>' });
    expect(body.providers['default/openai']?.headers).toEqual({ 'openai-organization': 'org-visible', 'x-custom-token': '<redacted>' });
    expect(body.providers['default/fake']?.credential).toBeNull();
    expect(body.keys).toEqual([expect.objectContaining({ id: 'default/team-a-key', team: 'a' })]);
    expect(body.routes).toHaveLength(1);
    expect(body.hash).toBe(holder.table?.hash);
    expect(body.auth).toEqual({ mode: 'required', keys: 1, tokenIssuers: 0, lockedOut: false });
  });

  it('/debug/explain explains how a model (or alias) is served, without secrets', async () => {
    const r = await fetch(`${base}/debug/explain?model=mini`);
    expect(r.status).toBe(200);
    const text = await r.text();
    noCanary(text);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'mini',
      matchedBy: 'alias',
      route: { id: 'default/mini', model: 'gpt-4o-mini' },
      strategy: 'weighted',
      targets: [
        { provider: 'default/openai', providerType: 'openai', model: 'gpt-4o-mini', weight: 3, share: 0.75 },
        { provider: 'default/fake', providerType: 'fake', model: 'gpt-4o-mini', weight: 1, share: 0.25 },
      ],
      fallback: [{ provider: 'default/fake', share: 0 }],
      access: { allow: [{ teams: ['a'] }] },
    });
  });

  it('/debug/explain: 400 without a model, 404 listing the served models for an unknown one', async () => {
    expect((await fetch(`${base}/debug/explain`)).status).toBe(400);
    expect((await fetch(`${base}/debug/explain?model=${'x'.repeat(300)}`)).status).toBe(400);
    const r = await fetch(`${base}/debug/explain?model=nope`);
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ error: { code: 'model_not_found' }, models: ['gpt-4o-mini', 'mini'] });
    const proto = await fetch(`${base}/debug/explain?model=__proto__`);
    expect(proto.status).toBe(404);
  });

  it('E10 data-plane paths, other methods and unknown paths are JSON 404s on the admin port', async () => {
    for (const [method, path] of [
      ['POST', '/v1/chat/completions'], ['GET', '/v1/models'], ['POST', '/v1/embeddings'], ['POST', '/metrics'],
      ['DELETE', '/debug/table'], ['GET', '/debug/pprof'], ['GET', '/admin'], ['GET', '/'], ['GET', '/debug/table/../../etc/passwd'],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(await r.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('E11 nothing logged during these requests carries a secret', () => {
    noCanary(lines.join(''));
  });
});
