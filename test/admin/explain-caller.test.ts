// /debug/explain with a caller (?key= or ?team=&user=): the admin port's front end of the explanation `switchyard
// explain` prints offline — whether the caller may call the route and which quotas count it.
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Explanation } from '../../pkg/admin/explain.ts';
import { createAdminServer } from '../../pkg/admin/server.ts';
import { compile } from '../../pkg/compiler/index.ts';
import { parseManifests } from '../../pkg/config/load.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import { createAdapter } from '../../pkg/providers/registry.ts';
import { TableHolder } from '../../pkg/proxy/table-holder.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const KEY = 'sk-canary-explain-admin-8e2d4c6a';
const MANIFESTS = `
apiVersion: v1
kind: Secret
metadata: { name: ops-key, labels: { switchyard.dev/api-key: "true" } }
stringData: { key: ${KEY}, team: ops, user: olga, models: "fast" }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: fake }
spec: { type: fake }
---
apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: fast }
spec:
  model: fast
  aliases: [quick]
  targets: [{ provider: fake }]
  access: { allow: [{ teams: [ops] }, { keys: [other-key] }] }
---
apiVersion: switchyard.dev/v1alpha1
kind: Quota
metadata: { name: ops-daily }
spec:
  subject: { kind: team, name: ops }
  models: [quick]
  limits: [{ window: 1d, requests: 100 }]
---
apiVersion: switchyard.dev/v1alpha1
kind: Quota
metadata: { name: olga }
spec:
  subject: { kind: user, name: olga }
  limits: [{ window: 1h, tokens: 1000, tokenType: output }]
---
apiVersion: switchyard.dev/v1alpha1
kind: Quota
metadata: { name: other-route }
spec:
  subject: { kind: team, name: ops }
  models: [elsewhere]
  limits: [{ window: 1m, requests: 1 }]
`;

let app: FastifyInstance;
let base: string;
const pools = createUpstreamPools();

beforeAll(async () => {
  const logger = createLogger({ level: 'silent', destination: new Writable({ write(_c, _e, cb) { cb(); } }) });
  const holder = new TableHolder({ adapterFactory: createAdapter, adapterDeps: pools, logger });
  holder.load(compile(parseManifests(MANIFESTS), { version: 1 }).table);
  app = createAdminServer({ registry: new Registry(), holder, logger, ready: () => true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await app.close();
  await pools.close();
});

async function explain(query: string): Promise<Explanation> {
  const r = await fetch(`${base}/debug/explain?${query}`);
  const text = await r.text();
  expect(r.status, text).toBe(200);
  expect(text).not.toContain(KEY.slice(3, 15));
  return JSON.parse(text) as Explanation;
}

describe('/debug/explain with a caller', () => {
  it('without a caller: every quota counting the route (unscoped, or scoped to a name of it), none for other routes, sorted by id', async () => {
    const e = await explain('model=fast');
    expect(e.caller).toBeUndefined();
    expect(e.quotas.map((q) => [q.id, q.appliesToCaller])).toEqual([['default/olga', null], ['default/ops-daily', null]]);
    expect(e.quotas[0]).toMatchObject({ subject: { kind: 'user', name: 'olga' }, models: null, limits: [{ window: '1h', tokens: 1000, tokenType: 'output' }], action: { type: 'reject' }, shadow: false, timeZone: 'UTC' });
  });

  it('?key=: the key Secret\'s team, user and models decide', async () => {
    const e = await explain('model=fast&key=default/ops-key');
    expect(e.caller).toEqual({
      key: 'default/ops-key', team: 'ops', user: 'olga', keyKnown: true, models: ['fast'], allowed: true,
      reason: 'an allow rule matches key default/ops-key, team ops, user olga, and the key\'s allowed models include fast',
    });
    expect(e.quotas.map((q) => q.appliesToCaller)).toEqual([true, true]);
    const alias = await explain('model=quick&key=ops-key');
    expect(alias.caller).toMatchObject({ allowed: false, reason: 'the key\'s allowed models (fast) do not include both quick and fast' });
  });

  it('?key= of a key allowed by id only; ?team= and ?user=', async () => {
    expect((await explain('model=fast&key=default/other-key')).caller).toMatchObject({ keyKnown: false, allowed: true });
    const stranger = await explain('model=fast&team=dev&user=olga');
    expect(stranger.caller).toMatchObject({ key: null, team: 'dev', user: 'olga', allowed: false, reason: 'no allow rule matches team dev, user olga' });
    expect(stranger.quotas.map((q) => q.appliesToCaller)).toEqual([true, false]);
    const teamOnly = await explain('model=fast&team=ops');
    expect(teamOnly.caller?.allowed).toBe(true);
    expect(teamOnly.quotas.map((q) => q.appliesToCaller)).toEqual([null, true]); // the user is open: it depends
  });

  it('400 for key with team, and for an empty or repeated field', async () => {
    for (const q of ['model=fast&key=a&team=b', 'model=fast&team=', 'model=fast&user=a&user=b', `model=fast&team=${'t'.repeat(300)}`]) {
      const r = await fetch(`${base}/debug/explain?${q}`);
      expect(r.status, q).toBe(400);
      expect(await r.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    }
  });
});
