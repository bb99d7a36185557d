// Adapter for type vertex-ai. The model name picks the publisher (endpoint.ts vertexFamily):
//   - claude-* (Anthropic on Vertex): Anthropic Messages clients are passed through (body patched: `model` out,
//     `anthropic_version` in; count_tokens to count-tokens:rawPredict), answers and SSE events forwarded as the
//     anthropic provider forwards them; every other client API through the canonical form and the Anthropic codec;
//   - any other model (Gemini on Vertex): every client API through the canonical form and the Gemini codec;
//     OpenAI embeddings through :predict (Google's text embedding models, embeddings.ts).
// `isNative` tells the core which of the two a request is (nativeApis alone cannot: it is per provider, not per
// model). The transport adds the OAuth bearer token from the provider's background token source (transport.ts).
import { GatewayError } from '../../errors/errors.ts';
import type { TableProvider } from '../../table/types.ts';
import { anthropicNativeResponse, createAnthropicStreamTranslator } from '../anthropic/anthropic-messages.ts';
import type { AdapterDeps, ProviderAdapter, UpstreamRequest } from '../types.ts';
import { buildVertexAnthropicCanonical, buildVertexAnthropicNative } from './anthropic.ts';
import { vertexCodec } from './codec.ts';
import { vertexEmbeddings } from './embeddings.ts';
import { vertexFamily, vertexPlace, vertexRoot } from './endpoint.ts';
import { classifyVertexError } from './errors.ts';
import { buildVertexGeminiCanonical } from './gemini.ts';
import { vertexTransport } from './transport.ts';
import type { TokenSourceTuning } from './transport.ts';

export interface VertexAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
  /** The token source's schedule (tests); refreshingSource's defaults otherwise (refresh 5 min before expiry). */
  readonly tokenSource?: TokenSourceTuning;
}

export function createVertexAIAdapter(provider: TableProvider, deps: AdapterDeps, opts: VertexAdapterOptions = {}): ProviderAdapter {
  vertexPlace(provider);
  const now = opts.now ?? Date.now;
  // Error messages are cleaned of the host the requests really go to (the regional one), not the default base URL.
  const shown: TableProvider = { ...provider, baseURL: vertexRoot(provider).href.replace(/\/+$/, '') };
  const streamOpts = opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes };
  const anthropicNative = provider.nativeApis.includes('anthropic-messages');
  return {
    type: 'vertex-ai',
    nativeApis: new Set(provider.nativeApis),
    isNative(req, target) {
      if (req.api !== 'anthropic-messages' || !anthropicNative) return false;
      // count_tokens is only ever native: buildNative refuses it for a Gemini model.
      return req.countTokens === true || vertexFamily(target.model) === 'anthropic';
    },
    providerCodec: vertexCodec,
    buildNative(req, target, ctx): UpstreamRequest {
      if (vertexFamily(target.model) !== 'anthropic') {
        throw new GatewayError('invalid_request', { param: 'model', message: 'count_tokens is served for Claude models on Vertex AI only.' });
      }
      return buildVertexAnthropicNative(provider, req, target, ctx);
    },
    buildCanonical(creq, target, ctx): UpstreamRequest {
      return vertexFamily(target.model) === 'anthropic' ? buildVertexAnthropicCanonical(provider, creq, target, ctx) : buildVertexGeminiCanonical(provider, creq, target, ctx);
    },
    classifyError(_target, status, headers, body) {
      return classifyVertexError(shown, status, headers, body, now());
    },
    nativeResponse(_req, _target, body) {
      return anthropicNativeResponse(shown, body);
    },
    nativeStream() {
      return createAnthropicStreamTranslator(shown, streamOpts);
    },
    transport: vertexTransport(provider, deps, opts.tokenSource),
    embeddings: vertexEmbeddings(provider),
  };
}
