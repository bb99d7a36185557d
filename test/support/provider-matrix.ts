// One gateway on loopback in front of one fake upstream per provider type, for the cross-provider matrix tests
// (test/providers/matrix-*.test.ts): every served type — openai, anthropic, gemini, vertex-ai (Claude and Gemini
// families on one Provider), bedrock, azure-openai, cohere and an openai-compatible preset (together) — behind its own
// Provider and the route `m-<kit>` (plus `e-<kit>` for embeddings where the type offers them). Every fake answers
// alike: "Echo: <last user text>", a call of the first tool when the prompt mentions "tool" (arguments
// {city: "Paris"}), "Echo: tool result: <output>" after a tool result; each kit counts the requests its fake received,
// so a cell can prove which upstream answered.
//
// Kits also say how to make their fake misbehave (catalogue B9, B12, B14): a garbage 200 answer, an HTTP error, a
// context-length 400, a usage report with cached tokens and the ledger it must give. Faults are per fake and
// global: tests using them run one at a time and call reset().
import { startFakeAnthropic } from './fake-anthropic-server.ts';
import type { FakeAnthropic } from './fake-anthropic-server.ts';
import { startFakeAzureOpenAI } from './fake-azure-openai-server.ts';
import type { FakeAzureOpenAI } from './fake-azure-openai-server.ts';
import { startFakeBedrock } from './fake-bedrock-server.ts';
import type { FakeBedrock } from './fake-bedrock-server.ts';
import { startFakeCohere } from './fake-cohere-server.ts';
import type { FakeCohere } from './fake-cohere-server.ts';
import { startFakeGemini } from './fake-gemini-server.ts';
import type { FakeGemini } from './fake-gemini-server.ts';
import { startFakeGoogleTokenServer } from './fake-google-token-server.ts';
import type { FakeGoogleTokenServer } from './fake-google-token-server.ts';
import { startFakeOpenAI } from './fake-openai-server.ts';
import type { Behavior, FakeOpenAI } from './fake-openai-server.ts';
import { startFakeVertex } from './fake-vertex-server.ts';
import type { FakeVertex } from './fake-vertex-server.ts';
import { echoBehavior } from './gateway-world.ts';
import { NS, apiKey, route, secret } from '../proxy/harness.ts';

export const MATRIX_KEY = 'sk-swy-matrix-4c3b2a1908f7e6d5';

/** USD per 1M tokens, given on every kit's models so B14 costs can be computed by hand for every type alike. */
export const MATRIX_PRICE = { input: 2, output: 8, cachedInput: 0.5, cacheWrite: 2.5 } as const;

/** What a usage report must become in the ledger (access line). */
export interface LedgerWant {
  readonly tokensIn: number;
  readonly tokensOut: number;
  /** USD per the MATRIX_PRICE prices, computed by hand from the report. */
  readonly costUSD: number;
}

export interface Kit {
  /** Kit name (the type, and the model family where one type has two). */
  readonly name: string;
  readonly type: string;
  /** The gateway model served by this kit's Provider. */
  readonly model: string;
  /** The gateway model for embeddings, when the type offers them. */
  readonly embedModel?: string;
  /** Requests this kit's upstream received (its model family only). */
  requests(): number;
  // ---- faults (catalogue) ----
  /** Every answer is 200 with `body` as `contentType`, for stream and non-stream requests alike (B9). */
  raw(body: string, contentType: string): void;
  /** Every answer is this HTTP error in the provider's error shape, with `message` (B12); vertex-ai: Vertex's own error. */
  status(status: number, message: string, headers?: Readonly<Record<string, string>>): void;
  /** The provider's own context-length error (a 400). */
  contextLength(): void;
  /** Streams are written in pieces of `n` bytes (B9), when the fake can. */
  readonly splitEvery?: (n: number) => void;
  /** Answers report a usage with cached tokens; returns what the ledger must hold (B14). */
  usage(): LedgerWant;
}

