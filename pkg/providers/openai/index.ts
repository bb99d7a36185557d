// Adapter for type openai (api.openai.com and anything that is exactly OpenAI).
import type { AdapterDeps, ProviderAdapter } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { createPassthroughAdapter } from './passthrough.ts';
import { OPENAI_QUIRKS } from './request.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
}

export function createOpenAIAdapter(provider: TableProvider, deps: AdapterDeps, opts: OpenAIAdapterOptions = {}): ProviderAdapter {
  return createPassthroughAdapter(provider, deps, { ...opts, type: 'openai', quirks: OPENAI_QUIRKS });
}
