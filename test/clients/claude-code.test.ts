// Claude Code (the `claude` CLI, devDependency @anthropic-ai/claude-code) headless against the gateway over
// loopback: `claude -p PROMPT --output-format json --model NAME` with ANTHROPIC_BASE_URL pointing at us, our key,
// no non-essential traffic, no retries, and a throwaway HOME / CLAUDE_CONFIG_DIR. Natively to the Anthropic
// upstream and translated to the OpenAI-shaped one.
//
// What 2.1.332 sends (watched at the fake upstream): one streamed POST /v1/messages for the asked model, or for
// claude-opus-5-5 without --model (no title or haiku side calls in -p mode, no count_tokens; a HEAD /api/hello
// connectivity probe unless non-essential traffic is off — our data port answers it 404, which claude ignores); anthropic-version 2023-06-01; anthropic-beta
// claude-code-20250219,interleaved-thinking-…,context-management-…,…; a body with system blocks (cache_control),
// 12 tools (one with defer_loading), thinking {type:"adaptive"}, context_management, output_config.effort,
// metadata.user_id — and a `role: "system"` message after the first user turn (the translated path folds its text
// into the system prompt: pkg/dialects/anthropic-messages/decode-request.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEY, MODELS, startWorld, UPSTREAM_MODELS } from '../support/gateway-world.ts';
import type { World } from '../support/gateway-world.ts';

const CLAUDE = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'claude');
const RUN_TIMEOUT_MS = 60_000;
/** What 2.1.332 asks for without --model (watched at the fake upstream): served through an alias on the route. */
const CLAUDE_DEFAULT_MODEL = 'claude-opus-5-5';

let w: World;
let home: string;

beforeAll(async () => {
  w = await startWorld({ anthropicAliases: [CLAUDE_DEFAULT_MODEL] });
  home = mkdtempSync(join(tmpdir(), 'swy-claude-code-'));
});
afterAll(async () => {
  await w.close();
  rmSync(home, { recursive: true, force: true });
});
afterEach(() => w.reset());

interface ClaudeResult {
  readonly is_error: boolean;
  readonly result: string;
  readonly usage?: { input_tokens: number; output_tokens: number };
}

interface ClaudeRun {
  readonly code: number | null;
  readonly json: ClaudeResult;
}

/** Runs claude headless and parses its JSON (printed on API errors too, with a non-zero exit). Rejects on a timeout. */
/** `auth` is the credential's environment: ANTHROPIC_API_KEY (sent as x-api-key) or ANTHROPIC_AUTH_TOKEN (Bearer). */
function runClaude(prompt: string, model: string | null, auth: Readonly<Record<string, string>> = { ANTHROPIC_API_KEY: KEY }): Promise<ClaudeRun> {
  if (!existsSync(CLAUDE)) throw new Error(`the claude binary is missing at ${CLAUDE}: run npm ci (devDependency @anthropic-ai/claude-code)`);
  const env = {
    PATH: process.env.PATH ?? '', HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'),
    ANTHROPIC_BASE_URL: w.gw.origin, ...auth,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_MAX_RETRIES: '0',
  };
  const child = spawn(CLAUDE, ['-p', prompt, '--output-format', 'json', ...(model === null ? [] : ['--model', model]), '--allowedTools', ''], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`claude did not finish within ${RUN_TIMEOUT_MS} ms; stderr: ${err.slice(0, 2000)}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve({ code, json: JSON.parse(out) as ClaudeResult });
      } catch {
        reject(new Error(`claude exited ${String(code)} without JSON; stdout: ${out.slice(0, 2000)}; stderr: ${err.slice(0, 2000)}`));
      }
    });
  });
}

describe('Claude Code through the gateway', () => {
  it('native: the Anthropic upstream gets its request (beta headers, thinking, tools) and claude prints the answer', async () => {
    const { code, json: r } = await runClaude('Say hello to the gateway', MODELS.anthropic);
    expect(r.is_error, r.result).toBe(false);
    expect(code).toBe(0);
    expect(r.result).toMatch(/^Echo: /);
    expect(r.result).toContain('Say hello to the gateway');
    expect(r.usage?.output_tokens).toBeGreaterThan(0);
    const up = w.ant.requests.filter((q) => q.path === '/v1/messages');
    expect(up.length).toBeGreaterThanOrEqual(1);
    const first = up[0]!;
    expect(first.headers['x-api-key']).toBe(w.ant.apiKey);
    expect(String(first.headers['anthropic-beta'])).toContain('claude-code-20250219');
    const body = first.body as { model: string; stream: boolean; messages: { role: string }[]; tools: unknown[]; thinking?: { type: string } };
    expect(body.model).toBe(UPSTREAM_MODELS.anthropic);
    expect(body.thinking?.type).toEqual(expect.any(String));
    expect(body.messages.map((m) => m.role)).toContain('system');
    expect(body.stream).toBe(true);
    expect(body.tools.length).toBeGreaterThan(0);
    const line = w.gw.accessLines().find((l) => l.path === '/v1/messages');
    expect(line).toMatchObject({ status: 200, route: 'default/claude', provider: 'default/ant' });
  }, RUN_TIMEOUT_MS + 5000);

  it('translated: the OpenAI-shaped upstream gets a chat request and claude prints the answer', async () => {
    const { code, json: r } = await runClaude('Say hello to the gateway', MODELS.openaiCompat);
    expect(r.is_error, r.result).toBe(false);
    expect(code).toBe(0);
    expect(r.result).toMatch(/^Echo: /);
    expect(r.result).toContain('Say hello to the gateway');
    const up = w.oa.requests.filter((q) => q.path === '/v1/chat/completions');
    expect(up.length).toBeGreaterThanOrEqual(1);
    const body = up[0]!.body as { model: string; messages: { role: string; content: unknown }[] };
    expect(body.model).toBe(UPSTREAM_MODELS.openai);
    // Claude Code's mid-conversation system message reached the upstream as system text.
    expect(JSON.stringify(body.messages.filter((m) => m.role === 'system'))).toContain('# Environment');
    expect(w.ant.requests).toHaveLength(0);
  }, RUN_TIMEOUT_MS + 5000);

  it('without --model: its default model name, an alias of the Anthropic route, is served', async () => {
    const { code, json: r } = await runClaude('Say hello by default', null);
    expect(r.is_error, r.result).toBe(false);
    expect(code).toBe(0);
    expect(r.result).toContain('Say hello by default');
    expect((w.ant.requests[0]?.body as { model: string }).model).toBe(UPSTREAM_MODELS.anthropic);
  }, RUN_TIMEOUT_MS + 5000);

  it('the key as ANTHROPIC_AUTH_TOKEN (sent as Bearer) is accepted too', async () => {
    const { code, json: r } = await runClaude('Say hello with a token', MODELS.anthropic, { ANTHROPIC_AUTH_TOKEN: KEY });
    expect(r.is_error, r.result).toBe(false);
    expect(code).toBe(0);
    expect(r.result).toContain('Say hello with a token');
  }, RUN_TIMEOUT_MS + 5000);

  it('a wrong key: claude reports the gateway\'s authentication error', async () => {
    const { code, json: r } = await runClaude('hi', MODELS.anthropic, { ANTHROPIC_API_KEY: 'sk-not-a-key' });
    expect(code).not.toBe(0);
    expect(r.is_error).toBe(true);
    expect(r.result).toMatch(/401|authentication|invalid/i);
    expect(w.ant.requests).toHaveLength(0);
  }, RUN_TIMEOUT_MS + 5000);
});
