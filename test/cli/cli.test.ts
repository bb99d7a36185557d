import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, callCli, runCli } from '../support/cli.ts';

let bad: string;
beforeAll(async () => {
  bad = await mkdtemp(join(tmpdir(), 'swy-cli-'));
  await writeFile(join(bad, 'broken.yaml'), 'kind: Provider\n  metadata: [oops\n');
  await writeFile(join(bad, 'route.yaml'), `apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: orphan }
spec: { model: orphan, targets: [{ provider: missing, weight: 0 }] }
`);
});
afterAll(async () => { await rm(bad, { recursive: true, force: true }); });

describe('switchyard CLI', () => {
  it('validate examples/quickstart exits 0 and lists every object as accepted', async () => {
    const r = await runCli(['validate', 'examples/quickstart']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KIND\s+NAMESPACE\/NAME\s+ACCEPTED/);
    expect(r.stdout).toContain('default/gpt-4o-mini');
    expect(r.stdout).toContain('OK: 5 object(s) in 2 file(s); 0 error(s), 0 warning(s)');
  });

  it('validate exits 1 on a parse error and a rejected object, and shows both', async () => {
    const r = await runCli(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR: .*broken\.yaml: FileNotLoaded: YAML syntax error/);
    expect(r.stdout).toMatch(/ERROR: .*route\.yaml: ModelRoute default\/orphan: NoUsableTargets: /);
    expect(r.stdout).toMatch(/ModelRoute\s+default\/orphan\s+False/);
    expect(r.stdout).toContain('FAILED:');
  });

  it('validate --output json prints a machine-readable report', async () => {
    const r = await callCli(['validate', bad, '--output', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; errors: { file: string; reason: string }[]; statuses: { name: string }[] };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => [e.file, e.reason])).toEqual([[join(bad, 'broken.yaml'), 'FileNotLoaded'], [join(bad, 'route.yaml'), 'NoUsableTargets']]);
    expect(report.statuses.map((s) => s.name)).toEqual(['orphan']);
    const good = JSON.parse((await callCli(['validate', 'examples/quickstart', '-o', 'json'])).stdout) as { ok: boolean };
    expect(good.ok).toBe(true);
  });

  it('validate resolves ${env:…} from the environment (quickstart-secured needs two variables)', async () => {
    const without = await callCli(['validate', 'examples/quickstart-secured']);
    expect(without.code).toBe(0);
    expect(without.stdout).toContain('environment variable OPENAI_API_KEY is not set');
    expect((await callCli(['validate', '--strict', 'examples/quickstart-secured'])).code).toBe(1);
    const secret = 'sk-canary-cli-9f8e7d6c5b4a3210';
    const withVars = await callCli(['validate', 'examples/quickstart-secured'], { OPENAI_API_KEY: secret, SWITCHYARD_DEMO_KEY: 'sk-demo-key-for-tests-01' });
    expect(withVars.code).toBe(0);
    expect(withVars.stdout + withVars.stderr).not.toContain(secret.slice(4, 12));
  });

  it('validate of a missing or empty directory exits 1 with a reason', async () => {
    const missing = await callCli(['validate', join(bad, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/cannot read .*nope \(ENOENT\)/);
    const empty = await mkdtemp(join(tmpdir(), 'swy-empty-'));
    const r = await callCli(['validate', empty]);
    await rm(empty, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no manifest files');
  });

  it('--help, <cmd> --help and --version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('switchyard serve --config DIR');
    expect(help.stdout).toContain('switchyard validate PATH');
    expect(help.stdout).toContain('switchyard operator');
    expect(help.stdout).toContain('switchyard proxy --sync URL');
    const serve = await callCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain('--admin-port');
    expect(serve.stdout).toContain('SWITCHYARD_PORT');
    const validate = await callCli(['validate', '-h']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('Exit status');
    expect((await callCli(['--version'])).stdout).toBe('switchyard 9.9.9\n');
    const version = await runCli(['--version']);
    expect(version.stdout).toMatch(/^switchyard \d+\.\d+\.\d+\n$/);
  });

  it('usage errors exit 2 with the usage on stderr', async () => {
    const spawned = await runCli(['bogus']);
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toContain('unknown command "bogus"');
    for (const args of [[], ['bogus'], ['validate'], ['validate', '--output', 'xml', 'x'], ['validate', '--nope', 'x'], ['serve'], ['serve', '--config', 'x', '--port', 'http']]) {
      const r = await callCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^switchyard: .+\n\n(switchyard —|Usage:)/);
    }
  });

  it('--auth / SWITCHYARD_AUTH accept only required or open: anything else is a usage error with the command\'s usage', async () => {
    for (const [args, env] of [
      [['serve', '--config', 'examples/quickstart', '--auth', 'bogus'], {}],
      [['serve', '--config', 'examples/quickstart'], { SWITCHYARD_AUTH: 'OPEN' }],
      [['proxy', '--sync', 'http://127.0.0.1:1', '--auth', 'none'], { SWITCHYARD_SYNC_TOKEN: 't' }],
    ] as const) {
      const r = await callCli([...args], env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^switchyard: --auth must be required or open, not "/);
      expect(r.stderr).toContain(`Usage: switchyard ${args[0]}`);
    }
    expect((await callCli(['serve', '--help'])).stdout).toContain('--auth MODE');
    expect((await callCli(['proxy', '--help'])).stdout).toContain('--auth MODE');
  });

  it('serve without --auth is required: the quickstart (no keys) answers 401 and the banner says why, with a key in the curl', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', 'examples/quickstart', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--log-level', 'warn'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const dataUrl = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${stderr}`)), 10_000);
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          const m = /try:[\s\S]*curl (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stderr);
          if (m?.[1]) { clearTimeout(t); resolve(m[1]); }
        });
      });
      expect(stderr).toContain('auth     required — every request needs an API key');
      expect(stderr).toContain('every request will get 401 until a key Secret is added');
      expect(stderr).toContain('-H "authorization: Bearer $SWITCHYARD_KEY"');
      const r = await fetch(`${dataUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(401);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const warned = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; msg: string });
      expect(warned.some((l) => l.level === 'warn' && l.msg.includes('holds no API keys'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('serve --auth open (what npm start runs) serves the quickstart, answers, and exits 0 on SIGTERM after draining', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--config', 'examples/quickstart', '--auth', 'open', '--port', '0', '--admin-port', '0', '--host', '127.0.0.1', '--log-level', 'warn'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' } });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const dataUrl = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no banner: ${stderr}`)), 10_000);
        child.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          const m = /data\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(stderr);
          if (m?.[1]) { clearTimeout(t); resolve(m[1]); }
        });
      });
      expect(stderr).toContain('auth     OPEN — requests without an API key are served (started with --auth open)');
      expect(stderr).not.toContain('authorization: Bearer');
      const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts['start']).toBe('node cmd/switchyard.ts serve --config examples/quickstart --auth open');
      const r = await fetch(`${dataUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(r.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Only warnings and above were logged (--log-level warn): the OPEN warning, as one JSON line.
      const logged = stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string });
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.every((l) => l.level === 'warn' || l.level === 'error')).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