/** The kits by name with their gateway models, known before the fakes start (for describe.each). */
export const MATRIX_KITS: readonly { readonly name: string; readonly type: string; readonly model: string; readonly embedModel?: string }[] = [
  { name: 'openai', type: 'openai', model: 'm-openai', embedModel: 'e-openai' },
  { name: 'anthropic', type: 'anthropic', model: 'm-anthropic' },
  { name: 'gemini', type: 'gemini', model: 'm-gemini', embedModel: 'e-gemini' },
  { name: 'vertex-ai (claude)', type: 'vertex-ai', model: 'm-vertex-claude' },
  { name: 'vertex-ai (gemini)', type: 'vertex-ai', model: 'm-vertex-gemini', embedModel: 'e-vertex' },
  { name: 'bedrock', type: 'bedrock', model: 'm-bedrock', embedModel: 'e-bedrock' },
  { name: 'azure-openai', type: 'azure-openai', model: 'm-azure', embedModel: 'e-azure' },
  { name: 'cohere', type: 'cohere', model: 'm-cohere', embedModel: 'e-cohere' },
  { name: 'openai-compatible (together)', type: 'openai-compatible', model: 'm-together', embedModel: 'e-together' },
];

export interface ProviderMatrix {
  /** The kit serving gateway model `model` (one of MATRIX_KITS). */
  kit(model: string): Kit;
  readonly kits: readonly Kit[];
  /** Provider, Secret and route manifests of every kit (plus `-auth` Providers and catalogue routes when asked). */
  readonly manifests: unknown[];
  reset(): void;
  close(): Promise<void>;
}

const provider = (name: string, spec: Record<string, unknown>): unknown => ({ apiVersion: 'switchyard.dev/v1alpha1', kind: 'Provider', metadata: { name, namespace: NS }, spec });

/** Costs are kept in whole nano-dollars: round like the ledger does. */
const usd = (microDollarsTimesTokens: number): number => Math.round(microDollarsTimesTokens * 1e3) / 1e9;

const OPENAI_CONTEXT = "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.";

/** An OpenAI-shaped fake: openai, the openai-compatible preset. */
function openaiFaults(oa: FakeOpenAI, extra: (b: Behavior) => void = () => undefined): Pick<Kit, 'raw' | 'status' | 'contextLength' | 'splitEvery' | 'usage'> {
  const set = (b: Behavior): void => {
    extra(b);
    oa.setBehavior((req) => ({ ...echoBehavior(req), ...b }));
  };
  return {
    raw: (body, contentType) => set({ rawBody: body, rawContentType: contentType }),
    status: (status, message, headers = {}) => set({ status, headers, errorBody: { error: { message, type: 'invalid_request_error', code: status === 401 ? 'invalid_api_key' : null } } }),
    contextLength: () => set({ status: 400, errorBody: { error: { message: OPENAI_CONTEXT, type: 'invalid_request_error', param: 'messages', code: 'context_length_exceeded' } } }),
    splitEvery: (n) => set({ split: n }),
    usage: () => {
      set({ usage: { prompt_tokens: 1000, completion_tokens: 120, total_tokens: 1120, prompt_tokens_details: { cached_tokens: 600 }, completion_tokens_details: { reasoning_tokens: 20 } } });
      return { tokensIn: 1000, tokensOut: 120, costUSD: usd(400 * MATRIX_PRICE.input + 600 * MATRIX_PRICE.cachedInput + 120 * MATRIX_PRICE.output) };
    },
  };
}

