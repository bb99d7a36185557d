// The Dockerfile without a container runtime: the file is linted (stages, pinned base images, non-root numeric user,
// lockfile installs without scripts, production dependencies only, exec-form entrypoint, .dockerignore allow-list),
// then the stages' commands run in temp dirs laid out as the COPY lines say: the `deps` stage's `npm ci` for real
// (from the npm cache when warm), the `build` stage's compile, and the runtime stage's entrypoint, which must start
// from dist/ and the production node_modules alone (every compiled module imports; `validate` compiles manifests).
// Not run: the `build` stage's full dev `npm ci` (the repository's own node_modules, installed from the same
// lockfile, stands in for it) and the base images themselves (no registry pulls here). About 35 s on an idle
// 2-core machine (npm ci from the cache, then tsc); the generous timeouts are for a machine busy with other files.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { copySpec, execForm, includedByDockerignore, parseInstructions, stagesOf } from './dockerfile.ts';
import type { Stage } from './dockerfile.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const STAGES = stagesOf(parseInstructions(TEXT));
const IGNORE = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };

function stage(name: string): Stage {
  const s = STAGES.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name} in the Dockerfile (stages: ${STAGES.map((x) => x.name).join(', ')})`);
  return s;
}
const RUNTIME = STAGES.at(-1) as Stage;

function args(s: Stage, keyword: string): string[] {
  return s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

function workdir(s: Stage): string {
  const w = args(s, 'WORKDIR').at(-1);
  if (w === undefined || !w.startsWith('/')) throw new Error(`stage ${s.name} needs an absolute WORKDIR`);
  return w;
}

describe('Dockerfile (static)', () => {
  it('is multi-stage: build, deps and a named runtime stage', () => {
    expect(STAGES.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
  });

  it('pins every base image by tag (no latest, no bare names); builders run the Node of package.json', () => {
    const nodeVersion = PKG.devDependencies['node'];
    for (const s of STAGES) {
      expect(s.image, s.name).toMatch(/^[^:@\s]+(:[\w.-]+)(@sha256:[0-9a-f]{64})?$/);
      expect(s.image, s.name).not.toMatch(/:latest\b/);
    }
    for (const s of [stage('build'), stage('deps')]) expect(s.image).toBe(`node:${nodeVersion}-bookworm-slim`);
    expect(RUNTIME.image).toMatch(/^gcr\.io\/distroless\/nodejs24-debian\d+:nonroot$/);
  });

  it('installs from the lockfile with scripts off, and the runtime gets production dependencies only', () => {
    const installs = STAGES.flatMap((s) => args(s, 'RUN').filter((r) => /\bnpm\b/.test(r)).map((r) => ({ stage: s.name, r })));
    expect(installs.length).toBeGreaterThanOrEqual(2);
    for (const { stage: name, r } of installs) {
      expect(r, name).toMatch(/^npm ci\b/); // never `npm install`: the lockfile decides
      expect(r, name).toContain('--ignore-scripts');
    }
    expect(args(stage('deps'), 'RUN').join(' ')).toContain('--omit=dev');
    const fromStages = args(RUNTIME, 'COPY').map(copySpec).filter((c) => c.from !== null);
    expect(fromStages).toContainEqual({ from: 'deps', sources: ['/src/node_modules'], dest: './node_modules' });
    expect(fromStages.some((c) => c.from === 'build' && c.sources.some((p) => p.startsWith('/src/node_modules')))).toBe(false);
    expect(args(RUNTIME, 'RUN')).toEqual([]); // distroless: nothing to run, no shell
  });

  it('runs as a numeric non-root user, with the switchyard command as an exec-form entrypoint', () => {
    const user = args(RUNTIME, 'USER').at(-1) ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/); // numeric, so runAsNonRoot can verify it
    expect(user.split(':').every((id) => Number(id) > 0)).toBe(true);
    const entry = execForm(args(RUNTIME, 'ENTRYPOINT').at(-1) ?? '');
    expect(entry).toEqual(['/nodejs/bin/node', `${workdir(RUNTIME)}/bin/switchyard.js`]);
    expect(PKG).toMatchObject({ bin: { switchyard: 'bin/switchyard.js' } });
    expect(TEXT).not.toMatch(/^\s*ADD\s/m);
    expect(TEXT).not.toMatch(/^\s*(ENV|ARG)\s+\S*(TOKEN|SECRET|PASSWORD|KEY)\S*/im);
  });

  it('.dockerignore sends only what the COPY lines name (allow-list), each of which exists', () => {
    const sources = STAGES.flatMap((s) => args(s, 'COPY').map(copySpec).filter((c) => c.from === null).flatMap((c) => c.sources));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(ROOT, src)), src).toBe(true);
      expect(includedByDockerignore(IGNORE, src), `${src} is excluded by .dockerignore`).toBe(true);
    }
    for (const secretish of ['.git', 'node_modules', 'dist', '.cache', '.env', 'test', 'e2e', 'kubeconfig', 'charts']) {
      expect(includedByDockerignore(IGNORE, secretish), `${secretish} reaches the build context`).toBe(false);
    }
    const allowed = new Set(sources.map((s) => s.replace(/^\.\//, '').replace(/\/+$/, '')));
    const reincluded = IGNORE.map((l) => l.trim()).filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/+$/, ''));
    expect(reincluded.filter((p) => !allowed.has(p)), 'allowed by .dockerignore but never copied').toEqual([]);
  });
});

describe('Dockerfile stages run without a container runtime', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'switchyard-image-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const nodeDir = dirname(process.execPath);
  const env = { ...process.env, PATH: `${nodeDir}:${process.env.PATH ?? ''}`, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };

  /** The temp dir standing for `path` (absolute, under the stage's WORKDIR) in stage `s`. */
  const hostPath = (s: Stage, path: string): string => {
    const w = workdir(s);
    const rel = path.startsWith('/') ? relative(w, path) : path;
    if (rel.startsWith('..')) throw new Error(`${path} is outside ${s.name}'s WORKDIR ${w}`);
    return join(tmp, s.name, rel);
  };

  /** Carries out the stage's COPY lines (context or earlier stages) and its RUN lines, except `skipRun`. */
  async function runStage(s: Stage, skipRun: (cmd: string) => boolean): Promise<string[]> {
    mkdirSync(join(tmp, s.name), { recursive: true });
    const ran: string[] = [];
    for (const ins of s.instructions) {
      if (ins.keyword === 'COPY') {
        const c = copySpec(ins.args);
        for (const src of c.sources) {
          const from = c.from === null ? join(ROOT, src) : hostPath(stage(c.from), src);
          const dest = hostPath(s, c.dest.endsWith('/') || c.sources.length > 1 ? join(c.dest, src.split('/').filter(Boolean).at(-1) ?? src) : c.dest);
          mkdirSync(dirname(dest), { recursive: true });
          cpSync(from, dest, { recursive: true, verbatimSymlinks: true });
        }
      } else if (ins.keyword === 'RUN') {
        if (skipRun(ins.args)) continue;
        try {
          await run('sh', ['-c', ins.args], { cwd: join(tmp, s.name), env, maxBuffer: 64 * 1024 * 1024, timeout: 200_000 });
        } catch (err) {
          const e = err as { stdout?: string; stderr?: string; message: string };
          throw new Error(`stage ${s.name}: RUN ${ins.args} failed\n${`${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim().slice(-4000)}`, { cause: err });
        }
        ran.push(ins.args);
      }
    }
    return ran;
  }

  it('deps → build → runtime: the entrypoint starts from dist/ with production dependencies only', async () => {
    const t0 = performance.now();
    const depsRan = await runStage(stage('deps'), () => false);
    expect(depsRan).toEqual(['npm ci --ignore-scripts --omit=dev --no-audit --no-fund']);
    const t1 = performance.now();
    // The build stage's dev install is replaced by the repository's node_modules (same lockfile); its compile runs.
    const build = stage('build');
    mkdirSync(join(tmp, build.name), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), hostPath(build, 'node_modules'));
    const buildRan = await runStage(build, (cmd) => cmd.startsWith('npm ci'));
    expect(buildRan).toEqual(['node node_modules/typescript/bin/tsc -p tsconfig.build.json']);
    const t2 = performance.now();
    await runStage(RUNTIME, () => false);
    const app = join(tmp, RUNTIME.name);
    console.log(`image stages: deps npm ci ${Math.round(t1 - t0)} ms, build ${Math.round(t2 - t1)} ms`);

    expect(readdirSync(app).sort()).toEqual(['bin', 'dist', 'node_modules', 'package.json']);
    expect(statSync(join(app, 'dist', 'cmd', 'switchyard.js')).isFile()).toBe(true);
    // Nothing that only development needs (typescript, vitest, eslint, the SDKs used by tests, the node binary package).
    const devOnly = Object.entries(LOCK.packages).filter(([p, v]) => p.startsWith('node_modules/') && v.dev === true).map(([p]) => p);
    expect(devOnly.length).toBeGreaterThan(10);
    expect(devOnly.filter((p) => existsSync(join(app, p)))).toEqual([]);

    const entry = execForm(args(RUNTIME, 'ENTRYPOINT').at(-1) ?? '') ?? [];
    const script = (entry[1] ?? '').replace(`${workdir(RUNTIME)}/`, `${app}/`);
    const sw = (...a: string[]) => run(process.execPath, [script, ...a], { cwd: app, env, timeout: 60_000 });
    expect((await sw('version')).stdout.trim()).toContain(PKG.version);
    expect((await sw('operator', '--help')).stdout).toContain('--sync-auth tokenreview');
    expect((await sw('proxy', '--help')).stdout).toContain('--quota-fail-mode');

    // Every compiled module loads from the runtime layout (a production import of a dev dependency fails here).
    const modules: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith('.js') && p !== join(app, 'dist', 'cmd', 'switchyard.js')) modules.push(p);
      }
    };
    walk(join(app, 'dist'));
    expect(modules.length).toBeGreaterThan(50);
    const loader = join(tmp, 'import-all.mjs');
    writeFileSync(loader, `for (const m of ${JSON.stringify(modules)}) await import(m);\nconsole.log('imported', ${modules.length});\n`);
    const imported = await run(process.execPath, [loader], { cwd: app, env, timeout: 120_000 });
    expect(imported.stdout.trim()).toBe(`imported ${modules.length}`);

    // The compiler and the provider registry work from dist/: validate a small config.
    const cfg = join(tmp, 'config');
    mkdirSync(cfg);
    writeFileSync(join(cfg, 'config.yaml'), [
      'apiVersion: switchyard.dev/v1alpha1', 'kind: Provider', 'metadata: {name: fake}',
      'spec: {type: fake, models: [{name: fake-small}]}', '---',
      'apiVersion: switchyard.dev/v1alpha1', 'kind: ModelRoute', 'metadata: {name: chat}',
      'spec: {model: chat, targets: [{provider: fake, model: fake-small}]}', '',
    ].join('\n'));
    const validated = await sw('validate', cfg);
    expect(validated.stdout).toMatch(/^OK:/m);
  }, 240_000);
});
