// Adapter for type openai-compatible: the OpenAI passthrough with the preset's wire quirks.
import type { AdapterDeps, ProviderAdapter } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createPassthroughAdapter } from '../openai/passthrough.ts';
import { presetFor } from './presets.ts';

export interface OpenAICompatibleAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
}

export function createOpenAICompatibleAdapter(
  provider: TableProvider,
  deps: AdapterDeps,
  opts: OpenAICompatibleAdapterOptions = {},
): ProviderAdapter {
  const preset = presetFor(provider.preset);
  return createPassthroughAdapter(provider, deps, { ...opts, type: 'openai-compatible', quirks: { streamOptions: preset.streamOptions } });
}
