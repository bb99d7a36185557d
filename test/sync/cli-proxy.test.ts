// `switchyard proxy`: flag errors and help in process; then the real binary against a loopback sync server —
// not ready until the first table, ready and serving after it, banner on stderr, clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../cmd/main.ts';
import { defaultProxyId } from '../../cmd/proxy.ts';
import { TOKEN, chat, startSyncServer, until } from './support/harness.ts';
import type { SyncServerHarness } from './support/harness.ts';
import { fakeProvider, route, tableOf } from './support/tables.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'cmd', 'switchyard.ts');

async function call(args: string[], env: Record<string, string> = {}): Promise<{ code: number | 'running'; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env }, '9.9.9');
  return { code, stdout, stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let child: ChildProcess | undefined;
let op: SyncServerHarness | undefined;
afterEach(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await op?.close();
  child = undefined;
  op = undefined;
});

describe('switchyard proxy (CLI)', () => {
  it('--help documents the flags; bad flags are usage errors (exit 2)', async () => {
    const help = await call(['proxy', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--sync', '--sync-token-file', '--proxy-id', '--bootstrap', '--snapshot-out', '--admin-port', '--otlp-endpoint', '--auth', '--quota-fail-mode']) expect(help.stdout).toContain(flag);
    expect((await call(['--help'])).stdout).toContain('switchyard proxy --sync URL');

    const cases: [string[], Record<string, string>, RegExp][] = [
      [['proxy'], { SWITCHYARD_SYNC_TOKEN: 't' }, /needs --sync URL/],
      [['proxy', '--sync', 'ftp://x'], { SWITCHYARD_SYNC_TOKEN: 't' }, /ftp: URLs are not supported/],
      [['proxy', '--sync', 'http://u:p@x'], { SWITCHYARD_SYNC_TOKEN: 't' }, /not in the URL/],
      [['proxy', '--sync', 'http://x'], {}, /needs a sync token/],
      [['proxy', '--sync', 'http://x', '--sync-token-file', '/nonexistent/token'], {}, /cannot be read \(ENOENT\)/],
      [['proxy', '--sync', 'http://x', '--proxy-id', 'bad id'], { SWITCHYARD_SYNC_TOKEN: 't' }, /--proxy-id/],
      [['proxy', '--sync', 'http://x', '--port', '99999'], { SWITCHYARD_SYNC_TOKEN: 't' }, /--port must be a port number/],
      [['proxy', '--sync', 'http://x', '--auth', 'bogus'], { SWITCHYARD_SYNC_TOKEN: 't' }, /--auth must be required or open/],
      [['proxy', '--sync', 'http://x'], { SWITCHYARD_SYNC_TOKEN: 't', SWITCHYARD_AUTH: 'off' }, /--auth must be required or open/],
      [['proxy', '--sync', 'http://x', '--quota-fail-mode', 'maybe'], { SWITCHYARD_SYNC_TOKEN: 't' }, /--quota-fail-mode must be closed or open/],
      [['proxy', '--sync', 'http://x'], { SWITCHYARD_SYNC_TOKEN: 't', SWITCHYARD_QUOTA_FAIL_MODE: 'yes' }, /--quota-fail-mode must be closed or open/],
    ];
    for (const [args, env, message] of cases) {
      const r = await call(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('the default proxy id is hostname-pid with only allowed characters', () => {
    expect(defaultProxyId('pod-7f9c.cluster', 42)).toBe('pod-7f9c.cluster-42');
    expect(defaultProxyId('weird host/name', 7)).toBe('weird-host-name-7');
    expect(defaultProxyId('', 7)).toBe('proxy-7');
  });

  it('the binary waits for its first table (readyz 503), then serves it with auth required by default; SIGTERM exits 0', async () => {
    op = await startSyncServer();
    const [port, adminPort] = [await freePort(), await freePort()];
    let stderr = '';
    child = spawn(process.execPath, [CLI, 'proxy', '--sync', op.url, '--proxy-id', 'cli-proxy', '--host', '127.0.0.1', '--port', String(port), '--admin-port', String(adminPort), '--log-level', 'warn'], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', SWITCHYARD_SYNC_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const admin = `http://127.0.0.1:${adminPort}`;
    const readyz = async () => (await fetch(`${admin}/readyz`).catch(() => null))?.status;
    await until(async () => (await readyz()) === 503, 'the admin port to answer 503', 10_000);
    expect(stderr).toContain(`sync     ${op.url}  (proxy id cli-proxy)`);
    expect(stderr).toContain('waiting for the operator');
    expect(stderr).toContain('auth     required');

    const sync = op;
    await until(() => sync.server.proxies().some((p) => p.id === 'cli-proxy' && p.connected), 'the proxy to connect', 5000);
    sync.server.publish(tableOf([fakeProvider('f'), route('chat', 'chat', [{ provider: 'f' }])], 1));
    await until(async () => (await readyz()) === 200, 'readiness', 5000);
    // A snapshot without keys never opens a secured proxy.
    expect((await chat(`http://127.0.0.1:${port}`, 'chat')).status).toBe(401);
    const key = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: 'default', labels: { 'switchyard.dev/api-key': 'true' } }, stringData: { key: 'sk-cli-proxy-key-0001' } };
    sync.server.publish(tableOf([fakeProvider('f'), route('chat', 'chat', [{ provider: 'f' }]), key], 2));
    const authed = () => fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-cli-proxy-key-0001' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await until(async () => (await authed()).status === 200, 'the keyed table', 5000);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
