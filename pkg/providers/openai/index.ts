// Adapter for type openai (api.openai.com and anything that is exactly OpenAI): chat, legacy completions,
// embeddings and the Responses API natively (previous_response_id and store pass through); Anthropic Messages
// through the canonical form.
import type { ProviderCodec } from '../../canonical/codec.ts';
import type { ClientApi } from '../../canonical/types.ts';
import type { AdapterDeps, ProviderAdapter } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createPassthroughAdapter } from './passthrough.ts';
import { OPENAI_QUIRKS } from './request.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export const OPENAI_NATIVE_APIS: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-embeddings', 'openai-responses'];

export interface OpenAIAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
  /** The openai-chat provider codec, for client APIs served by translation. */
  readonly codec?: ProviderCodec | null;
}

export function createOpenAIAdapter(provider: TableProvider, deps: AdapterDeps, opts: OpenAIAdapterOptions = {}): ProviderAdapter {
  const { codec, ...rest } = opts;
  return createPassthroughAdapter(provider, deps, { ...rest, type: 'openai', quirks: OPENAI_QUIRKS, nativeApis: provider.nativeApis, codec: codec ?? null });
}
