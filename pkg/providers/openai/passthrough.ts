// The OpenAI-dialect passthrough adapter shared by type openai and type openai-compatible: the client body is
// patched (model, stream_options) and forwarded; responses and stream events pass through unchanged.
import type { Dispatcher } from 'undici';
import type { AdapterDeps, AttemptContext, ProviderAdapter } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { resolveEndpoint, sendUpstream } from '../http/send.ts';
import { classifyOpenAIError } from './errors.ts';
import { buildHeaders, patchBody } from './request.ts';
import type { WireQuirks } from './request.ts';
import { translateOpenAIResponse } from './response.ts';
import { createOpenAIStreamTranslator } from './stream.ts';

export interface PassthroughOptions {
  readonly type: string;
  readonly quirks: WireQuirks;
  /** Clock for Retry-After HTTP-dates. Default Date.now. */
  readonly now?: () => number;
  /** Cap on one upstream stream event. Default 1 MiB. */
  readonly maxEventBytes?: number;
}

export function createPassthroughAdapter(provider: TableProvider, deps: AdapterDeps, opts: PassthroughOptions): ProviderAdapter {
  if (provider.baseURL === '') throw new Error(`provider ${provider.id} has no baseURL`);
  const endpoints = {
    chat: resolveEndpoint(provider.baseURL, '/chat/completions'),
    embeddings: resolveEndpoint(provider.baseURL, '/embeddings'),
  } as const;
  const now = opts.now ?? Date.now;
  const streamOpts = opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes };
  // Looked up on first use (not at table load), then kept: the pool outlives this adapter across table swaps.
  let dispatcher: Dispatcher | undefined;

  return {
    type: opts.type,
    async send(ctx: AttemptContext) {
      return await sendUpstream({
        dispatcher: (dispatcher ??= deps.dispatcherFor(provider)),
        endpoint: endpoints[ctx.op],
        headers: buildHeaders(provider, ctx),
        body: JSON.stringify(patchBody(ctx, opts.quirks)),
        timeouts: ctx.target.timeouts,
        signal: ctx.signal,
      });
    },
    classifyError(_ctx, status, headers, body) {
      return classifyOpenAIError(provider, status, headers, body, now());
    },
    translateResponse: translateOpenAIResponse,
    createStreamTranslator(ctx) {
      return createOpenAIStreamTranslator(ctx, streamOpts);
    },
  };
}
