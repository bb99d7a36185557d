import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'cmd', 'switchyard.ts');

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let bad: string;
beforeAll(async () => {
  bad = await mkdtemp(join(tmpdir(), 'swy-cli-'));
  await writeFile(join(bad, 'broken.yaml'), 'kind: Provider\n  metadata: [oops\n');
  await writeFile(join(bad, 'route.yaml'), `apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: orphan }
spec: { model: orphan, targets: [{ provider: missing }] }
`);
});
afterAll(async () => { await rm(bad, { recursive: true, force: true }); });

describe('switchyard CLI', () => {
  it('validate examples/quickstart exits 0 and lists every object as accepted', async () => {
    const r = await run(['validate', 'examples/quickstart']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^KIND\s+NAMESPACE\/NAME\s+ACCEPTED/);
    expect(r.stdout).toContain('default/gpt-4o-mini');
    expect(r.stdout).toContain('OK: 5 object(s) in 2 file(s); all accepted');
  });

  it('validate exits 1 on a parse error and a rejected object, and shows both', async () => {
    const r = await run(['validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FILE ERRORS');
    expect(r.stdout).toMatch(/broken\.yaml: YAML syntax error/);
    expect(r.stdout).toMatch(/ModelRoute\s+default\/orphan\s+False/);
    expect(r.stdout).toContain('FAILED:');
  });

  it('validate --output json prints a machine-readable report', async () => {
    const r = await run(['validate', bad, '--output', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; errors: { file: string }[]; statuses: { name: string }[] };
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => e.file)).toEqual(['broken.yaml']);
    expect(report.statuses.map((s) => s.name)).toEqual(['orphan']);
    const good = JSON.parse((await run(['validate', 'examples/quickstart', '-o', 'json'])).stdout) as { ok: boolean };
    expect(good.ok).toBe(true);
  });

  it('validate resolves ${env:…} from the environment (quickstart-secured needs two variables)', async () => {
    const without = await run(['validate', 'examples/quickstart-secured']);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('environment variable OPENAI_API_KEY is not set');
    const secret = 'sk-canary-cli-9f8e7d6c5b4a3210';
    const withVars = await run(['validate', 'examples/quickstart-secured'], { OPENAI_API_KEY: secret, SWITCHYARD_DEMO_KEY: 'sk-demo-key-for-tests-01' });
    expect(withVars.code).toBe(0);
    expect(withVars.stdout + withVars.stderr).not.toContain(secret.slice(4, 12));
  });

  it('validate of a missing or empty directory exits 1 with a reason', async () => {
    const missing = await run(['validate', join(bad, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('cannot read config directory');
    const empty = await mkdtemp(join(tmpdir(), 'swy-empty-'));
    const r = await run(['validate', empty]);
    await rm(empty, { recursive: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no manifest files');
  });

  it('--help, <cmd> --help and --version', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('switchyard serve --config DIR');
    expect(help.stdout).toContain('switchyard validate DIR');
    expect(help.stdout).not.toMatch(/\boperator\b|\bproxy --/);
    const serve = await run(['serve', '--help']);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain('--admin-port');
    expect(serve.stdout).toContain('SWITCHYARD_PORT');
    const validate = await run(['validate', '-h']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('Exit status');
    const version = await run(['--version']);
    expect(version.stdout).toMatch(/^switchyard \d+\.\d+\.\d+/);
  });

  it('usage errors exit 2 with the usage on stderr', async () => {
    for (const args of [[], ['bogus'], ['validate'], ['validate', '--output', 'xml', 'x'], ['validate', '--nope', 'x'], ['serve'], ['serve', '--config', 'x', '--port', 'http']]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^switchyard: .+\n\n(switchyard —|Usage:)/);
    }
  });
});
