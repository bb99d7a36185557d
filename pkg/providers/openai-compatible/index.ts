// Adapter for type openai-compatible: the OpenAI passthrough with the preset's wire quirks. The client APIs served
// natively come from the table (the preset's descriptor: pkg/providers/openai-compatible/descriptor.ts), the same list
// the compiler and the capability check read. Typically chat, legacy
// completions (vLLM and most servers have /completions) and embeddings natively; the Responses API and Anthropic
// Messages through the canonical form (to chat).
import type { ProviderCodec } from '../../canonical/codec.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { AdapterDeps, ProviderAdapter } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createPassthroughAdapter } from '../openai/passthrough.ts';
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
  return createPassthroughAdapter(provider, deps, {
    ...rest, type: 'openai-compatible', quirks: { streamOptions: preset.streamOptions }, nativeApis: provider.nativeApis, codec: codec ?? null,
  });
}
