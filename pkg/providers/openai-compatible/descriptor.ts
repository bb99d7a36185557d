// The openai-compatible provider type and its presets: servers that speak OpenAI's wire format. Each preset is one
// entry of plain data: the default base URL (null for self-hosted servers, whose address only the operator knows:
// spec.baseURL is then required), how streams report usage, which field takes the chat output cap, the client APIs
// the server serves natively (the rest of the chat family is translated to chat) and the operations it offers.
// The public pages each value relies on, and the values that could not be verified: README.md in this folder.
import type { ClientApi } from '../../canonical/types.ts';
import type { DescriptorOperation, MaxTokensField, PresetDescriptor, ProviderDescriptor, StreamUsageMode } from '../descriptor-types.ts';

const CHAT_FAMILY: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-responses', 'anthropic-messages'];

interface PresetFacts {
  readonly title: string;
  readonly baseURL: string | null;
  /** Client APIs the server serves itself (openai-chat always). */
  readonly native: readonly ClientApi[];
  readonly streamUsage: StreamUsageMode;
  readonly maxTokensField: MaxTokensField;
}

/** A preset's descriptor: chat-family APIs the server lacks are translated to chat; operations follow the native APIs. */
function preset(name: string, f: PresetFacts): PresetDescriptor {
  const operations: DescriptorOperation[] = ['chat'];
  if (f.native.includes('openai-completions')) operations.push('completions');
  if (f.native.includes('openai-embeddings')) operations.push('embeddings');
  return {
    name,
    title: f.title,
    defaultBaseURL: f.baseURL,
    nativeApis: f.native,
    translatedApis: CHAT_FAMILY.filter((a) => !f.native.includes(a)),
    operations,
    streamUsage: f.streamUsage,
    maxTokensField: f.maxTokensField,
  };
}

const CHAT: ClientApi = 'openai-chat';
const COMPLETIONS: ClientApi = 'openai-completions';
const EMBEDDINGS: ClientApi = 'openai-embeddings';
const RESPONSES: ClientApi = 'openai-responses';
const MESSAGES: ClientApi = 'anthropic-messages';

/** Known servers, by spec.preset. `generic` (no preset) assumes the common OpenAI surface and needs spec.baseURL. */
export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<string, PresetDescriptor>> = {
  generic: preset('generic', { title: 'any OpenAI-compatible server', baseURL: null, native: [CHAT, COMPLETIONS, EMBEDDINGS], streamUsage: 'stream_options', maxTokensField: 'max_completion_tokens' }),
  // Self-hosted: no default base URL.
  vllm: preset('vllm', { title: 'vLLM', baseURL: null, native: [CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, MESSAGES], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  sglang: preset('sglang', { title: 'SGLang', baseURL: null, native: [CHAT, COMPLETIONS, EMBEDDINGS], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  ollama: preset('ollama', { title: 'Ollama', baseURL: null, native: [CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, MESSAGES], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  lmstudio: preset('lmstudio', { title: 'LM Studio', baseURL: null, native: [CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES, MESSAGES], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  // Hosted.
  groq: preset('groq', { title: 'Groq', baseURL: 'https://api.groq.com/openai/v1', native: [CHAT], streamUsage: 'stream_options', maxTokensField: 'max_completion_tokens' }),
  // Mistral reports usage in the last chunk of every stream; stream_options is not sent.
  mistral: preset('mistral', { title: 'Mistral AI', baseURL: 'https://api.mistral.ai/v1', native: [CHAT, EMBEDDINGS], streamUsage: 'always', maxTokensField: 'max_tokens' }),
  together: preset('together', { title: 'Together AI', baseURL: 'https://api.together.ai/v1', native: [CHAT, COMPLETIONS, EMBEDDINGS], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  fireworks: preset('fireworks', { title: 'Fireworks AI', baseURL: 'https://api.fireworks.ai/inference/v1', native: [CHAT, COMPLETIONS, EMBEDDINGS, MESSAGES], streamUsage: 'always', maxTokensField: 'max_tokens' }),
  deepseek: preset('deepseek', { title: 'DeepSeek', baseURL: 'https://api.deepseek.com/v1', native: [CHAT], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  openrouter: preset('openrouter', { title: 'OpenRouter', baseURL: 'https://openrouter.ai/api/v1', native: [CHAT, COMPLETIONS], streamUsage: 'always', maxTokensField: 'max_tokens' }),
  xai: preset('xai', { title: 'xAI (Grok)', baseURL: 'https://api.x.ai/v1', native: [CHAT, COMPLETIONS, RESPONSES], streamUsage: 'stream_options', maxTokensField: 'max_tokens' }),
  perplexity: preset('perplexity', { title: 'Perplexity (Sonar)', baseURL: 'https://api.perplexity.ai', native: [CHAT], streamUsage: 'always', maxTokensField: 'max_tokens' }),
};

const GENERIC = OPENAI_COMPATIBLE_PRESETS.generic as PresetDescriptor;

/** Preset names whose server has a default base URL (the others need spec.baseURL); read by the Provider schema. */
export const PRESETS_WITH_DEFAULT_BASE_URL: readonly string[] = Object.values(OPENAI_COMPATIBLE_PRESETS).filter((p) => p.defaultBaseURL !== null).map((p) => p.name);

export const OPENAI_COMPATIBLE_DESCRIPTOR: ProviderDescriptor = {
  type: 'openai-compatible',
  summary: 'Any server speaking OpenAI\'s wire format; spec.preset names a known one (vLLM, SGLang, Ollama, LM Studio, Groq, Mistral, Together, Fireworks, DeepSeek, OpenRouter, xAI, Perplexity). spec.baseURL is required without a preset and for self-hosted presets.',
  defaultBaseURL: null,
  usesBaseURL: true,
  auth: { kind: 'header', header: 'authorization', format: 'bearer' },
  authRequired: false,
  nativeApis: GENERIC.nativeApis,
  translatedApis: GENERIC.translatedApis,
  operations: GENERIC.operations,
  streamUsage: GENERIC.streamUsage,
  requiredHeaders: {},
  presets: OPENAI_COMPATIBLE_PRESETS,
};
