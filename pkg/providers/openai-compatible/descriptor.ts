// The openai-compatible provider type and its presets: servers that speak OpenAI's wire format. A preset fills the
// default base URL, says whether streams report usage and which client APIs the server serves natively; the rest of
// the chat family is translated to chat. Self-hosted servers default to their documented local port.
import type { ClientApi } from '../../canonical/types.ts';
import type { DescriptorOperation, PresetDescriptor, ProviderDescriptor, StreamUsageMode } from '../descriptor-types.ts';

const CHAT_FAMILY: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-responses', 'anthropic-messages'];

/** A preset whose server natively serves `native`; chat-family APIs it lacks are translated to chat. */
function preset(name: string, title: string, defaultBaseURL: string | null, native: readonly ClientApi[], streamUsage: StreamUsageMode = 'stream_options'): PresetDescriptor {
  const operations: DescriptorOperation[] = ['chat'];
  if (native.includes('openai-completions')) operations.push('completions');
  if (native.includes('openai-embeddings')) operations.push('embeddings');
  return { name, title, defaultBaseURL, nativeApis: native, translatedApis: CHAT_FAMILY.filter((a) => !native.includes(a)), operations, streamUsage };
}

const FULL: readonly ClientApi[] = ['openai-chat', 'openai-completions', 'openai-embeddings'];

/** Known servers, by spec.preset. `generic` (no preset) assumes the common OpenAI surface and needs spec.baseURL. */
export const OPENAI_COMPATIBLE_PRESETS: Readonly<Record<string, PresetDescriptor>> = {
  generic: preset('generic', 'any OpenAI-compatible server', null, FULL),
  vllm: preset('vllm', 'vLLM', 'http://localhost:8000/v1', FULL),
  sglang: preset('sglang', 'SGLang', 'http://localhost:30000/v1', FULL),
  ollama: preset('ollama', 'Ollama', 'http://localhost:11434/v1', FULL),
  groq: preset('groq', 'Groq', 'https://api.groq.com/openai/v1', ['openai-chat']),
  // Mistral rejects stream_options and reports usage in the last chunk of every stream.
  mistral: preset('mistral', 'Mistral AI', 'https://api.mistral.ai/v1', ['openai-chat', 'openai-embeddings'], 'always'),
  together: preset('together', 'Together AI', 'https://api.together.xyz/v1', FULL),
  deepseek: preset('deepseek', 'DeepSeek', 'https://api.deepseek.com/v1', ['openai-chat']),
  fireworks: preset('fireworks', 'Fireworks AI', 'https://api.fireworks.ai/inference/v1', FULL),
  openrouter: preset('openrouter', 'OpenRouter', 'https://openrouter.ai/api/v1', ['openai-chat', 'openai-completions']),
};

const GENERIC = OPENAI_COMPATIBLE_PRESETS.generic as PresetDescriptor;

export const OPENAI_COMPATIBLE_DESCRIPTOR: ProviderDescriptor = {
  type: 'openai-compatible',
  summary: 'Any server speaking OpenAI\'s wire format (vLLM, SGLang, Ollama, Groq, Mistral, Together, DeepSeek, Fireworks, OpenRouter via spec.preset); spec.baseURL is required without a preset.',
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
