// Adapter for type fake: a deterministic built-in upstream with no network. It produces OpenAI wire bytes and
// reuses the OpenAI translator and error classification, so it exercises the same proxy paths as a real provider.
import { setTimeout as delay } from 'node:timers/promises';
import type { AdapterDeps, AttemptContext, ProviderAdapter, UpstreamResponse } from '../types.ts';
import type { TableFake, TableProvider } from '../../table/types.ts';
import { classifyOpenAIError } from '../openai/errors.ts';
import { OPENAI_QUIRKS, patchBody } from '../openai/request.ts';
import { translateOpenAIResponse } from '../openai/response.ts';
import { createOpenAIStreamTranslator } from '../openai/stream.ts';
import { completionEvents, completionJson, fakeCompletion } from './chat.ts';
import { fakeEmbeddingsResponse } from './embeddings.ts';

export const FAKE_DEFAULTS: TableFake = {
  latencyMs: 0,
  interChunkDelayMs: 0,
  outputTokens: 16,
  chunkTokens: 1,
  failureRate: 0,
  embeddingDimensions: 8,
};

export const FAKE_FAILURE_BODY = JSON.stringify({
  error: { message: 'The fake provider failed this request (failureRate).', type: 'server_error', param: null, code: 'fake_failure' },
});

export interface FakeAdapterOptions {
  readonly now?: () => number;
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    throw signal.aborted ? signal.reason : err;
  }
}

function response(status: number, contentType: string, requestId: string, body: AsyncIterable<Uint8Array>): UpstreamResponse {
  return {
    status,
    headers: { 'content-type': contentType, 'x-request-id': requestId },
    body,
    dump: async () => {},
  };
}

async function* once(text: string): AsyncGenerator<Uint8Array, void, undefined> {
  yield Buffer.from(text);
}

async function* paced(events: Iterable<string>, gapMs: number, signal: AbortSignal): AsyncGenerator<Uint8Array, void, undefined> {
  let first = true;
  for (const ev of events) {
    if (!first) await sleep(gapMs, signal);
    else signal.throwIfAborted();
    first = false;
    yield Buffer.from(ev);
  }
}

/**
 * Settings come from provider.fake (defaults in FAKE_DEFAULTS). failureRate r > 0 fails every round(1/r)-th request
 * of this adapter instance with a 503, deterministically.
 */
export function createFakeAdapter(provider: TableProvider, _deps?: AdapterDeps, opts: FakeAdapterOptions = {}): ProviderAdapter {
  const s: TableFake = { ...FAKE_DEFAULTS, ...provider.fake };
  const failEvery = s.failureRate > 0 ? Math.max(1, Math.round(1 / s.failureRate)) : 0;
  const now = opts.now ?? Date.now;
  let count = 0;

  async function send(ctx: AttemptContext): Promise<UpstreamResponse> {
    const n = ++count;
    await sleep(s.latencyMs, ctx.signal);
    if (failEvery > 0 && n % failEvery === 0) return response(503, 'application/json', ctx.requestId, once(FAKE_FAILURE_BODY));
    const body = patchBody(ctx, OPENAI_QUIRKS);
    if (ctx.op === 'embeddings') {
      return response(200, 'application/json', ctx.requestId, once(JSON.stringify(fakeEmbeddingsResponse(body, ctx.target.model, s.embeddingDimensions))));
    }
    const completion = fakeCompletion(body, ctx.target.model, s.outputTokens);
    if (!ctx.stream) return response(200, 'application/json', ctx.requestId, once(completionJson(completion)));
    const opts = body.stream_options;
    const includeUsage = typeof opts === 'object' && opts !== null && (opts as { include_usage?: unknown }).include_usage === true;
    const events = completionEvents(completion, Math.max(1, s.chunkTokens), includeUsage);
    return response(200, 'text/event-stream', ctx.requestId, paced(events, s.interChunkDelayMs, ctx.signal));
  }

  return {
    type: 'fake',
    send,
    classifyError(_ctx, status, headers, body) {
      return classifyOpenAIError(provider, status, headers, body, now());
    },
    translateResponse: translateOpenAIResponse,
    createStreamTranslator(ctx) {
      return createOpenAIStreamTranslator(ctx);
    },
  };
}
