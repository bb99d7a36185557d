// The README's client examples are what this test runs: each code block under "Anthropic SDK", "Responses API",
// "Vercel AI SDK" and "Claude Code" is extracted as written, its http://localhost:8080 pointed at a gateway serving
// examples/quickstart (the config `npm start` serves), and run as its own process — TypeScript blocks on the
// project's Node, the bash block through bash with the installed `claude` on PATH. Open mode (no key: `npm start`)
// and required mode (SWITCHYARD_KEY set) both run where the README says they work.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigDir } from '../../pkg/config/load.ts';
import { apiKey, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const KEY = 'sk-readme-example-5d1c7b3a9e2f4680';
const run = promisify(execFile);

/** The first fenced block of `lang` after the heading `### title`. */
export function readmeBlock(readme: string, title: string, lang: string): string {
  const at = readme.indexOf(`\n### ${title}\n`);
  if (at < 0) throw new Error(`README has no "### ${title}" section`);
  const open = readme.indexOf(`\n\`\`\`${lang}\n`, at);
  const next = readme.indexOf('\n#', at + 5);
  if (open < 0 || (next >= 0 && open > next)) throw new Error(`README section "${title}" has no ${lang} block`);
  const start = open + lang.length + 5;
  return readme.slice(start, readme.indexOf('\n```', start) + 1);
}

let open: Gateway;
let keyed: Gateway;
let dir: string;
let home: string;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

beforeAll(async () => {
  const { objects, errors } = await loadConfigDir(join(ROOT, 'examples', 'quickstart'));
  expect(errors).toEqual([]);
  open = await startGateway(objects, { auth: 'open' });
  keyed = await startGateway([...objects, apiKey('readme-key', KEY)], { auth: 'required' });
  // Inside the checkout so that the blocks' imports resolve from its node_modules.
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  dir = mkdtempSync(join(ROOT, '.cache', 'readme-examples-'));
  home = mkdtempSync(join(tmpdir(), 'swy-readme-home-'));
});
afterAll(async () => {
  await open.close();
  await keyed.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

async function runTs(title: string, gw: Gateway, key: string | undefined): Promise<string> {
  const file = join(dir, `${title.replace(/\W+/g, '-')}-${key === undefined ? 'open' : 'keyed'}.ts`);
  writeFileSync(file, readmeBlock(readme, title, 'ts').replaceAll('http://localhost:8080', gw.origin));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: home, ...(key === undefined ? {} : { SWITCHYARD_KEY: key }) };
  const { stdout } = await run(process.execPath, [file], { env, timeout: 30_000 });
  return stdout;
}

describe('README client examples run as written against the quickstart config', () => {
  it.each([['open (npm start)', undefined], ['--auth required with SWITCHYARD_KEY', KEY]])('Anthropic SDK, %s', async (_m, key) => {
    const out = await runTs('Anthropic SDK', key === undefined ? open : keyed, key);
    // The quickstart's fake provider repeats the prompt.
    expect(out).toMatch(/type: 'text',\s+text: 'Say hello/);
    expect(out).toContain('Count to five');
    expect(out).toMatch(/input_tokens: [1-9]/);
    expect(out).toMatch(/output_tokens: [1-9]/);
  });

  it.each([['open (npm start)', undefined], ['--auth required with SWITCHYARD_KEY', KEY]])('Responses API, %s', async (_m, key) => {
    const out = await runTs('Responses API', key === undefined ? open : keyed, key);
    expect(out).toMatch(/^Say hello.* \{/);
    expect(out).toContain('Count to five');
    expect(out).toMatch(/total_tokens: [1-9]/);
  });

  it('Vercel AI SDK with SWITCHYARD_KEY (a tool loop over the Responses API, then an Anthropic stream)', async () => {
    const out = await runTs('Vercel AI SDK', keyed, KEY);
    // The fake provider calls no tool: one step (the tool loop itself is proven in vercel-ai.test.ts).
    expect(out).toMatch(/^1 What is the weather in Paris\?/);
    expect(out).toContain('Count to five');
  });

  it('Claude Code with SWITCHYARD_KEY: the JSON result is a success', async () => {
    const script = readmeBlock(readme, 'Claude Code', 'bash').replaceAll('http://localhost:8080', keyed.origin);
    const env = {
      PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), SWITCHYARD_KEY: KEY,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_MAX_RETRIES: '0',
    };
    const { stdout } = await run('bash', ['-c', script], { env, cwd: home, timeout: 60_000 });
    const result = JSON.parse(stdout) as { is_error: boolean; result: string };
    expect(result.is_error, result.result).toBe(false);
    expect(result.result.length).toBeGreaterThan(0);
  }, 65_000);
});
