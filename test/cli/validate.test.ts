// `switchyard validate` as a CI gate, and the CLI's help/version/usage behaviour, through the real entry points:
// `main` (the dispatch the binary runs) in process, and the binary itself where the exit status matters most.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, callCli, runCli } from '../support/cli.ts';

interface JsonVerdict { severity: string; reason: string; message: string; file: string | null; object: { kind: string; namespace: string; name: string } | null }
interface JsonReport {
  ok: boolean; strict: boolean; paths: string[]; files: string[];
  errors: JsonVerdict[]; warnings: JsonVerdict[];
  statuses: { kind: string; name: string; conditions: { type: string; status: string; reason: string }[] }[];
  summary: { files: number; objects: number; errors: number; warnings: number; text: string };
}

async function json(args: string[], env: Record<string, string> = {}): Promise<{ code: number; report: JsonReport; raw: string }> {
  const r = await callCli(['validate', '-o', 'json', ...args], env);
  return { code: r.code, report: JSON.parse(r.stdout) as JsonReport, raw: r.stdout + r.stderr };
}

const V = 'apiVersion: switchyard.dev/v1alpha1';
const fake = (name: string, models = '') => `${V}\nkind: Provider\nmetadata: { name: ${name} }\nspec: { type: fake${models === '' ? '' : `, models: [${models}]`} }\n`;
const route = (name: string, spec: string) => `${V}\nkind: ModelRoute\nmetadata: { name: ${name} }\nspec: { model: ${name}, ${spec} }\n`;
const compat = (name: string, secret: string) => `${V}
kind: Provider
metadata: { name: ${name} }
spec:
  type: openai-compatible
  baseURL: https://llm.example.com/v1
  auth: { secretRef: { name: ${secret}, key: apiKey } }
`;
const apiKey = (name: string, fields: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  labels: { switchyard.dev/api-key: "true" }
stringData:
${fields}`;

let root: string;
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'swy-validate-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

describe('switchyard validate: errors (exit 1, with the reason)', () => {
  it('a route whose Provider does not exist fails, although the compiler accepts the route', async () => {
    const dir = await folder('no-provider', { 'p.yaml': fake('p1'), 'r.yaml': route('chat', 'targets: [{ provider: missing }]') });
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`ERROR: ${join(dir, 'r.yaml')}: ModelRoute default/chat: ProviderNotFound: targets[0]: Provider default/missing not found`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('FAILED: 2 object(s) in 2 file(s); 1 error(s), 0 warning(s)');
  });

  it('a fallback whose Provider does not exist fails', async () => {
    const dir = await folder('no-fallback', { 'all.yaml': `${fake('p1')}---\n${route('chat', 'targets: [{ provider: p1 }], fallback: [{ provider: gone }]')}` });
    const r = await callCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR: .*ModelRoute default\/chat: ProviderNotFound: fallback\[0\]: Provider default\/gone not found/);
  });

  it('a Provider that is not accepted fails, and so does the route that uses it', async () => {
    const openaiWithoutAuth = `${V}\nkind: Provider\nmetadata: { name: oa }\nspec: { type: openai }\n`;
    const dir = await folder('bad-provider', { 'all.yaml': `${openaiWithoutAuth}---\n${route('chat', 'targets: [{ provider: oa }]')}` });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    expect(report.errors.map((e) => `${e.object?.kind}/${e.object?.name}:${e.reason}`).sort()).toEqual(['ModelRoute/chat:ProviderNotAccepted', 'Provider/oa:Invalid']);
  });

  it('a target model the Provider does not list fails with ModelNotListed', async () => {
    const dir = await folder('not-listed', { 'all.yaml': `${fake('p1', '{ name: small }')}---\n${route('large', 'targets: [{ provider: p1 }]')}` });
    const r = await callCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR: .*ModelRoute default\/large: ModelNotListed: targets\[0\]: model large is not listed/);
  });

  it('a missing reference is an error even when another target is only waiting for a Secret', async () => {
    const dir = await folder('masked', { 'all.yaml': `${compat('up', 'absent')}---\n${route('chat', 'targets: [{ provider: up }, { provider: typo }]')}` });
    const r = await callCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR: .*ModelRoute default\/chat: ProviderNotFound: .*Provider default\/typo not found/);
    expect(r.stdout).toMatch(/WARNING: .*Provider default\/up: SecretNotFound: Secret default\/absent not found/);
  });

  it('an empty folder and a folder with only a ConfigMap fail', async () => {
    const empty = await folder('empty', {});
    const r1 = await runCli(['validate', empty]);
    expect(r1.code).toBe(1);
    expect(r1.stdout).toContain('NoSwitchyardObjects: no manifest files (*.yaml, *.yml, *.json) found in');
    const cm = await folder('configmap', { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { a: b }\n' });
    const r2 = await callCli(['validate', cm]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toContain('ERROR: NoSwitchyardObjects: no Provider, ModelRoute or Quota');
    const onlySecret = await folder('only-secret', { 's.yaml': apiKey('k', '  key: sk-only-a-secret-000\n') });
    expect((await callCli(['validate', onlySecret])).code).toBe(1);
  });

  it('a file that does not parse fails, and a path that does not exist fails', async () => {
    const dir = await folder('broken', { 'ok.yaml': fake('p1'), 'bad.yaml': 'kind: Provider\n  metadata: [oops\n' });
    const r = await callCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`ERROR: ${join(dir, 'bad.yaml').replace(/[/\\.]/g, '\\$&')}: FileNotLoaded: YAML syntax error`));
    const missing = await callCli(['validate', join(root, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/FileNotLoaded: cannot read .*nope \(ENOENT\)/);
  });

  it('an object the compiler rejects fails (a duplicate model name)', async () => {
    const dir = await folder('conflict', { 'all.yaml': `${fake('p1')}---\n${route('a', 'aliases: [shared], targets: [{ provider: p1 }]')}---\n${route('b', 'aliases: [shared], targets: [{ provider: p1 }]')}` });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ severity: 'error', object: { kind: 'ModelRoute', name: 'b' } });
    expect(report.errors[0]?.reason).toMatch(/^Conflict/);
  });
});

describe('switchyard validate: warnings (exit 0; exit 1 with --strict)', () => {
  it('a Secret the set does not hold is a warning, and an error with --strict', async () => {
    const dir = await folder('no-secret', { 'all.yaml': `${compat('up', 'creds')}---\n${route('chat', 'targets: [{ provider: up }]')}` });
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING: .*Provider default\/up: SecretNotFound: Secret default\/creds not found/);
    expect(r.stdout).toMatch(/WARNING: .*ModelRoute default\/chat: /);
    expect(r.stdout).toMatch(/\nOK: 2 object\(s\) in 1 file\(s\); 0 error\(s\), 2 warning\(s\)\n$/);
    const strict = await runCli(['validate', '--strict', dir]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/ERROR: .*Provider default\/up: SecretNotFound/);
    expect(strict.stdout).toContain('FAILED: 2 object(s) in 1 file(s); 2 error(s), 0 warning(s) (--strict: warnings count as errors)');
  });

  it('an API-key Secret named in access.allow but not in the set is a warning', async () => {
    const dir = await folder('no-key', { 'all.yaml': `${fake('p1')}---\n${route('chat', 'targets: [{ provider: p1 }], access: { allow: [{ keys: [ci-key] }] }')}` });
    const { code, report } = await json([dir]);
    expect(code).toBe(0);
    expect(report.warnings.map((w) => [w.reason, w.object?.name])).toEqual([['SecretNotFound', 'chat']]);
    expect((await callCli(['validate', '--strict', dir])).code).toBe(1);
  });

  it('an unset ${env:NAME} is a warning naming file and variable; a set one never shows its value', async () => {
    const secretFile = `apiVersion: v1\nkind: Secret\nmetadata: { name: creds }\nstringData:\n  apiKey: \${env:UPSTREAM_TOKEN}\n`;
    const dir = await folder('env', { 'secret.yaml': secretFile, 'all.yaml': `${compat('up', 'creds')}---\n${route('chat', 'targets: [{ provider: up }]')}` });
    const unset = await callCli(['validate', dir]);
    expect(unset.code).toBe(0);
    expect(unset.stdout).toContain(`WARNING: ${join(dir, 'secret.yaml')}: Secret default/creds: EnvNotSet: stringData.apiKey: environment variable UPSTREAM_TOKEN is not set`);
    const strict = await callCli(['validate', dir, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/ERROR: .*EnvNotSet: .*UPSTREAM_TOKEN/);

    const canary = 'tok-canary-5e4d3c2b1a09f8e7';
    for (const args of [['validate', dir], ['validate', dir, '--strict'], ['validate', dir, '-o', 'json']]) {
      const set = await callCli(args, { UPSTREAM_TOKEN: canary });
      expect(set.code, args.join(' ')).toBe(0);
      expect(set.stdout + set.stderr).not.toContain(canary.slice(4, 14));
    }
    const spawned = await runCli(['validate', '--strict', dir], { UPSTREAM_TOKEN: canary });
    expect(spawned.code).toBe(0);
    expect(spawned.stdout + spawned.stderr).not.toContain(canary.slice(4, 14));
  });

  it('an API key that expired, or expires within 7 days, is a warning that never shows the key', async () => {
    const soon = new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const keys = [
      apiKey('old-key', '  key: sk-expired-canary-11223344\n  expiresAt: "2020-01-31T00:00:00Z"\n'),
      apiKey('soon-key', `  key: sk-soon-canary-55667788\n  expiresAt: "${soon}"\n`),
      apiKey('fine-key', '  key: sk-fine-canary-99aabbcc\n  expiresAt: "2999-01-01T00:00:00Z"\n'),
    ].join('---\n');
    const dir = await folder('expiry', { 'keys.yaml': keys, 'p.yaml': `${fake('p1')}---\n${route('chat', 'targets: [{ provider: p1 }]')}` });
    const r = await callCli(['validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Secret default/old-key: KeyExpired: API key default/old-key expired at 2020-01-31T00:00:00.000Z');
    expect(r.stdout).toMatch(/Secret default\/soon-key: KeyExpiresSoon: API key default\/soon-key expires at .* \(within 2 day\(s\)\)/);
    expect(r.stdout).not.toMatch(/fine-key: Key/);
    expect(r.stdout).not.toContain('canary');
    expect((await callCli(['validate', dir, '--strict'])).code).toBe(1);
  });
});

describe('switchyard validate: paths and output', () => {
  it('accepts a single file, several paths, and reads a file named twice once', async () => {
    const dir = await folder('paths', { 'route.yaml': route('chat', 'targets: [{ provider: p1 }]') });
    const providerFile = join(root, 'provider.yaml');
    await writeFile(providerFile, fake('p1'));
    const single = await callCli(['validate', providerFile]);
    expect(single.code).toBe(0);
    expect(single.stdout).toContain('OK: 1 object(s) in 1 file(s); 0 error(s), 0 warning(s)');
    // The route alone names a Provider that is not there; with the provider file beside it, it resolves.
    expect((await callCli(['validate', join(dir, 'route.yaml')])).code).toBe(1);
    const { code, report } = await json([providerFile, dir, join(dir, 'route.yaml')]);
    expect(code).toBe(0);
    expect(report.files).toEqual([providerFile, join(dir, 'route.yaml')]);
    expect(report.paths).toHaveLength(3);
  });

  it('--output json carries the verdicts, the statuses and a summary', async () => {
    const dir = await folder('json', { 'all.yaml': `${compat('up', 'creds')}---\n${route('chat', 'targets: [{ provider: up }, { provider: nope }]')}` });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.strict).toBe(false);
    expect(report.errors).toEqual([{
      severity: 'error', reason: 'ProviderNotFound', file: join(dir, 'all.yaml'),
      object: { kind: 'ModelRoute', namespace: 'default', name: 'chat' },
      message: expect.stringContaining('targets[1]: Provider default/nope not found') as unknown as string,
    }]);
    expect(report.warnings.map((w) => [w.severity, w.reason, w.object?.name])).toEqual([['warning', 'SecretNotFound', 'up']]);
    expect(report.statuses.map((s) => `${s.kind}/${s.name}`)).toEqual(['ModelRoute/chat', 'Provider/up']);
    expect(report.summary).toMatchObject({ files: 1, objects: 2, errors: 1, warnings: 1 });
    expect(report.summary.text).toMatch(/^FAILED: /);
  });

  it('every packaged example validates (quickstart-secured with its variables set, even with --strict)', async () => {
    // The cluster examples hold no Secrets (a cluster's are created apart) and examples/gitops is a tree of
    // directories: test/examples/ checks those two.
    const examples = (await readdir(join(ROOT, 'examples'))).filter((n) => n !== 'cluster' && n !== 'gitops');
    expect(examples).toContain('quickstart');
    for (const name of examples) {
      const r = await runCli(['validate', join('examples', name)]);
      expect(r.code, `${name}: ${r.stdout}`).toBe(0);
      expect(r.stdout).not.toContain('ERROR');
    }
    const env = { OPENAI_API_KEY: 'sk-example-openai-0000', SWITCHYARD_DEMO_KEY: 'sk-example-demo-0000' };
    const strict = await callCli(['validate', '--strict', ...examples.map((n) => join(ROOT, 'examples', n))], env);
    // Two example folders in one set would claim the same model names; validate each alone.
    expect(strict.stdout).toContain('Conflict');
    for (const name of examples) {
      const r = await callCli(['validate', '--strict', join(ROOT, 'examples', name)], env);
      expect(r.code, `${name}: ${r.stdout}`).toBe(0);
    }
  });
});

describe('switchyard help, version and usage errors', () => {
  it('help and help <command>', async () => {
    const help = await runCli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await callCli(['--help'])).stdout);
    expect(help.stdout).toContain('switchyard help [COMMAND]');
    const validate = await callCli(['help', 'validate']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toBe((await callCli(['validate', '--help'])).stdout);
    expect(validate.stdout).toMatch(/^Usage: switchyard validate PATH\.\.\./);
    expect(validate.stdout).toContain('--strict');
    for (const cmd of ['serve', 'proxy', 'operator']) {
      const r = await callCli(['help', cmd]);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`^Usage: switchyard ${cmd}`));
    }
    const unknown = await callCli(['help', 'deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no help for "deploy"');
  });

  it('version and --version', async () => {
    const r = await runCli(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^switchyard \d+\.\d+\.\d+\n$/);
    expect((await callCli(['version'])).stdout).toBe('switchyard 9.9.9\n');
    expect((await callCli(['--version'])).stdout).toBe('switchyard 9.9.9\n');
  });

  it('an unknown flag prints the usage of the command it was given to, with exit 2', async () => {
    const v = await runCli(['validate', '--bogus', 'x']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^switchyard: Unknown option '--bogus'\n\nUsage: switchyard validate PATH/);
    const s = await runCli(['serve', '--bogus']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/^switchyard: Unknown option '--bogus'\n\nUsage: switchyard serve --config DIR/);
    for (const cmd of ['proxy', 'operator']) {
      const r = await callCli([cmd, '--bogus']);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toMatch(new RegExp(`^switchyard: Unknown option '--bogus'\\n\\nUsage: switchyard ${cmd}`));
    }
    const bad = await callCli(['validate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: switchyard validate PATH');
    const top = await callCli(['--bogus']);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain('switchyard — one OpenAI-compatible endpoint');
  });
});
