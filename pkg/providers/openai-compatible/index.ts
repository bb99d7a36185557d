// Adapter for type openai-compatible: the OpenAI passthrough with the preset's wire quirks (stream_options, the
// output-cap field). The client APIs served natively come from the table (the preset's descriptor:
// pkg/providers/openai-compatible/descriptor.ts), the same list the compiler and the capability check read.
// OpenAI-shaped APIs (chat, legacy completions, embeddings, Responses) go through pkg/providers/openai; servers that
// document an Anthropic-compatible /v1/messages (vLLM, Ollama, LM Studio, Fireworks) get Anthropic Messages
// natively through pkg/providers/anthropic's request and answer handling; every other client API through the
// canonical form (to chat).
import type { ProviderCodec } from '../../canonical/codec.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { AdapterDeps, ProviderAdapter, UpstreamRequest } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createAnthropicStreamTranslator, anthropicNativeResponse } from '../anthropic/anthropic-messages.ts';
import { anthropicEndpoint, buildAnthropicHeaders } from '../anthropic/request.ts';
import { createPassthroughAdapter } from '../openai/passthrough.ts';
import { memoNativeBody } from '../openai/request.ts';
import { presetFor } from './presets.ts';

export const OPENAI_COMPATIBLE_NATIVE_APIS: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-embeddings'];

export interface OpenAICompatibleAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
  readonly codec?: ProviderCodec | null;
}

export function createOpenAICompatibleAdapter(
  provider: TableProvider,
  deps: AdapterDeps,
  opts: OpenAICompatibleAdapterOptions = {},
): ProviderAdapter {
  const preset = presetFor(provider.preset);
  const { codec, ...rest } = opts;
  const openai = createPassthroughAdapter(provider, deps, {
    ...rest,
    type: 'openai-compatible',
    quirks: { streamOptions: preset.streamOptions, maxTokensField: preset.maxTokensField },
    nativeApis: provider.nativeApis,
    codec: codec ?? null,
  });
  if (!provider.nativeApis.includes('anthropic-messages')) return openai;
  return withAnthropicMessages(openai, provider, opts.maxEventBytes);
}

/**
 * The adapter with native Anthropic Messages: POST <baseURL>/messages (count_tokens: /messages/count_tokens) with
 * only `model` patched and anthropic-version / anthropic-beta forwarded; answers and events pass through and
 * usage is read the Anthropic way. Errors are classified like the server's OpenAI-shaped ones (by status).
 */
function withAnthropicMessages(openai: ProviderAdapter, provider: TableProvider, maxEventBytes: number | undefined): ProviderAdapter {
  const messages = anthropicEndpoint(provider.baseURL, 'messages');
  const countTokens = anthropicEndpoint(provider.baseURL, 'count_tokens');
  const streamOpts = maxEventBytes === undefined ? {} : { maxEventBytes };
  return {
    ...openai,
    buildNative(req, target, ctx): UpstreamRequest {
      if (req.api !== 'anthropic-messages') return openai.buildNative(req, target, ctx);
      const headers = buildAnthropicHeaders(target.provider, { requestId: ctx.requestId, stream: req.stream, client: req.forwardHeaders });
      const body = memoNativeBody(ctx, `anthropic-native|${target.model}`, req, req.body.model === target.model, () => ({ ...req.body, model: target.model }));
      const to = req.countTokens === true ? countTokens : messages;
      return { method: 'POST', origin: to.origin, path: to.path, headers, body, stream: req.stream };
    },
    nativeResponse(req, target, body) {
      return req.api === 'anthropic-messages' ? anthropicNativeResponse(target.provider, body) : openai.nativeResponse(req, target, body);
    },
    nativeStream(req, target) {
      return req.api === 'anthropic-messages' ? createAnthropicStreamTranslator(target.provider, streamOpts) : openai.nativeStream(req, target);
    },
  };
}
