import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StartupError, startStandalone } from '../../pkg/serve/standalone.ts';
import type { StandaloneGateway } from '../../pkg/serve/standalone.ts';
import { createLogger } from '../../pkg/telemetry/logger.ts';

const CANARY = 'sk-Q7w9Zx3vT2pL8mN4kR6j';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROVIDERS = `apiVersion: v1
kind: Secret
metadata: { name: upstream-creds }
stringData:
  apiKey: \${env:UPSTREAM_KEY}
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: fake }
spec: { type: fake, fake: { latency: 5ms } }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: slow }
spec: { type: fake, fake: { latency: 400ms } }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: remote }
spec:
  type: openai-compatible
  baseURL: https://llm.example.com/v1
  auth: { secretRef: { name: upstream-creds, key: apiKey } }
`;
const route = (model: string, provider = 'fake') => `apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: ${model} }
spec: { model: ${model}, targets: [{ provider: ${provider} }] }
`;

function capture() {
  const lines: string[] = [];
  const destination = new Writable({ write(c, _e, cb) { lines.push(...String(c).split('\n').filter(Boolean)); cb(); } });
  return { lines, logger: createLogger({ level: 'debug', destination }) };
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let dir: string;
let gw: StandaloneGateway;
let client: OpenAI;
let banner = '';
const { lines, logger } = capture();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swy-serve-'));
  await writeFile(join(dir, 'providers.yaml'), PROVIDERS);
  await writeFile(join(dir, 'route-a.yaml'), `${route('model-a')}---\n${route('slow-model', 'slow')}`);
  // This suite is the quickstart situation: `--auth open` given explicitly (ADR 0013).
  gw = await startStandalone({
    configDir: dir, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger, env: { UPSTREAM_KEY: CANARY }, authMode: 'open',
    version: 'test', banner: (t) => { banner += t; }, watch: { debounceMs: 50, pollMs: 0 }, drainTimeoutMs: 3000,
  });
  // Open mode serves requests without a key; a presented key would be checked, so the SDK's header is dropped.
  client = new OpenAI({ baseURL: `${gw.dataUrl}/v1`, apiKey: 'unused', defaultHeaders: { authorization: null }, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
  await rm(dir, { recursive: true, force: true });
});

const served = async (model: string): Promise<boolean> => {
  const r = await fetch(`${gw.dataUrl}/v1/models`);
  const body = (await r.json()) as { data: { id: string }[] };
  return body.data.some((m) => m.id === model);
};

describe('standalone gateway', () => {
  it('serves the config directory: ports are real, the banner lists models and says auth is open (started with --auth open)', async () => {
    expect(gw.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.adminUrl).not.toBe(gw.dataUrl);
    const res = await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'hello' }] });
    expect(res.choices[0]?.message.content).toBeTruthy();
    expect(banner).toContain(`${gw.dataUrl}/v1`);
    expect(banner).toContain(`${gw.adminUrl}/metrics`);
    expect(banner).toMatch(/model-a\s+→ weighted: default\/fake \(model-a\) 100%/);
    expect(banner).toContain('auth     OPEN — requests without an API key are served (started with --auth open)');
    expect(banner).toContain(`curl ${gw.dataUrl}/v1/chat/completions -H 'content-type: application/json'`);
    expect(banner).not.toContain('authorization: Bearer');
    const readyz = await fetch(`${gw.adminUrl}/readyz`);
    expect(readyz.status).toBe(200);
    expect(((await readyz.json()) as { auth: unknown }).auth).toEqual({ mode: 'open', keys: 0, tokenIssuers: 0, lockedOut: false });
    expect(JSON.parse(lines.find((l) => l.includes('auth mode is open')) ?? '{}')).toMatchObject({ level: 'warn', auth: 'open' });
    expect(await (await fetch(`${gw.adminUrl}/metrics`)).text()).toMatch(/switchyard_auth_mode\{mode="open"\} 1/);
    expect(gw.holder.table?.version).toBe(1);
  });

  it('hot reload: a new route file is served without a restart', async () => {
    await writeFile(join(dir, 'route-b.yaml'), route('model-b'));
    await until(async () => ((await served('model-b')) ? true : undefined), 'model-b served');
    const res = await client.chat.completions.create({ model: 'model-b', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.model).toBe('model-b');
    expect(gw.holder.table?.version).toBe(2);
  });

  it('an invalid YAML edit keeps the last good table and logs the file and reason; the fix loads a new table', async () => {
    await writeFile(join(dir, 'route-b.yaml'), `${route('model-c')}  oops: [unclosed\n`);
    const warn = await until(() => lines.find((l) => l.includes('config file not loaded') && l.includes('route-b.yaml')), 'parse warning');
    expect(JSON.parse(warn)).toMatchObject({ level: 'warn', file: 'route-b.yaml', error: expect.stringMatching(/YAML syntax error/) });
    await until(() => lines.find((l) => l.includes('keeping the last good routing table')), 'keep log');
    expect(gw.holder.table?.version).toBe(2);
    expect(await served('model-b')).toBe(true);
    expect(await served('model-c')).toBe(false);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_table_load_failures_total 1\b/);

    await writeFile(join(dir, 'route-b.yaml'), route('model-c'));
    await until(async () => ((await served('model-c')) ? true : undefined), 'model-c served');
    expect(await served('model-b')).toBe(false);
    expect(gw.holder.table?.version).toBe(3);
  });

  it('a change that compiles to the same table is not reloaded', async () => {
    const before = lines.length;
    await writeFile(join(dir, 'route-b.yaml'), `# only a comment changed\n${route('model-c')}`);
    await until(() => lines.slice(before).find((l) => l.includes('routing table did not')), 'unchanged log');
    expect(gw.holder.table?.version).toBe(3);
  });

  it('a route naming a Provider that does not exist is reported and answers 500 route_misconfigured (no Retry-After) while its neighbours are served', async () => {
    await writeFile(join(dir, 'route-d.yaml'), `${route('model-d', 'no-such-provider')}---\n${route('model-e')}`);
    await until(async () => ((await served('model-e')) ? true : undefined), 'model-e served');
    const res = await fetch(`${gw.dataUrl}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'model-d', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    const err = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(err.code).toBe('route_misconfigured');
    expect(err.message).toContain('model-d');
    expect(err.message).toContain('no-such-provider');
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request' && l.route === 'default/model-d').at(-1);
    expect(access).toMatchObject({ status: 500, code: 'route_misconfigured', attempts: 0 });
    expect(await (await fetch(`${gw.adminUrl}/metrics`)).text()).toMatch(/switchyard_requests_total\{[^}]*route="default\/model-d"[^}]*code="route_misconfigured"[^}]*\} 1/);
    const summary = lines.filter((l) => l.includes('routing table in use')).at(-1) ?? '';
    expect(JSON.parse(summary).notAccepted).toEqual([expect.objectContaining({ object: 'ModelRoute default/model-d' })]);
  });

  it('API keys in open mode: a presented key is checked, anonymous callers are still served', async () => {
    await writeFile(join(dir, 'keys.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: k1, labels: { switchyard.dev/api-key: "true" } }\nstringData: { key: sk-test-client-key-0001, team: a }\n');
    const good = { authorization: 'Bearer sk-test-client-key-0001' };
    await until(async () => ((await fetch(`${gw.dataUrl}/v1/models`, { headers: good })).status === 200 ? true : undefined), 'the key loaded');
    const wrong = await fetch(`${gw.dataUrl}/v1/models`, { headers: { authorization: 'Bearer sk-test-client-key-9999' } });
    expect(wrong.status).toBe(401);
    const authed = new OpenAI({ baseURL: `${gw.dataUrl}/v1`, apiKey: 'sk-test-client-key-0001', maxRetries: 0 });
    const res = await authed.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices).toHaveLength(1);
    // Adding a key does not change the mode: the process was started open.
    expect((await fetch(`${gw.dataUrl}/v1/models`)).status).toBe(200);
    expect((await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }] })).choices).toHaveLength(1);
  });

  it('E10 admin paths are 404 on the data port and data paths are 404 on the admin port', async () => {
    for (const path of ['/metrics', '/healthz', '/readyz', '/debug/table', '/debug/explain?model=model-a', '/debug/pprof', '/admin', '/stats', '/config_dump']) {
      const r = await fetch(`${gw.dataUrl}${path}`);
      expect(r.status, `data ${path}`).toBe(404);
    }
    for (const [method, path] of [['POST', '/v1/chat/completions'], ['GET', '/v1/models'], ['POST', '/v1/embeddings']] as const) {
      const r = await fetch(`${gw.adminUrl}${path}`, { method, ...(method === 'POST' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}) });
      expect(r.status, `admin ${path}`).toBe(404);
    }
  });

  it('E11 the provider credential never reaches logs, metrics, /debug/table or /debug/explain', async () => {
    await writeFile(join(dir, 'route-remote.yaml'), route('remote-model', 'remote'));
    await until(() => (gw.holder.table?.providers['default/remote'] && gw.holder.table.routes.some((r) => r.model === 'remote-model') ? true : undefined), 'remote route');
    expect(gw.holder.table?.providers['default/remote']?.credential).toMatchObject({ kind: 'header', value: `Bearer ${CANARY}` });
    const sinks = [
      lines.join('\n'),
      await (await fetch(`${gw.adminUrl}/metrics`)).text(),
      await (await fetch(`${gw.adminUrl}/debug/table`)).text(),
      await (await fetch(`${gw.adminUrl}/debug/explain?model=remote-model`)).text(),
      banner,
    ].join('\n');
    expect(sinks).toContain('remote-model');
    for (let i = 0; i + 8 <= CANARY.length; i++) expect(sinks).not.toContain(CANARY.slice(i, i + 8));
  });

  it('close() drains an in-flight request before stopping, then readiness and listeners are gone', async () => {
    const authed = new OpenAI({ baseURL: `${gw.dataUrl}/v1`, apiKey: 'sk-test-client-key-0001', maxRetries: 0 });
    const inflight = authed.chat.completions.create({ model: 'slow-model', messages: [{ role: 'user', content: 'take your time' }] });
    await sleep(100);
    const closing = gw.close();
    const res = await inflight;
    expect(res.choices[0]?.finish_reason).toBe('stop');
    await closing;
    await expect(fetch(`${gw.dataUrl}/v1/models`)).rejects.toThrow();
    await expect(fetch(`${gw.adminUrl}/healthz`)).rejects.toThrow();
    expect(lines.some((l) => l.includes('shutdown complete'))).toBe(true);
    expect(lines.some((l) => l.includes('did not finish before the drain deadline'))).toBe(false);
  });
});

describe('standalone startup failures', () => {
  it('a file that does not parse stops startup with the reason', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'swy-serve-bad-'));
    try {
      await writeFile(join(bad, 'x.yaml'), 'kind: [\n');
      const { logger: l } = capture();
      await expect(startStandalone({ configDir: bad, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger: l, env: {}, watch: false }))
        .rejects.toThrow(StartupError);
      await expect(startStandalone({ configDir: join(bad, 'missing'), dataPort: 0, adminPort: 0, host: '127.0.0.1', logger: l, env: {}, watch: false }))
        .rejects.toThrow(/cannot read config directory/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('standalone gateway, auth required (the default)', () => {
  const KEY = 'sk-test-required-key-0042';
  const KEY_SECRET = `apiVersion: v1\nkind: Secret\nmetadata: { name: k1, labels: { switchyard.dev/api-key: "true" } }\nstringData: { key: ${KEY}, team: a }\n`;
  const chatBody = JSON.stringify({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }] });
  const post = (base: string, path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  async function startIn(files: Record<string, string>) {
    const d = await mkdtemp(join(tmpdir(), 'swy-serve-auth-'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(d, name), text);
    const cap = capture();
    let text = '';
    const g = await startStandalone({
      configDir: d, dataPort: 0, adminPort: 0, host: '127.0.0.1', logger: cap.logger, env: {}, version: 'test',
      banner: (t) => { text += t; }, watch: false, drainTimeoutMs: 500,
    });
    return { dir: d, gw: g, lines: cap.lines, banner: () => text };
  }

  it('zero keys: 401 on every data endpoint (incl. /v1/models), WARN logged, locked-out gauge 1, /readyz and /debug/table report it', async () => {
    const s = await startIn({ 'p.yaml': PROVIDERS, 'r.yaml': route('model-a') });
    try {
      const base = s.gw.dataUrl;
      const embBody = JSON.stringify({ model: 'model-a', input: 'x' });
      for (const headers of [{}, { authorization: 'Bearer sk-anything-at-all' }] as Record<string, string>[]) {
        const answers = [
          await post(base, '/v1/chat/completions', chatBody, headers),
          await post(base, '/v1/embeddings', embBody, headers),
          await fetch(`${base}/v1/models`, { headers }),
          await fetch(`${base}/v1/models/model-a`, { headers }),
        ];
        for (const r of answers) {
          expect(r.status).toBe(401);
          const code = ((await r.json()) as { error: { code: string } }).error.code;
          expect(code).toBe('authorization' in headers ? 'invalid_api_key' : 'missing_api_key');
        }
      }
      const warn = s.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 'warn' && String(l.msg).includes('holds no API keys'));
      expect(warn).toHaveLength(1);
      expect(warn[0]).toMatchObject({ auth: 'required', keys: 0 });
      const metrics = await (await fetch(`${s.gw.adminUrl}/metrics`)).text();
      expect(metrics).toMatch(/switchyard_auth_locked_out 1\b/);
      expect(metrics).toMatch(/switchyard_auth_mode\{mode="required"\} 1/);
      expect(metrics).toMatch(/switchyard_api_keys 0\b/);
      const readyz = (await (await fetch(`${s.gw.adminUrl}/readyz`)).json()) as Record<string, unknown>;
      expect(readyz).toMatchObject({ status: 'ready', auth: { mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true } });
      const table = (await (await fetch(`${s.gw.adminUrl}/debug/table`)).json()) as Record<string, unknown>;
      expect(table.auth).toEqual({ mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true });
      expect(s.banner()).toContain('auth     required — every request needs an API key');
      expect(s.banner()).toContain('every request will get 401 until a key Secret is added');
      expect(s.banner()).toContain(`curl ${base}/v1/chat/completions -H "authorization: Bearer $SWITCHYARD_KEY" -H 'content-type: application/json'`);
    } finally {
      await s.gw.close();
      await rm(s.dir, { recursive: true, force: true });
    }
  });

  it('reload sequence: deleting the only key Secret file leaves the gateway secured (401 without a key and for the old key)', async () => {
    const s = await startIn({ 'p.yaml': PROVIDERS, 'r.yaml': route('model-a'), 'keys.yaml': KEY_SECRET });
    try {
      const base = s.gw.dataUrl;
      const withKey = { authorization: `Bearer ${KEY}` };
      expect(s.banner()).toContain('auth     required — every request needs an API key (1 configured)');
      expect(s.banner()).toContain('-H "authorization: Bearer $SWITCHYARD_KEY"');
      expect((await post(base, '/v1/chat/completions', chatBody)).status).toBe(401);
      expect((await post(base, '/v1/chat/completions', chatBody, withKey)).status).toBe(200);
      expect(await (await fetch(`${s.gw.adminUrl}/metrics`)).text()).toMatch(/switchyard_auth_locked_out 0\b/);

      await rm(join(s.dir, 'keys.yaml'));
      const result = await s.gw.reload();
      expect(result.outcome).toBe('loaded');
      expect(s.gw.holder.table && Object.keys(s.gw.holder.table.keys)).toEqual([]);
      for (const headers of [{}, withKey] as Record<string, string>[]) {
        const r = await post(base, '/v1/chat/completions', chatBody, headers);
        expect(r.status).toBe(401);
        expect((await fetch(`${base}/v1/models`, { headers })).status).toBe(401);
      }
      expect(s.lines.some((l) => l.includes('"level":"warn"') && l.includes('holds no API keys'))).toBe(true);
      expect(await (await fetch(`${s.gw.adminUrl}/metrics`)).text()).toMatch(/switchyard_auth_locked_out 1\b/);
      expect(((await (await fetch(`${s.gw.adminUrl}/readyz`)).json()) as { auth: unknown }).auth).toEqual({ mode: 'required', keys: 0, tokenIssuers: 0, lockedOut: true });
    } finally {
      await s.gw.close();
      await rm(s.dir, { recursive: true, force: true });
    }
  });
});
