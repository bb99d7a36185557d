// The npm package as a user gets it (issue 13): the working tree is copied as a clean clone would have it (no dist/,
// no .git; node_modules linked in, as `npm ci` would have installed it), `npm pack` there (its `prepack` compiles
// dist/), the tarball installed into an empty project, and the INSTALLED `switchyard` run: --help, validate on the
// packaged examples, and serve on the packaged quickstart answering a chat completion over loopback, then SIGTERM.
// Node refuses to strip types under node_modules, so a package without the compiled build fails here.
// The install resolves the production dependencies from the npm cache (`--offline`); when the cache lacks their
// registry metadata (only tarballs are cached after `npm ci`) it falls back to `--prefer-offline`. About 60 s on an
// idle 2-core machine (tsc ~35 s, install ~20 s); the timeouts are generous for a machine busy with other work.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySpec, parseInstructions, stagesOf } from '../image/dockerfile.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string; version: string; files: string[]; bin: Record<string, string>; engines: { node: string }; scripts: Record<string, string>;
};
/** Not in a clean clone (ignored or machine-local), so not copied. */
const NOT_IN_CLONE = new Set(['node_modules', '.git', 'dist', '.cache', 'coverage']);
/** Top-level entries the tarball may hold: the runtime's files plus what npm always adds. */
const ALLOWED_TOP = new Set(['bin', 'dist', 'crds', 'examples', 'package.json', 'README.md', 'LICENSE']);

interface PackResult { filename: string; size: number; entryCount: number; files: { path: string }[] }

