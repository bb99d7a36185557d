// Known OpenAI-compatible servers and how they differ. The compiler may use defaultBaseURL / streamUsage to fill
// TableProvider; the adapter uses the wire quirks.
import type { WireQuirks } from '../openai/request.ts';

export interface Preset extends WireQuirks {
  /** Base URL when the Provider sets none; null when the server is self-hosted and a baseURL is required. */
  readonly defaultBaseURL: string | null;
  /** The server returns usage in streams when asked with stream_options.include_usage. */
  readonly streamUsage: boolean;
}

export const PRESETS = {
  generic: { defaultBaseURL: null, streamOptions: true, streamUsage: true },
  vllm: { defaultBaseURL: null, streamOptions: true, streamUsage: true },
  ollama: { defaultBaseURL: 'http://localhost:11434/v1', streamOptions: true, streamUsage: true },
  groq: { defaultBaseURL: 'https://api.groq.com/openai/v1', streamOptions: true, streamUsage: true },
  mistral: { defaultBaseURL: 'https://api.mistral.ai/v1', streamOptions: false, streamUsage: true },
  together: { defaultBaseURL: 'https://api.together.xyz/v1', streamOptions: true, streamUsage: true },
  deepseek: { defaultBaseURL: 'https://api.deepseek.com/v1', streamOptions: true, streamUsage: true },
  fireworks: { defaultBaseURL: 'https://api.fireworks.ai/inference/v1', streamOptions: true, streamUsage: true },
  openrouter: { defaultBaseURL: 'https://openrouter.ai/api/v1', streamOptions: true, streamUsage: true },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

/** The preset for a name; unknown or absent names get `generic`. */
export function presetFor(name: string | undefined): Preset {
  return name !== undefined && Object.hasOwn(PRESETS, name) ? PRESETS[name as PresetName] : PRESETS.generic;
}
