// Known OpenAI-compatible servers as the adapter needs them, derived from the openai-compatible descriptor (the one
// source of truth for default base URLs and stream usage): a server asked for usage with stream_options accepts the
// field; one that reports usage unasked (Mistral) rejects it, so the adapter removes it.
import type { WireQuirks } from '../openai/request.ts';
import { OPENAI_COMPATIBLE_PRESETS } from './descriptor.ts';
import type { PresetDescriptor } from '../descriptor-types.ts';

export interface Preset extends WireQuirks {
  /** Base URL when the Provider sets none; null when spec.baseURL is required. */
  readonly defaultBaseURL: string | null;
  /** The server reports usage in streams (asked with stream_options.include_usage when streamOptions is true). */
  readonly streamUsage: boolean;
}

function fromDescriptor(p: PresetDescriptor): Preset {
  return { defaultBaseURL: p.defaultBaseURL, streamOptions: p.streamUsage === 'stream_options', streamUsage: p.streamUsage !== 'never' };
}

/** The preset for a name; unknown or absent names get `generic`. */
export function presetFor(name: string | undefined): Preset {
  const found = name !== undefined && Object.hasOwn(OPENAI_COMPATIBLE_PRESETS, name) ? OPENAI_COMPATIBLE_PRESETS[name] : undefined;
  return fromDescriptor(found ?? (OPENAI_COMPATIBLE_PRESETS.generic as PresetDescriptor));
}