function anthropicFaults(ant: FakeAnthropic): Pick<Kit, 'raw' | 'status' | 'contextLength' | 'splitEvery' | 'usage'> {
  return {
    raw: (body, contentType) => ant.setFault({ rawBody: body, rawContentType: contentType }),
    status: (status, message, headers = {}) => ant.setFault({ status, message, headers }),
    contextLength: () => ant.setFault({ status: 400, errorType: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' }),
    splitEvery: (n) => ant.setFault({ splitEvery: n }),
    usage: () => {
      ant.setFault({ usage: { input_tokens: 300, cache_read_input_tokens: 500, cache_creation_input_tokens: 200, output_tokens: 90 } });
      return { tokensIn: 1000, tokensOut: 90, costUSD: usd(300 * MATRIX_PRICE.input + 500 * MATRIX_PRICE.cachedInput + 200 * MATRIX_PRICE.cacheWrite + 90 * MATRIX_PRICE.output) };
    },
  };
}

function geminiFaults(gem: FakeGemini): Pick<Kit, 'raw' | 'status' | 'contextLength' | 'usage'> {
  return {
    raw: (body, contentType) => gem.setFault({ rawBody: body, rawContentType: contentType }),
    status: (status, message, headers = {}) => gem.setFault({ status, message, headers }),
    contextLength: () => gem.setFault({ status: 400, message: 'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).' }),
    usage: () => {
      gem.setFault({ usage: { promptTokenCount: 1000, cachedContentTokenCount: 600, candidatesTokenCount: 100, thoughtsTokenCount: 50, totalTokenCount: 1150 } });
      // Thoughts are billed as output (no reasoning price set).
      return { tokensIn: 1000, tokensOut: 150, costUSD: usd(400 * MATRIX_PRICE.input + 600 * MATRIX_PRICE.cachedInput + 150 * MATRIX_PRICE.output) };
    },
  };
}

const models = (...names: string[]): { name: string; pricing: typeof MATRIX_PRICE; capabilities?: string[] }[] => names.map((name) => ({ name, pricing: MATRIX_PRICE }));
const embedModels = (...names: string[]): { name: string; capabilities: string[] }[] => names.map((name) => ({ name, capabilities: ['embeddings'] }));

export interface MatrixOptions {
  /**
   * Also add, per kit (bedrock excepted: test/providers/bedrock-catalogue.test.ts): a second Provider `<kit>-auth` on
   * the same fake with routes `auth-<kit>` (alone) and `authfo-<kit>` (falling back to a built-in fake Provider), and
   * `b12-<kit>` (the kit's Provider, 3 attempts, the fake fallback).
   */
  readonly catalogue?: boolean;
}

export async function startProviderMatrix(o: MatrixOptions = {}): Promise<ProviderMatrix> {
  const oa = await startFakeOpenAI({ behavior: echoBehavior });
  const compat = await startFakeOpenAI({ behavior: echoBehavior });
  const ant = await startFakeAnthropic();
  const gem = await startFakeGemini();
  const tokens: FakeGoogleTokenServer = await startFakeGoogleTokenServer({ ttlSeconds: 3600 });
  const sa = tokens.createServiceAccount({ project: 'switchyard-test', name: 'matrix' });
  const vx: FakeVertex = await startFakeVertex({ project: 'switchyard-test', location: 'us-east5', checkToken: (t) => tokens.isValid(t) });
  const br: FakeBedrock = await startFakeBedrock({ region: 'us-east-1' });
  const az: FakeAzureOpenAI = await startFakeAzureOpenAI({ behavior: echoBehavior });
  const co: FakeCohere = await startFakeCohere();

  const CLAUDE_VX = 'claude-sonnet-4-5@20250929';
  const GEMINI_VX = 'gemini-2.5-flash';
  const vxCount = (publisher: string) => (): number => vx.requests.filter((r) => r.publisher === publisher).length;

  const specs: Record<string, Record<string, unknown>> = {
    openai: { type: 'openai', baseURL: oa.url, auth: { secretRef: { name: 'matrix-keys', key: 'openai' } }, models: [...models('gpt-up'), ...embedModels('embed-up')] },
    anthropic: { type: 'anthropic', baseURL: ant.url, auth: { secretRef: { name: 'matrix-keys', key: 'anthropic' } }, models: models('claude-up') },
    gemini: { type: 'gemini', baseURL: gem.url, auth: { secretRef: { name: 'matrix-keys', key: 'gemini' } }, models: [...models('gemini-2.5-flash'), ...embedModels('gemini-embedding-001')] },
    'vertex-ai': { type: 'vertex-ai', baseURL: vx.url, region: vx.location, project: vx.project, auth: { googleServiceAccount: { name: 'matrix-vertex', key: 'key.json' } }, models: [...models(CLAUDE_VX, GEMINI_VX), ...embedModels('text-embedding-005')] },
    bedrock: {
      type: 'bedrock', region: br.region, baseURL: br.url, models: [...models('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), ...embedModels('cohere.embed-english-v3')],
      auth: { aws: { accessKeyId: { name: 'matrix-keys', key: 'awsId' }, secretAccessKey: { name: 'matrix-keys', key: 'awsSecret' } } },
    },
    'azure-openai': { type: 'azure-openai', baseURL: az.endpoint, apiVersion: '2024-10-21', auth: { secretRef: { name: 'matrix-keys', key: 'azure' } }, models: [...models('gpt4o-deploy'), ...embedModels('embed-deploy')] },
    cohere: { type: 'cohere', baseURL: co.url, auth: { secretRef: { name: 'matrix-keys', key: 'cohere' } }, models: [...models('command-a-03-2025'), ...embedModels('embed-v4.0')] },
    together: { type: 'openai-compatible', preset: 'together', baseURL: compat.url, auth: { secretRef: { name: 'matrix-keys', key: 'together' } }, models: [...models('meta-llama/Llama-3.3-70B-Instruct-Turbo'), ...embedModels('BAAI/bge-base-en-v1.5')] },
  };

  const kits: (Kit & { provider: string; upstreamModel: string; upstreamEmbed?: string })[] = [
    { name: 'openai', type: 'openai', provider: 'openai', model: 'm-openai', upstreamModel: 'gpt-up', embedModel: 'e-openai', upstreamEmbed: 'embed-up', requests: () => oa.requests.length, ...openaiFaults(oa) },
    { name: 'anthropic', type: 'anthropic', provider: 'anthropic', model: 'm-anthropic', upstreamModel: 'claude-up', requests: () => ant.requests.length, ...anthropicFaults(ant) },
    { name: 'gemini', type: 'gemini', provider: 'gemini', model: 'm-gemini', upstreamModel: 'gemini-2.5-flash', embedModel: 'e-gemini', upstreamEmbed: 'gemini-embedding-001', requests: () => gem.requests.length, ...geminiFaults(gem) },
    { name: 'vertex-ai (claude)', type: 'vertex-ai', provider: 'vertex-ai', model: 'm-vertex-claude', upstreamModel: CLAUDE_VX, requests: vxCount('anthropic'), ...anthropicFaults(vx.anthropic), status: (status, message, headers = {}) => vx.setFault({ status, message, headers, publisher: 'anthropic' }) },
    { name: 'vertex-ai (gemini)', type: 'vertex-ai', provider: 'vertex-ai', model: 'm-vertex-gemini', upstreamModel: GEMINI_VX, embedModel: 'e-vertex', upstreamEmbed: 'text-embedding-005', requests: vxCount('google'), ...geminiFaults(vx.gemini), status: (status, message, headers = {}) => vx.setFault({ status, message, headers, publisher: 'google' }) },
    {
      name: 'bedrock', type: 'bedrock', provider: 'bedrock', model: 'm-bedrock', upstreamModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      embedModel: 'e-bedrock', upstreamEmbed: 'cohere.embed-english-v3', requests: () => br.requests.length,
      raw: (body, contentType) => br.setFault({ raw: { body, contentType } }),
      status: (status, message, headers = {}) => br.setFault({ status, exception: status === 403 ? 'AccessDeniedException' : 'UnrecognizedClientException', message, headers }),
      contextLength: () => br.setFault({ status: 400, exception: 'ValidationException', message: 'Input is too long for requested model.' }),
      splitEvery: (n) => br.setFault({ splitEvery: n }),
      usage: () => {
        throw new Error('bedrock B14: test/providers/bedrock-catalogue.test.ts');
      },
    },
    {
      name: 'azure-openai', type: 'azure-openai', provider: 'azure-openai', model: 'm-azure', upstreamModel: 'gpt4o-deploy', embedModel: 'e-azure', upstreamEmbed: 'embed-deploy', requests: () => az.requests.length,
      ...openaiFaults(az.inner, () => undefined),
      status: (status, message, headers = {}) => az.setFault(() => ({ status, headers, body: { error: { code: status === 401 ? '401' : 'BadRequest', message } } })),
      contextLength: () => az.setFault(() => ({ status: 400, body: { error: { code: 'context_length_exceeded', message: OPENAI_CONTEXT, param: 'messages', type: 'invalid_request_error' } } })),
    },
    {
      name: 'cohere', type: 'cohere', provider: 'cohere', model: 'm-cohere', upstreamModel: 'command-a-03-2025', embedModel: 'e-cohere', upstreamEmbed: 'embed-v4.0', requests: () => co.requests.length,
      raw: (body, contentType) => co.setBehavior({ rawBody: body, rawContentType: contentType }),
      status: (status, message, headers = {}) => co.setBehavior({ status, message, headers }),
      contextLength: () => co.setBehavior({ status: 400, message: 'too many tokens: total number of tokens in the prompt cannot exceed 256000 - received 300000' }),
      splitEvery: (n) => co.setBehavior({ splitEvery: n }),
      usage: () => {
        // Billed units are the usage; cached_tokens (mostly the unbilled preamble) is not subtracted (cohere README).
        co.setBehavior({ usage: { billed_units: { input_tokens: 200, output_tokens: 30 }, tokens: { input_tokens: 300, output_tokens: 32 }, cached_tokens: 150 } });
        return { tokensIn: 200, tokensOut: 30, costUSD: usd(200 * MATRIX_PRICE.input + 30 * MATRIX_PRICE.output) };
      },
    },
    { name: 'openai-compatible (together)', type: 'openai-compatible', provider: 'together', model: 'm-together', upstreamModel: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', embedModel: 'e-together', upstreamEmbed: 'BAAI/bge-base-en-v1.5', requests: () => compat.requests.length, ...openaiFaults(compat) },
  ];

  const manifests: unknown[] = [
    secret('matrix-keys', { openai: 'sk-oa-matrix-1122', anthropic: ant.apiKey, gemini: gem.apiKey, awsId: br.credentials.accessKeyId, awsSecret: br.credentials.secretAccessKey, azure: az.apiKey, cohere: co.apiKey, together: 'tg-matrix-3344' }),
    secret('matrix-vertex', { 'key.json': sa.json }),
    ...Object.entries(specs).map(([name, spec]) => provider(name, spec)),
    apiKey('matrix-client', MATRIX_KEY),
  ];
  for (const k of kits) {
    manifests.push(route(k.model, { model: k.model, retry: { attempts: 1 }, targets: [{ provider: k.provider, model: k.upstreamModel }] }));
    if (k.embedModel !== undefined) manifests.push(route(k.embedModel, { model: k.embedModel, retry: { attempts: 1 }, targets: [{ provider: k.provider, model: k.upstreamEmbed }] }));
  }
  if (o.catalogue === true) {
    manifests.push(provider('fallback', { type: 'fake' }));
    for (const k of kits) {
      if (k.type === 'bedrock') continue;
      const slug = k.model.slice(2);
      const spec = specs[k.provider] as Record<string, unknown>;
      manifests.push(
        provider(`${k.provider}-auth-${slug}`, spec),
        route(`auth-${slug}`, { model: `auth-${slug}`, retry: { attempts: 3, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: `${k.provider}-auth-${slug}`, model: k.upstreamModel }] }),
        route(`authfo-${slug}`, { model: `authfo-${slug}`, retry: { attempts: 1 }, targets: [{ provider: `${k.provider}-auth-${slug}`, model: k.upstreamModel }], fallback: [{ provider: 'fallback', model: 'fallback-model' }] }),
        route(`b12-${slug}`, { model: `b12-${slug}`, retry: { attempts: 3, backoff: { base: '1ms', max: '1ms' } }, targets: [{ provider: k.provider, model: k.upstreamModel }], fallback: [{ provider: 'fallback', model: 'fallback-model' }] }),
      );
    }
  }

  const names = new Set(MATRIX_KITS.map((k) => `${k.name}|${k.model}|${k.embedModel ?? ''}`));
  for (const k of kits) if (!names.has(`${k.name}|${k.model}|${k.embedModel ?? ''}`)) throw new Error(`kit ${k.name} differs from MATRIX_KITS`);
  return {
    kits,
    kit(model) {
      const k = kits.find((x) => x.model === model);
      if (k === undefined) throw new Error(`no kit serves ${model}`);
      return k;
    },
    manifests,
    reset() {
      for (const f of [oa, compat, az.inner]) {
        f.setBehavior(echoBehavior);
        f.requests.length = 0;
      }
      az.setBehavior(echoBehavior);
      az.setFault(undefined);
      az.requests.length = 0;
      for (const a of [ant, vx.anthropic]) {
        a.setFault(undefined);
        a.requests.length = 0;
      }
      for (const g of [gem, vx.gemini]) {
        g.setFault(undefined);
        g.requests.length = 0;
      }
      vx.setFault(undefined);
      vx.requests.length = 0;
      br.setFault(undefined);
      br.requests.length = 0;
      co.setBehavior(undefined);
      co.requests.length = 0;
    },
    async close() {
      for (const c of [oa, compat, ant, gem, vx, tokens, br, az, co]) await c.close();
    },
  };
}
