// Known OpenAI-compatible servers as the adapter needs them, derived from the openai-compatible descriptor (the one
// source of truth for default base URLs, stream usage and the output-cap field): a server asked for usage with
// stream_options accepts the field; one that reports usage unasked (Mistral, Fireworks, OpenRouter, Perplexity) is
// not sent it. The output-cap field is applied by pkg/providers/openai/request.ts applyMaxTokensField.
import type { WireQuirks } from '../openai/request.ts';
import { OPENAI_COMPATIBLE_PRESETS } from './descriptor.ts';
import type { PresetDescriptor } from '../descriptor-types.ts';

export interface Preset extends WireQuirks {
  /** Base URL when the Provider sets none; null when spec.baseURL is required. */
  readonly defaultBaseURL: string | null;
  /** The server reports usage in streams (asked with stream_options.include_usage when streamOptions is true). */
  readonly streamUsage: boolean;
  readonly maxTokensField: PresetDescriptor['maxTokensField'];
}

/** The adapter's view of a preset descriptor. */
export function presetOf(p: PresetDescriptor): Preset {
  return { defaultBaseURL: p.defaultBaseURL, streamOptions: p.streamUsage === 'stream_options', streamUsage: p.streamUsage !== 'never', maxTokensField: p.maxTokensField };
}

/** The preset for a name; unknown or absent names get `generic`. */
export function presetFor(name: string | undefined): Preset {
  const found = name !== undefined && Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, name) ? OPENAI_COMPATIBLE_PRESETS[name] : undefined;
  return presetOf(found ?? (OPENAI_COMPATIBLE_PRESETS.generic as PresetDescriptor));
}
