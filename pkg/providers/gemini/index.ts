// Adapter for type gemini (Google Gemini API). Every client API goes through the canonical form: the Gemini dialect
// codec (pkg/dialects/gemini) builds the generateContent body, request.ts the endpoint and headers (the key in
// x-goog-api-key), errors.ts classifies google.rpc errors; OpenAI embeddings go to batchEmbedContents (embeddings.ts). Bodies are serialised once per upstream model
// (BuildContext.bodies). In-band stream error messages are sanitised like HTTP error messages.
import type { ProviderCodec, StreamDecoder } from '../../canonical/codec.ts';
import type { StreamEvent } from '../../canonical/types.ts';
import { encodeRequest } from '../../dialects/gemini/encode-request.ts';
import { providerCodec as geminiCodec } from '../../dialects/gemini/index.ts';
import type { TableProvider } from '../../table/types.ts';
import { httpTransport } from '../http/send.ts';
import { memoBody } from '../openai/request.ts';
import type { AdapterDeps, ProviderAdapter, UpstreamRequest } from '../types.ts';
import { geminiEmbeddings } from './embeddings.ts';
import { classifyGeminiError, sanitizeGeminiMessage } from './errors.ts';
import { geminiEndpoint, geminiHeaders } from './request.ts';

export interface GeminiAdapterOptions {
  readonly now?: () => number;
}

function sanitizing(decoder: StreamDecoder, provider: TableProvider): StreamDecoder {
  const clean = (events: StreamEvent[]): StreamEvent[] =>
    events.map((ev) => (ev.type === 'error' ? { ...ev, error: { ...ev.error, message: sanitizeGeminiMessage(ev.error.message, provider) } } : ev));
  return { push: (chunk) => clean(decoder.push(chunk)), end: () => clean(decoder.end()) };
}

/** The Gemini codec with the provider's in-band error messages sanitised. */
function codecFor(provider: TableProvider): ProviderCodec {
  return { ...geminiCodec, createStreamDecoder: () => sanitizing(geminiCodec.createStreamDecoder(), provider) };
}

export function createGeminiAdapter(provider: TableProvider, deps: AdapterDeps, opts: GeminiAdapterOptions = {}): ProviderAdapter {
  if (provider.baseURL === '') throw new Error(`provider ${provider.id} has no baseURL`);
  const now = opts.now ?? Date.now;
  const baseURL = provider.baseURL;
  return {
    type: 'gemini',
    nativeApis: new Set(),
    providerCodec: codecFor(provider),
    buildNative(req): UpstreamRequest {
      throw new Error(`gemini adapter: no client API is native (asked for ${req.api})`);
    },
    buildCanonical(creq, target, ctx): UpstreamRequest {
      const endpoint = geminiEndpoint(baseURL, target.model, creq.stream ? 'streamGenerateContent' : 'generateContent');
      const { headers, path } = geminiHeaders(target.provider, endpoint, ctx.requestId, creq.stream);
      const body = memoBody(ctx, `gemini|${target.model}`, () => encodeRequest(creq, target.model));
      return { method: 'POST', origin: endpoint.origin, path, headers, body, stream: creq.stream };
    },
    classifyError(target, status, headers, body) {
      return classifyGeminiError(target.provider, status, headers, body, now());
    },
    nativeResponse() {
      throw new Error('gemini adapter: no client API is native');
    },
    nativeStream() {
      throw new Error('gemini adapter: no client API is native');
    },
    transport: httpTransport(provider, deps),
    embeddings: geminiEmbeddings(baseURL),
  };
}
