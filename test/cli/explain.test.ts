// `switchyard explain`: offline, over examples/cluster and the GitOps layout; the human output and -o json, callers
// by team, user and key, the exit statuses, and the admin port's /debug/explain giving the same document.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfflineExplanation } from '../../pkg/serve/explain.ts';
import { callCli, runCli } from '../support/cli.ts';

const CLUSTER = 'examples/cluster';

async function json(args: string[]): Promise<OfflineExplanation> {
  const r = await callCli(['explain', ...args, '-o', 'json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as OfflineExplanation;
}

let dir: string;
const CLIENT_KEY = 'sk-explain-canary-5d1f0c2b9e8a7f63';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swy-explain-'));
  await writeFile(join(dir, 'keys.yaml'), `apiVersion: v1
kind: Secret
metadata: { name: alice, namespace: ai, labels: { switchyard.dev/api-key: "true" } }
stringData: { key: ${CLIENT_KEY}, team: research, user: alice@example.com, models: "claude-sonnet, chat" }
---
apiVersion: v1
kind: Secret
metadata: { name: bob, namespace: ai, labels: { switchyard.dev/api-key: "true" } }
stringData: { key: ${CLIENT_KEY}-bob, team: support, user: bob@example.com }
`);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('switchyard explain', () => {
  it('explains an alias of examples/cluster: route, shares, fallback, retry, quotas, assumed Secrets (the binary)', async () => {
    const r = await runCli(['explain', '--config', CLUSTER, '--model', 'default']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('default → ModelRoute ai/chat (an alias of chat; aliases: default)');
    expect(out).toMatch(/ai\/openai\s+openai\s+gpt-4\.1\s+3\s+0\s+75%\s+API key in the authorization header/);
    expect(out).toMatch(/ai\/anthropic\s+anthropic\s+claude-sonnet-4-5\s+1\s+0\s+25%\s+API key in the x-api-key header/);
    expect(out).toMatch(/1\s+ai\/vllm\s+openai-compatible\s+Qwen\/Qwen3-8B/);
    expect(out).toContain('Retry: 2 attempt(s) per target, backoff 100ms doubling up to 2s, on 429, 5xx, timeout, connect');
    expect(out).toMatch(/ai\/support-tokens\s+team support\s+chat,default,gpt-4o\s+2000000 total tokens\/1d\s+downgrade to qwen/);
    expect(out).toMatch(/ai\/research-spend\s+team research\s+all\s+\$500\/calendar-month, 600 requests\/1m \(Europe\/Berlin\)/);
    expect(out).not.toContain('COUNTS CALLER');
    expect(out).toContain('Assumed present (not in the set): Secret ai/anthropic-credentials, ai/openai-credentials, ai/vllm-credentials');
  });

  it('routing: a conditional rule chosen by the caller\'s team, and the strategy\'s order (offline: targets idle and healthy)', async () => {
    const rdir = await mkdtemp(join(tmpdir(), 'swy-explain-rules-'));
    try {
      await writeFile(join(rdir, 'set.yaml'), `apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: cheap, namespace: ai }
spec: { type: fake, models: [{ name: small, pricing: { input: 0.1, output: 0.2 } }] }
---
apiVersion: switchyard.dev/v1alpha1
kind: Provider
metadata: { name: dear, namespace: ai }
spec: { type: fake, models: [{ name: big, pricing: { input: 5, output: 15 } }] }
---
apiVersion: switchyard.dev/v1alpha1
kind: ModelRoute
metadata: { name: chat, namespace: ai }
spec:
  model: chat
  strategy: cost
  targets: [{ provider: dear, model: big }, { provider: cheap, model: small }]
  rules:
    - name: research-gets-big
      match: { teams: [research] }
      targets: [{ provider: dear, model: big }]
`);
      const plain = await json(['-c', rdir, '-m', 'chat']);
      expect(plain.routing).toMatchObject({ strategy: 'cost', rule: null });
      expect(plain.routing?.preferred[0]).toContain('ai/cheap');
      const research = await json(['-c', rdir, '-m', 'chat', '--team', 'research']);
      expect(research.routing?.rule).toBe('research-gets-big');
      const text = await callCli(['explain', '-c', rdir, '-m', 'chat', '--team', 'research']);
      expect(text.stdout).toContain('Routing: ');
      expect(text.stdout).toContain('rule: research-gets-big');
    } finally {
      await rm(rdir, { recursive: true, force: true });
    }
  });

  it('-o json: the /debug/explain document plus its source', async () => {
    const e = await json(['-c', CLUSTER, '-m', 'gpt-4o']);
    expect(e).toMatchObject({
      model: 'gpt-4o', matchedBy: 'model', route: { id: 'ai/gpt-4o', model: 'gpt-4o', aliases: [] }, strategy: 'priority',
      targets: [{ provider: 'ai/openai', providerType: 'openai', model: 'gpt-4o', priority: 0, share: 1 }],
      unresolved: null,
      access: { allow: null },
      source: { paths: [CLUSTER], files: expect.arrayContaining([join(CLUSTER, 'routes.yaml')]) as unknown, notAccepted: [] },
    });
    expect(e.fallback.map((t) => [t.provider, t.model])).toEqual([['ai/anthropic', 'claude-sonnet-4-5'], ['ai/vllm', 'Qwen/Qwen3-8B']]);
    expect(e.quotas.map((q) => [q.id, q.appliesToCaller])).toEqual([['ai/per-user-rate', null], ['ai/research-spend', null], ['ai/support-tokens', null]]);
    expect(e.caller).toBeUndefined();
    expect(e.targets[0]?.timeouts).toMatchObject({ connectMs: 5000, firstByteMs: 60_000 });
  });

  it('--team: a route restricted to other teams is refused, and only the quotas of that team count it', async () => {
    const refused = await json(['-c', CLUSTER, '-m', 'claude-sonnet', '--team', 'support']);
    expect(refused.caller).toMatchObject({ key: null, team: 'support', user: null, allowed: false, reason: 'no allow rule matches team support' });
    const allowed = await json(['-c', CLUSTER, '-m', 'claude-sonnet', '--team', 'research', '--user', 'carol']);
    expect(allowed.caller).toMatchObject({ team: 'research', user: 'carol', allowed: true, reason: 'an allow rule matches team research, user carol' });
    expect(Object.fromEntries(allowed.quotas.map((q) => [q.id, q.appliesToCaller]))).toEqual({ 'ai/per-user-rate': true, 'ai/research-spend': true });
    const text = await callCli(['explain', '-c', CLUSTER, '-m', 'claude-sonnet', '--team', 'support']);
    expect(text.stdout).toContain('Caller team support: REFUSED (403) — no allow rule matches team support');
    expect(text.stdout).toMatch(/QUOTA\s+SUBJECT\s+MODELS\s+LIMITS\s+ACTION\s+COUNTS CALLER/);
  });

  it('--key: the key Secret gives team, user and allowed models; an unknown key is explained by its id alone', async () => {
    const paths = ['-c', CLUSTER, '-c', dir];
    const alice = await json([...paths, '-m', 'claude-sonnet', '--key', 'ai/alice']);
    expect(alice.caller).toMatchObject({ key: 'ai/alice', team: 'research', user: 'alice@example.com', keyKnown: true, models: ['claude-sonnet', 'chat'], allowed: true });
    const aliceGpt = await json([...paths, '-m', 'gpt-4o', '--key', 'alice']);
    expect(aliceGpt.caller).toMatchObject({ key: 'ai/alice', allowed: false, reason: 'the key\'s allowed models (claude-sonnet, chat) do not include gpt-4o' });
    const aliceAlias = await json([...paths, '-m', 'default', '--key', 'ai/alice']);
    expect(aliceAlias.caller?.allowed).toBe(false); // the alias is not in the key's list, though its route's model is
    const bob = await json([...paths, '-m', 'chat', '--key', 'ai/bob']);
    expect(bob.caller).toMatchObject({ team: 'support', allowed: true });
    expect(bob.quotas.find((q) => q.id === 'ai/support-tokens')?.appliesToCaller).toBe(true);
    expect(bob.quotas.find((q) => q.id === 'ai/research-spend')?.appliesToCaller).toBe(false);
    const unknown = await json(['-c', CLUSTER, '-m', 'chat', '--key', 'ai/ghost']);
    expect(unknown.caller).toMatchObject({ key: 'ai/ghost', keyKnown: false, team: null, allowed: true });
    expect(unknown.caller?.reason).toContain('the key\'s Secret is not in the set');
    expect(unknown.quotas.every((q) => q.appliesToCaller === null)).toBe(true);
    const out = await callCli(['explain', ...paths, '-m', 'claude-sonnet', '--key', 'ai/alice', '-o', 'json']);
    expect(out.stdout).not.toContain(CLIENT_KEY.slice(3, 20));
  });

  it('explains an environment of the GitOps layout from its base and overlay directories', async () => {
    const prod = await json(['-c', 'examples/gitops/base', '-c', 'examples/gitops/overlays/prod', '-m', 'chat']);
    expect(prod.targets.map((t) => [t.provider, t.share])).toEqual([['default/openai', 0.75], ['default/anthropic', 0.25]]);
    expect(prod.fallback.map((t) => t.provider)).toEqual(['default/vllm']);
    const dev = await json(['-c', 'examples/gitops/base', '-c', 'examples/gitops/overlays/dev', '-m', 'chat']);
    expect(dev.targets.map((t) => [t.provider, t.model])).toEqual([['default/openai', 'gpt-4.1-mini']]);
    expect(dev.quotas.map((q) => q.id)).toEqual(['default/developers-spend', 'default/per-user-rate']);
  });

  it('exit 1 naming the served models for an unknown model; 1 with the file for an unreadable set', async () => {
    const r = await callCli(['explain', '-c', CLUSTER, '-m', 'gpt-5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('switchyard: no route serves the model "gpt-5"; served models: chat, claude-sonnet, default, gpt-4o, qwen, text-embedding-3-small\n');
    const j = await callCli(['explain', '-c', CLUSTER, '-m', 'gpt-5', '-o', 'json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: { code: 'model_not_found' }, models: ['chat', 'claude-sonnet', 'default', 'gpt-4o', 'qwen', 'text-embedding-3-small'] });
    const missing = await callCli(['explain', '-c', join(dir, 'nope'), '-m', 'chat']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope.*\n.*switchyard validate/);
  });

  it('usage errors exit 2 with the explain usage', async () => {
    for (const args of [
      ['explain', '-m', 'chat'],
      ['explain', '-c', CLUSTER],
      ['explain', CLUSTER, '-m', 'chat'],
      ['explain', '-c', CLUSTER, '-m', 'chat', '--key', 'a', '--team', 'b'],
      ['explain', '-c', CLUSTER, '-m', 'chat', '-o', 'yaml'],
      ['explain', '-c', CLUSTER, '-m', 'chat', '--bogus'],
    ]) {
      const r = await callCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain('Usage: switchyard explain');
    }
    const help = await callCli(['help', 'explain']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('/debug/explain?model=NAME');
    expect((await callCli(['--help'])).stdout).toContain('switchyard explain --config DIR --model M');
  });
});
