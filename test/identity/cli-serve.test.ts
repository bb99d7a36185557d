// The binary end to end: `switchyard serve --auth required --oidc-config FILE` (the quickstart has no API keys)
// loads the issuer's keys before it listens, reports them in /readyz, and serves a valid token while an API key it
// does not hold is refused.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeKey, startOidcServer } from './oidc-server.ts';
import type { OidcServer } from './oidc-server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'cmd', 'switchyard.ts');

let idp: OidcServer;
let dir: string;
beforeAll(async () => {
  idp = await startOidcServer();
  idp.published = [await makeKey('cli-1', 'ES256')];
  dir = await mkdtemp(join(tmpdir(), 'swy-oidc-serve-'));
  await writeFile(join(dir, 'oidc.yaml'), `issuers:\n  - issuer: ${idp.issuer}\n    audiences: [switchyard]\n    claims: { team: team }\n`);
});
afterAll(async () => {
  await idp?.close();
  await rm(dir, { recursive: true, force: true });
});

it('serve --oidc-config: keys loaded before listening, /readyz shows them, a token is served, exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, [
    CLI, 'serve', '--config', 'examples/quickstart', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--oidc-config', join(dir, 'oidc.yaml'),
  ], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const { data, admin } = await new Promise<{ data: string; admin: string }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not listening: ${stdout}`)), 10_000);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /"dataAddress":"([^"]+)","adminAddress":"([^"]+)"/.exec(stdout);
        if (m?.[1] && m[2]) { clearTimeout(t); resolve({ data: `http://${m[1]}`, admin: `http://${m[2]}` }); }
      });
    });
    expect(stdout).toContain('OIDC signing keys loaded');
    const ready = (await (await fetch(`${admin}/readyz`)).json()) as Record<string, unknown>;
    expect(ready['identity']).toMatchObject({ issuers: [{ issuer: idp.issuer, keysLoaded: true, keys: 1 }] });
    const chat = (authorization: string) => fetch(`${data}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const token = await idp.sign({ aud: 'switchyard', sub: 'cli-user', team: 'ml' });
    expect((await chat(`Bearer ${token}`)).status).toBe(200);
    expect((await chat('Bearer sk-unknown')).status).toBe(401);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The access log is buffered (ADR 0010) and flushed by the shutdown.
    expect(stdout).toContain(`"keyId":"jwt:${new URL(idp.issuer).host}/cli-user","team":"ml","user":"cli-user"`);
    expect(stdout).not.toContain(token);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