describe('npm package: pack from a clean tree, install, run the installed switchyard', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-pack-'));
  const env = {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, // npm, the installed bin's `env node`: Node 24
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  const app = join(tmp, 'app');
  const installed = join(app, 'node_modules', PKG.name);
  const bin = join(app, 'node_modules', '.bin', 'switchyard');
  let pack: PackResult;
  let tarball: string;
  let installMode = '';
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  beforeAll(async () => {
    const t0 = performance.now();
    const src = join(tmp, 'src');
    cpSync(ROOT, src, { recursive: true, verbatimSymlinks: true, filter: (from) => !(dirname(from) === ROOT && NOT_IN_CLONE.has(from.slice(ROOT.length + 1))) });
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    expect(existsSync(join(src, 'dist'))).toBe(false);
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: src, env, maxBuffer: 64 * 1024 * 1024, timeout: 200_000 })
      .catch((err: unknown) => { throw new Error(`npm pack failed\n${tail(err)}`, { cause: err }); });
    pack = (JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackResult[])[0] as PackResult;
    tarball = join(tmp, pack.filename);
    const t1 = performance.now();

    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'switchyard-pack-check', version: '1.0.0', private: true }));
    for (const mode of ['--offline', '--prefer-offline']) {
      try {
        await run('npm', ['install', mode, '--no-audit', '--no-fund', tarball], { cwd: app, env, maxBuffer: 64 * 1024 * 1024, timeout: 200_000 });
        installMode = mode;
        break;
      } catch (err) {
        if (mode === '--prefer-offline') throw new Error(`npm install ${tarball} failed\n${tail(err)}`, { cause: err });
      }
    }
    console.log(`pack ${Math.round(t1 - t0)} ms (${pack.entryCount} files, ${pack.size} bytes); install ${installMode} ${Math.round(performance.now() - t1)} ms`);
  }, 300_000);

  it('the tarball holds the compiled build, the bin, CRDs and examples; no sources, tests, benchmarks or maps', async () => {
    const listed = (await run('tar', ['-tzf', tarball], { env, maxBuffer: 16 * 1024 * 1024 })).stdout.split('\n').filter((l) => l !== '' && !l.endsWith('/'));
    const paths = listed.map((p) => p.replace(/^package\//, ''));
    expect(paths.sort()).toEqual(pack.files.map((f) => f.path).sort());
    expect(paths.length).toBe(pack.entryCount);
    expect(paths.filter((p) => !ALLOWED_TOP.has(p.split('/')[0] ?? ''))).toEqual([]);
    expect(paths.filter((p) => /^(test|bench|e2e|cmd|pkg|scripts|tools|docs)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /\.(ts|map)$/.test(p) || /\.test\./.test(p))).toEqual([]);
    for (const must of ['bin/switchyard.js', 'dist/cmd/switchyard.js', 'dist/package.json', 'examples/quickstart/providers.yaml', 'examples/quickstart/routes.yaml', 'README.md', 'package.json']) {
      expect(paths, must).toContain(must);
    }
    expect(paths.filter((p) => /^crds\/.+\.yaml$/.test(p)).length).toBe(readdirSync(join(ROOT, 'crds')).filter((f) => f.endsWith('.yaml')).length);
    expect(paths.filter((p) => p.startsWith('dist/pkg/') && p.endsWith('.js')).length).toBeGreaterThan(50);
    expect(PKG.engines.node).toBe('>=24');
    expect(PKG.bin).toEqual({ switchyard: 'bin/switchyard.js' });
  });

  it('the container image is built like the package: the same compile, and it copies only what `files` ships', () => {
    const stages = stagesOf(parseInstructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')));
    const compile = stages.find((s) => s.name === 'build')?.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args) ?? [];
    const buildArgs = /^tsc (.+)$/.exec(PKG.scripts['build'] ?? '')?.[1];
    expect(buildArgs).toBe('-p tsconfig.build.json');
    expect(compile).toContain(`node node_modules/typescript/bin/tsc ${buildArgs ?? ''}`);
    expect(PKG.scripts['prepack']).toMatch(/npm run build$/);
    const runtime = stages.at(-1);
    const fromContext = (runtime?.instructions ?? []).filter((i) => i.keyword === 'COPY').map((i) => copySpec(i.args)).filter((c) => c.from === null).flatMap((c) => c.sources);
    expect(fromContext.filter((s) => !ALLOWED_TOP.has(s.replace(/^\.\//, '').replace(/\/+$/, '')))).toEqual([]);
  });

  it('installed: the package has no TypeScript sources, and switchyard --help and version run from dist/', async () => {
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(join(installed, 'cmd'))).toBe(false);
    expect(existsSync(join(installed, 'pkg'))).toBe(false);
    expect(existsSync(join(installed, 'dist', 'cmd', 'switchyard.js'))).toBe(true);
    const help = await run(bin, ['--help'], { cwd: app, env, timeout: 60_000 });
    expect(help.stdout).toContain('switchyard serve --config DIR');
    expect(help.stdout).toContain('switchyard validate PATH...');
    expect((await run(bin, ['version'], { cwd: app, env, timeout: 60_000 })).stdout).toContain(PKG.version);
  }, 120_000);

  it('installed: on Node older than 24 the command says so and exits 1', async () => {
    const pretend = 'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"22.11.0"})';
    const err = await run(process.execPath, ['--import', pretend, bin, '--help'], { cwd: app, env, timeout: 60_000 }).then(
      () => null,
      (e: unknown) => e as { code: number; stdout: string; stderr: string },
    );
    expect(err?.code).toBe(1);
    expect(err?.stdout).toBe('');
    expect(err?.stderr).toContain('switchyard: Node.js 24 or later is required; this is Node.js v22.11.0');
  }, 60_000);

  it('installed: switchyard validate passes on the packaged examples', async () => {
    for (const example of ['quickstart', 'cluster']) {
      const out = await run(bin, ['validate', join(installed, 'examples', example)], { cwd: app, env, timeout: 60_000 });
      expect(out.stdout, example).toMatch(/^OK: \d+ object\(s\) in \d+ file\(s\); 0 error\(s\)/m);
    }
    expect((await run(bin, ['validate', join(installed, 'examples', 'quickstart')], { cwd: app, env, timeout: 60_000 })).stdout).toContain('default/gpt-4o-mini');
  }, 120_000);

  it('installed: switchyard serve on the packaged quickstart answers a chat completion on loopback, exits 0 on SIGTERM', async () => {
    const child = spawn(bin, [
      'serve', '--config', join(installed, 'examples', 'quickstart'), '--auth', 'open', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0',
    ], { cwd: app, env });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const data = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`not listening after 30 s\n${stdout}\n${stderr}`)), 30_000);
        child.on('exit', (code) => { clearTimeout(t); reject(new Error(`serve exited ${String(code)}\n${stdout}\n${stderr}`)); });
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          const m = /"dataAddress":"([^"]+)"/.exec(stdout);
          if (m?.[1]) { clearTimeout(t); resolve(`http://${m[1]}`); }
        });
      });
      const res = await fetch(`${data}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello from the installed package' }] }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; model: string; choices: { message: { role: string; content: string } }[] };
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe('gpt-4o-mini');
      expect(body.choices[0]?.message.role).toBe('assistant');
      expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).not.toContain('ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

function tail(err: unknown): string {
  const e = err as { stdout?: string; stderr?: string };
  return `${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().slice(-4000);
}
