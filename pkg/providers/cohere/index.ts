// Adapter for type cohere (Cohere v2). No client API is native: the chat family goes through the canonical form and
// the Cohere Chat v2 codec (pkg/dialects/cohere-chat/), OpenAI embeddings through v2 embed (embeddings.ts); bodies
// serialised once per upstream model (BuildContext.bodies). Headers and endpoints come from request.ts, classification from errors.ts.
import { createProviderCodec } from '../../dialects/cohere-chat/index.ts';
import { encodeRequest } from '../../dialects/cohere-chat/encode-request.ts';
import type { TableProvider } from '../../table/types.ts';
import { httpTransport } from '../http/send.ts';
import { sanitizeMessage } from '../openai/errors.ts';
import { memoBody } from '../openai/request.ts';
import type { AdapterDeps, ProviderAdapter, UpstreamRequest } from '../types.ts';
import { cohereEmbeddings } from './embeddings.ts';
import { classifyCohereError } from './errors.ts';
import { cohereEndpoints, cohereHeaders } from './request.ts';

export interface CohereAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
}

function noNative(): never {
  throw new Error('the cohere provider serves no client API natively');
}

export function createCohereAdapter(provider: TableProvider, deps: AdapterDeps, opts: CohereAdapterOptions = {}): ProviderAdapter {
  if (provider.baseURL === '') throw new Error(`provider ${provider.id} has no baseURL`);
  const now = opts.now ?? Date.now;
  const endpoints = cohereEndpoints(provider.baseURL);
  const providerCodec = createProviderCodec({
    sanitize: (m) => sanitizeMessage(m, provider),
    ...(opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes }),
  });
  return {
    type: 'cohere',
    nativeApis: new Set(),
    providerCodec,
    buildNative: noNative,
    buildCanonical(creq, target, ctx): UpstreamRequest {
      const { headers, path } = cohereHeaders(target.provider, endpoints.chat, ctx.requestId, creq.stream);
      const body = memoBody(ctx, `cohere-chat|${target.model}`, () => encodeRequest(creq, target.model));
      return { method: 'POST', origin: endpoints.chat.origin, path, headers, body, stream: creq.stream };
    },
    classifyError(target, status, headers, body) {
      return classifyCohereError(target.provider, status, headers, body, now());
    },
    nativeResponse: noNative,
    nativeStream: noNative,
    transport: httpTransport(provider, deps),
    embeddings: cohereEmbeddings(provider.baseURL),
  };
}
