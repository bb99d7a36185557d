// Adapter for type fake: a deterministic built-in upstream with no network. It is the OpenAI adapter with an
// in-process transport that produces OpenAI wire bytes, so it exercises the same proxy paths as a real provider.
import { setTimeout as delay } from 'node:timers/promises';
import type { ProviderCodec } from '../../canonical/codec.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { AdapterDeps, ProviderAdapter, Transport, UpstreamRequest, UpstreamResponse } from '../types.ts';
import type { TableFake, TableProvider } from '../../table/types.ts';
import { CredentialSources } from '../http/credential-sources.ts';
import { createPassthroughAdapter } from '../openai/passthrough.ts';
import { OPENAI_QUIRKS } from '../openai/request.ts';
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

export const FAKE_NATIVE_APIS: readonly ClientApi[] = ['openai-chat', 'openai-embeddings'];

export interface FakeAdapterOptions {
  readonly now?: () => number;
  /** The openai-chat provider codec, for client APIs served by translation. */
  readonly codec?: ProviderCodec | null;
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

function parseBody(text: string | Uint8Array): Record<string, unknown> {
  const v: unknown = JSON.parse(typeof text === 'string' ? text : new TextDecoder().decode(text));
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/**
 * Settings come from provider.fake (defaults in FAKE_DEFAULTS). failureRate r > 0 fails every round(1/r)-th request
 * of this adapter instance with a 503, deterministically. The fake speaks OpenAI chat and embeddings natively, behind
 * an in-process transport that answers the built request; every other client API reaches it through the canonical
 * form and the openai-chat codec, like any OpenAI-compatible upstream.
 */
export function createFakeAdapter(provider: TableProvider, deps?: AdapterDeps, opts: FakeAdapterOptions = {}): ProviderAdapter {
  const s: TableFake = { ...FAKE_DEFAULTS, ...provider.fake };
  const failEvery = s.failureRate > 0 ? Math.max(1, Math.round(1 / s.failureRate)) : 0;
  let count = 0;

  const transport: Transport = async (req: UpstreamRequest, _timeouts, signal) => {
    const n = ++count;
    const requestId = req.headers['x-request-id'] ?? '';
    await sleep(s.latencyMs, signal);
    if (failEvery > 0 && n % failEvery === 0) return response(503, 'application/json', requestId, once(FAKE_FAILURE_BODY));
    const body = parseBody(req.body);
    const model = typeof body.model === 'string' ? body.model : '';
    if (req.path.endsWith('/embeddings')) {
      return response(200, 'application/json', requestId, once(JSON.stringify(fakeEmbeddingsResponse(body, model, s.embeddingDimensions))));
    }
    const completion = fakeCompletion(body, model, s.outputTokens);
    if (!req.stream) return response(200, 'application/json', requestId, once(completionJson(completion)));
    const so = body.stream_options;
    const includeUsage = typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true;
    const events = completionEvents(completion, Math.max(1, s.chunkTokens), includeUsage);
    return response(200, 'text/event-stream', requestId, paced(events, s.interChunkDelayMs, signal));
  };

  return createPassthroughAdapter(provider, { dispatcherFor: noDispatcher, sources: deps?.sources ?? new CredentialSources() }, {
    type: 'fake',
    quirks: OPENAI_QUIRKS,
    nativeApis: FAKE_NATIVE_APIS,
    codec: opts.codec ?? null,
    transport,
    ...(opts.now === undefined ? {} : { now: opts.now }),
  });
}

function noDispatcher(): never {
  throw new Error('the fake provider sends no HTTP requests');
}
