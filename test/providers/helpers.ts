// Builders for provider tests: a TableProvider, an AttemptContext, and body/stream collectors.
import type { AttemptContext, Operation, ProviderAdapter, StreamEndResult, UpstreamResponse } from '../../pkg/providers/types.ts';
import type { TableProvider, TableTimeouts } from '../../pkg/table/types.ts';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createUpstreamPools } from '../../pkg/providers/http/pools.ts';
import type { UpstreamPools } from '../../pkg/providers/http/pools.ts';
import { startFakeOpenAI } from '../support/fake-openai-server.ts';
import type { FakeOpenAI } from '../support/fake-openai-server.ts';

export const SECRET = 'sk-canary-0123456789abcdef';

export const TIMEOUTS: TableTimeouts = { connectMs: 1000, firstByteMs: 3000, idleMs: 3000, totalMs: 0 };

export function makeProvider(over: Partial<TableProvider> = {}): TableProvider {
  return {
    id: 'team-a/openai',
    namespace: 'team-a',
    name: 'openai',
    type: 'openai',
    baseURL: 'http://127.0.0.1:9/v1',
    headers: {},
    credential: { kind: 'header', header: 'authorization', value: `Bearer ${SECRET}` },
    streamUsage: true,
    nativeApis: ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses'],
    translatedApis: ['anthropic-messages'],
    models: {},
    modelsListed: false,
    limits: {},
    timeouts: TIMEOUTS,
    ...over,
  };
}

export interface CtxOptions {
  op?: Operation;
  body?: Record<string, unknown>;
  stream?: boolean;
  clientWantsUsage?: boolean;
  model?: string;
  timeouts?: Partial<TableTimeouts>;
  signal?: AbortSignal;
}

export function makeCtx(provider: TableProvider, o: CtxOptions = {}): AttemptContext {
  const stream = o.stream ?? false;
  const body = o.body ?? (o.op === 'embeddings'
    ? { model: 'client-model', input: 'hello' }
    : { model: 'client-model', messages: [{ role: 'user', content: 'Say hello' }], ...(stream ? { stream: true } : {}) });
  return {
    op: o.op ?? 'chat',
    body,
    stream,
    clientWantsUsage: o.clientWantsUsage ?? false,
    target: { provider, model: o.model ?? 'gpt-4o-mini', timeouts: { ...provider.timeouts, ...o.timeouts } },
    signal: o.signal ?? new AbortController().signal,
    requestId: 'req-test-1',
  };
}

export async function readAll(res: UpstreamResponse): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of res.body) parts.push(c);
  return Buffer.concat(parts);
}

/** Feeds chunks to a fresh translator; returns the client bytes and the end result. */
export function translateChunks(adapter: ProviderAdapter, ctx: AttemptContext, chunks: Iterable<Uint8Array>): { out: string; end: StreamEndResult; startedAfterFirstOutput: boolean } {
  const t = adapter.createStreamTranslator(ctx);
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
export async function streamThrough(adapter: ProviderAdapter, ctx: AttemptContext): Promise<{ out: string; end: StreamEndResult; raw: Buffer }> {
  const res = await adapter.send(ctx);
  const t = adapter.createStreamTranslator(ctx);
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
