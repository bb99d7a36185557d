// Adapter for type anthropic (Messages API). Anthropic Messages natively: the client's body with only `model`
// patched, anthropic-version / anthropic-beta forwarded, answers and events passed through. Every other client API
// through the canonical form and the Anthropic provider codec. Headers and the endpoint come from request.ts,
// classification from errors.ts; bodies are serialised once per upstream model (BuildContext.bodies).
import { encodeRequest } from '../../dialects/anthropic-messages/encode-request.ts';
import { providerCodec } from '../../dialects/anthropic-messages/index.ts';
import type { TableProvider } from '../../table/types.ts';
import { httpTransport } from '../http/send.ts';
import { memoBody, memoNativeBody } from '../openai/request.ts';
import type { AdapterDeps, ProviderAdapter, UpstreamRequest } from '../types.ts';
import { createAnthropicStreamTranslator, anthropicNativeResponse } from './anthropic-messages.ts';
import { classifyAnthropicError } from './errors.ts';
import { anthropicEndpoint, buildAnthropicHeaders } from './request.ts';

export interface AnthropicAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
}

export function createAnthropicAdapter(provider: TableProvider, deps: AdapterDeps, opts: AnthropicAdapterOptions = {}): ProviderAdapter {
  if (provider.baseURL === '') throw new Error(`provider ${provider.id} has no baseURL`);
  const now = opts.now ?? Date.now;
  const endpoint = anthropicEndpoint(provider.baseURL, 'messages');
  const countEndpoint = anthropicEndpoint(provider.baseURL, 'count_tokens');
  const streamOpts = opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes };
  return {
    type: 'anthropic',
    nativeApis: new Set(provider.nativeApis),
    providerCodec,
    buildNative(req, target, ctx): UpstreamRequest {
      const headers = buildAnthropicHeaders(target.provider, { requestId: ctx.requestId, stream: req.stream, client: req.forwardHeaders });
      const body = memoNativeBody(ctx, `anthropic-native|${target.model}`, req, req.body.model === target.model, () => ({ ...req.body, model: target.model }));
      const to = req.countTokens === true ? countEndpoint : endpoint;
      return { method: 'POST', origin: to.origin, path: to.path, headers, body, stream: req.stream };
    },
    buildCanonical(creq, target, ctx): UpstreamRequest {
      const headers = buildAnthropicHeaders(target.provider, { requestId: ctx.requestId, stream: creq.stream });
      const body = memoBody(ctx, `anthropic-canonical|${target.model}`, () => encodeRequest(creq, target.model));
      return { method: 'POST', origin: endpoint.origin, path: endpoint.path, headers, body, stream: creq.stream };
    },
    classifyError(target, status, headers, body) {
      return classifyAnthropicError(target.provider, status, headers, body, now());
    },
    nativeResponse(_req, target, body) {
      return anthropicNativeResponse(target.provider, body);
    },
    nativeStream(_req, target) {
      return createAnthropicStreamTranslator(target.provider, streamOpts);
    },
    transport: httpTransport(provider, deps),
  };
}
