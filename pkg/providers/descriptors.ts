// The registry of provider descriptors, keyed by spec.type: the single source of truth for which provider types
// this release serves and what each one is (design §3). The compiler, `switchyard validate`, the CRD docs and the
// adapter registry read it; a type of the API enum that has no descriptor here is "not served by this release".
import type { ClientApi } from '../canonical/types.ts';
import type { DescriptorOperation, PresetDescriptor, ProviderDescriptor, StreamUsageMode } from './descriptor-types.ts';
import { ANTHROPIC_DESCRIPTOR } from './anthropic/descriptor.ts';
import { BEDROCK_DESCRIPTOR } from './bedrock/descriptor.ts';
import { COHERE_DESCRIPTOR } from './cohere/descriptor.ts';
import { AZURE_OPENAI_DESCRIPTOR } from './azure-openai/descriptor.ts';
import { FAKE_DESCRIPTOR } from './fake/descriptor.ts';
import { GEMINI_DESCRIPTOR } from './gemini/descriptor.ts';
import { OPENAI_DESCRIPTOR } from './openai/descriptor.ts';
import { OPENAI_COMPATIBLE_DESCRIPTOR } from './openai-compatible/descriptor.ts';
import { VERTEX_AI_DESCRIPTOR } from './vertex-ai/descriptor.ts';

export const DESCRIPTORS: Readonly<Record<string, ProviderDescriptor>> = Object.freeze({
  [OPENAI_DESCRIPTOR.type]: OPENAI_DESCRIPTOR,
  [OPENAI_COMPATIBLE_DESCRIPTOR.type]: OPENAI_COMPATIBLE_DESCRIPTOR,
  [ANTHROPIC_DESCRIPTOR.type]: ANTHROPIC_DESCRIPTOR,
  [COHERE_DESCRIPTOR.type]: COHERE_DESCRIPTOR,
  [AZURE_OPENAI_DESCRIPTOR.type]: AZURE_OPENAI_DESCRIPTOR,
  [BEDROCK_DESCRIPTOR.type]: BEDROCK_DESCRIPTOR,
  [GEMINI_DESCRIPTOR.type]: GEMINI_DESCRIPTOR,
  [VERTEX_AI_DESCRIPTOR.type]: VERTEX_AI_DESCRIPTOR,
  [FAKE_DESCRIPTOR.type]: FAKE_DESCRIPTOR,
});

/** The descriptor of a provider type, or undefined when this release does not serve it. */
export function descriptorFor(type: string): ProviderDescriptor | undefined {
  return Object.hasOwn(DESCRIPTORS, type) ? DESCRIPTORS[type] : undefined;
}

/** The provider types this release serves, in registry order. */
export function servedTypes(): string[] {
  return Object.keys(DESCRIPTORS);
}

/** The operation a client API performs. */
export function apiOperation(api: ClientApi): DescriptorOperation {
  if (api === 'openai-embeddings') return 'embeddings';
  if (api === 'openai-completions') return 'completions';
  return 'chat';
}

/** What a Provider of a type (and preset) gets from its descriptor: the preset's values override the type's. */
export interface EffectiveDescriptor {
  readonly defaultBaseURL: string | null;
  readonly nativeApis: readonly ClientApi[];
  readonly translatedApis: readonly ClientApi[];
  readonly operations: readonly DescriptorOperation[];
  readonly streamUsage: StreamUsageMode;
}

/** The descriptor's values for a preset; an absent or unknown preset gets the type's own (its `generic`). */
export function effectiveDescriptor(d: ProviderDescriptor, presetName: string | undefined): EffectiveDescriptor {
  const preset: PresetDescriptor | undefined = presetName !== undefined && d.presets !== undefined && Object.hasOwn(d.presets, presetName)
    ? d.presets[presetName]
    : undefined;
  const src = preset ?? d;
  return { defaultBaseURL: src.defaultBaseURL, nativeApis: src.nativeApis, translatedApis: src.translatedApis, operations: src.operations, streamUsage: src.streamUsage };
}

/** The preset names of a type (empty for types without presets). */
export function presetNames(type: string): string[] {
  return Object.keys(descriptorFor(type)?.presets ?? {});
}

/** The preset names of a type whose server has a default base URL (the others need spec.baseURL). */
export function presetsWithDefaultBaseURL(type: string): string[] {
  return Object.values(descriptorFor(type)?.presets ?? {}).filter((p) => p.defaultBaseURL !== null).map((p) => p.name);
}
