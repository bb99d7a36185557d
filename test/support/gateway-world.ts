// One gateway on loopback in front of both upstream families, for the real-client tests (test/clients/**):
//   - a fake OpenAI upstream (fake-openai-server.ts) behind two Providers: `oac` of type openai-compatible (chat,
//     legacy completions and embeddings native; the Responses API and Anthropic Messages translated to chat) and
//     `oai` of type openai (the Responses API native too: passthrough);
//   - a fake Anthropic upstream (fake-anthropic-server.ts) behind `ant` of type anthropic (Messages native,
//     every OpenAI API translated).
// Both fakes answer "Echo: <last user text>". The OpenAI fake answers with a tool call when tools are offered and
// the prompt mentions "tool", with "Echo: tool result: <output>" after a tool message, and with reasoning_content
// "The user wrote: <prompt>" when reasoning_effort is set — like the Anthropic fake with thinking.
// The gateway runs with --auth required and one API key (KEY).
import { startFakeAnthropic } from './fake-anthropic-server.ts';
import type { FakeAnthropic } from './fake-anthropic-server.ts';
import { startFakeOpenAI } from './fake-openai-server.ts';
import type { Behavior, FakeOpenAI, RecordedRequest } from './fake-openai-server.ts';
import { apiKey, NS, provider, route, secret, startGateway } from '../proxy/harness.ts';
import type { Gateway } from '../proxy/harness.ts';
import { isObj, textOf } from './message-text.ts';
import type { Obj } from './message-text.ts';

export const KEY = 'sk-swy-clients-7c1d4e9a2b3f5068';
export const OPENAI_KEY = 'sk-oa-upstream-1a2b3c4d5e6f7788';

/** Model names clients ask the gateway for. */
export const MODELS = {
  /** openai-compatible upstream (chat-shaped; Responses and Messages translated). */
  openaiCompat: 'gpt-compat',
  /** openai-type upstream (Responses API passthrough). */
  openai: 'gpt-native',
  /** anthropic upstream. */
  anthropic: 'claude-gw',
} as const;

/** USD per million tokens (cached input at its own rate; cache writes count as input). */
export const OPENAI_PRICING = { input: 1, output: 2, cachedInput: 0.5 } as const;
export const ANTHROPIC_PRICING = { input: 3, output: 15, cachedInput: 0.3 } as const;

/** The model names the Providers are asked for upstream. */
export const UPSTREAM_MODELS = { openai: 'gpt-up', anthropic: 'claude-up' } as const;

export interface World {
  readonly gw: Gateway;
  readonly oa: FakeOpenAI;
  readonly ant: FakeAnthropic;
  /** Forget recorded upstream requests and faults. */
  reset(): void;
  close(): Promise<void>;
}

/** The echoing, tool-aware chat behaviour of the OpenAI fake (faults by model name still apply). */
export function echoBehavior(req: RecordedRequest): Behavior | undefined {
  if (req.path !== '/v1/chat/completions' || !isObj(req.body)) return undefined;
  const messages = Array.isArray(req.body.messages) ? req.body.messages.filter(isObj) : [];
  const last = messages.at(-1);
  if (last?.role === 'tool') return { content: ['Echo: ', `tool result: ${textOf(last.content)}`] };
  const prompt = textOf([...messages].reverse().find((m) => m.role === 'user')?.content);
  const tools = Array.isArray(req.body.tools) ? req.body.tools.filter(isObj) : [];
  const fn = tools[0]?.function;
  if (isObj(fn) && typeof fn.name === 'string' && /\btool\b/i.test(prompt)) {
    return { toolCalls: [{ id: `call_fake_${fn.name}`, name: fn.name, arguments: JSON.stringify({ city: 'Paris' }) }] };
  }
  const reasoning = typeof req.body.reasoning_effort === 'string' ? { reasoning: `The user wrote: ${prompt}` } : {};
  return { content: ['Echo: ', prompt], ...reasoning };
}

export interface WorldOptions {
  /** Extra model names (aliases) served by the Anthropic route, e.g. the ones Claude Code asks for. */
  readonly anthropicAliases?: readonly string[];
  readonly openaiAliases?: readonly string[];
  /** Extra manifests (routes) appended after the world's own. */
  readonly extra?: readonly unknown[];
}

export async function startWorld(o: WorldOptions = {}): Promise<World> {
  const oa = await startFakeOpenAI({ behavior: echoBehavior });
  const ant = await startFakeAnthropic();
  const aliases = (names: readonly string[] | undefined): Obj => (names && names.length > 0 ? { aliases: [...names] } : {});
  const gw = await startGateway([
    ...provider('oac', oa.url, { key: OPENAI_KEY, models: [{ name: UPSTREAM_MODELS.openai, pricing: OPENAI_PRICING }] }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'oai', namespace: NS },
      spec: { type: 'openai', baseURL: oa.url, auth: { secretRef: { name: 'oac-cred', key: 'apiKey' } }, models: [{ name: UPSTREAM_MODELS.openai, pricing: OPENAI_PRICING }] },
    },
    secret('ant-cred', { apiKey: ant.apiKey }),
    {
      apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name: 'ant', namespace: NS },
      spec: {
        type: 'anthropic', baseURL: ant.url, auth: { secretRef: { name: 'ant-cred', key: 'apiKey' } },
        models: [{ name: UPSTREAM_MODELS.anthropic, pricing: ANTHROPIC_PRICING }],
      },
    },
    route('compat', { model: MODELS.openaiCompat, ...aliases(o.openaiAliases), targets: [{ provider: 'oac', model: UPSTREAM_MODELS.openai }] }),
    route('native', { model: MODELS.openai, targets: [{ provider: 'oai', model: UPSTREAM_MODELS.openai }] }),
    route('claude', { model: MODELS.anthropic, ...aliases(o.anthropicAliases), targets: [{ provider: 'ant', model: UPSTREAM_MODELS.anthropic }] }),
    apiKey('clients-key', KEY),
    ...(o.extra ?? []),
  ]);
  return {
    gw, oa, ant,
    reset() {
      oa.setBehavior(echoBehavior);
      oa.requests.length = 0;
      ant.setFault(undefined);
      ant.requests.length = 0;
    },
    async close() {
      await gw.close();
      await oa.close();
      await ant.close();
    },
  };
}
