// Builders for provider tests: a TableProvider, an attempt context (ingress request + target), and body/stream
// collectors. send() builds the native request and sends it through the adapter's transport, as the core does.
import type { ClientApi } from '../../pkg/canonical/types.ts';
import type { IngressRequest } from '../../pkg/ingress/types.ts';
import type {
  BoundTarget, Operation, ProviderAdapter, StreamEndResult, StreamTranslator, TranslatedResponse, UpstreamFailure, UpstreamResponse,
} from '../../pkg/providers/types.ts';
import type { TableProvider, TableTimeouts } from '../../pkg/table/types.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { descriptorFor, effectiveDescriptor } from '../../pkg/providers/descriptors.ts';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';

export const SECRET = 'sk-canary-0123456789abcdef';

export const TIMEOUTS: TableTimeouts = { connectMs: 1000, firstByteMs: 3000, idleMs: 3000, totalMs: 0 };

/** A TableProvider as the compiler builds it: the client APIs come from the type's (and preset's) descriptor. */
export function makeProvider(over: Partial<TableProvider> = {}): TableProvider {
  const d = descriptorFor(over.type ?? 'openai');
  const apis = d === undefined ? undefined : effectiveDescriptor(d, over.preset);
  return {
    id: 'team-a/openai',
    namespace: 'team-a',
    name: 'openai',
    type: 'openai',
    baseURL: 'http://127.0.0.1:9/v1',
    headers: {},
    credential: { kind: 'header', header: 'authorization', value: `Bearer ${SECRET}` },
    streamUsage: true,
    nativeApis: apis?.nativeApis ?? ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses'],
    translatedApis: apis?.translatedApis ?? ['anthropic-messages'],
    models: {},
    modelsListed: false,
    limits: {},
    timeouts: TIMEOUTS,
    ...over,
  };
}

export interface CtxOptions {
  op?: Operation;
  api?: ClientApi;
  body?: Record<string, unknown>;
  stream?: boolean;
  clientWantsUsage?: boolean;
  model?: string;
  timeouts?: Partial<TableTimeouts>;
  signal?: AbortSignal;
}

/** One attempt as the core sees it. */
export interface TestCtx {
  readonly req: IngressRequest;
  readonly target: BoundTarget;
  readonly signal: AbortSignal;
  readonly requestId: string;
}

export function makeCtx(provider: TableProvider, o: CtxOptions = {}): TestCtx {
  const stream = o.stream ?? false;
  const op = o.op ?? 'chat';
  const body = o.body ?? (op === 'embeddings'
    ? { model: 'client-model', input: 'hello' }
    : { model: 'client-model', messages: [{ role: 'user', content: 'Say hello' }], ...(stream ? { stream: true } : {}) });
  const req: IngressRequest = {
    api: o.api ?? (op === 'embeddings' ? 'openai-embeddings' : 'openai-chat'),
    op,
    body,
    model: typeof body.model === 'string' ? body.model : 'client-model',
    stream,
    wantsUsage: o.clientWantsUsage ?? false,
    forwardHeaders: {},
  };
  return {
    req,
    target: { provider, model: o.model ?? 'gpt-4o-mini', timeouts: { ...provider.timeouts, ...o.timeouts } },
    signal: o.signal ?? new AbortController().signal,
    requestId: 'req-test-1',
  };
}

/** Builds the native request of `ctx` and sends it through the adapter's transport. */
export async function send(adapter: ProviderAdapter, ctx: TestCtx): Promise<UpstreamResponse> {
  const up = adapter.buildNative(ctx.req, ctx.target, { requestId: ctx.requestId, bodies: new Map() });
  return await adapter.transport(up, ctx.target.timeouts, ctx.signal);
}

export function respond(adapter: ProviderAdapter, ctx: TestCtx, body: Uint8Array): TranslatedResponse {
  return adapter.nativeResponse(ctx.req, ctx.target, body);
}

export function translator(adapter: ProviderAdapter, ctx: TestCtx): StreamTranslator {
  return adapter.nativeStream(ctx.req, ctx.target);
}

export function classify(adapter: ProviderAdapter, ctx: TestCtx, status: number, headers: UpstreamResponse['headers'], body: Uint8Array): UpstreamFailure {
  return adapter.classifyError(ctx.target, status, headers, body);
}

/** What the OpenAI stream translator needs of an attempt. */
export function streamCtx(ctx: TestCtx): { provider: TableProvider; wantsUsage: boolean } {
  return { provider: ctx.target.provider, wantsUsage: ctx.req.wantsUsage };
}

export async function readAll(res: UpstreamResponse): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of res.body) parts.push(c);
  return Buffer.concat(parts);
}

/** Feeds chunks to a fresh translator; returns the client bytes and the end result. */
export function translateChunks(adapter: ProviderAdapter, ctx: TestCtx, chunks: Iterable<Uint8Array>): { out: string; end: StreamEndResult; startedAfterFirstOutput: boolean } {
  const t = translator(adapter, ctx);
  let out = '';
  let startedAfterFirstOutput = true;
  for (const c of chunks) {
    const s = t.push(c);
    if (s !== '' && out === '') startedAfterFirstOutput = t.started;
    out += s;
  }
  const end = t.end();
  return { out: out + end.tail, end, startedAfterFirstOutput };
}

/** Sends a stream request and translates it as it arrives. */
export async function streamThrough(adapter: ProviderAdapter, ctx: TestCtx): Promise<{ out: string; end: StreamEndResult; raw: Buffer }> {
  const res = await send(adapter, ctx);
  const t = translator(adapter, ctx);
  const parts: Uint8Array[] = [];
  let out = '';
  for await (const c of res.body) {
    parts.push(c);
    out += t.push(c);
  }
  const end = t.end();
  return { out: out + end.tail, end, raw: Buffer.concat(parts) };
}

/**
 * A fake OpenAI upstream and a set of upstream pools for one test file: started before its tests, torn down after,
 * with recorded requests and scripted behaviour reset between tests. Read `fake.up` / `fake.pools` inside tests.
 */
export function useFakeUpstream(): { readonly up: FakeOpenAI; readonly pools: UpstreamPools } {
  let up: FakeOpenAI | undefined;
  let pools: UpstreamPools | undefined;
  beforeAll(async () => {
    up = await startFakeOpenAI();
    pools = createUpstreamPools();
  });
  afterAll(async () => {
    await pools?.destroy();
    await up?.close();
  });
  afterEach(() => {
    if (up === undefined) return;
    up.requests.length = 0;
    up.setBehavior(undefined);
  });
  return {
    get up(): FakeOpenAI {
      if (up === undefined) throw new Error('useFakeUpstream: the fake upstream is not started yet (use it inside a test)');
      return up;
    },
    get pools(): UpstreamPools {
      if (pools === undefined) throw new Error('useFakeUpstream: the pools are not created yet (use them inside a test)');
      return pools;
    },
  };
}
