// Which client operations a target can serve, from its Provider's declared model capabilities (design §3, issue 6
// point 4). Decided once per target when the table loads; the request path only reads booleans.
//
// Rule: an operation is served when the model lists the capability of the same name (`chat` for chat completions,
// `embeddings` for embeddings). A model the Provider does not list, or a Provider whose models are not listed
// (modelsListed=false, "any model"), can serve any operation: nothing declared, nothing to enforce.
import { CLIENT_APIS } from '../canonical/types.ts';
import type { ClientApi } from '../canonical/types.ts';
import type { Operation } from '../providers/types.ts';
import type { TableProvider } from '../table/types.ts';

export type OperationSet = Readonly<Record<Operation, boolean>>;

export const OPERATIONS: readonly Operation[] = ['chat', 'embeddings'];

export const ANY_OPERATION: OperationSet = Object.freeze({ chat: true, embeddings: true });

export interface TargetOperations {
  readonly ops: OperationSet;
  /** The declared capabilities; null when nothing is declared (any operation). */
  readonly capabilities: readonly string[] | null;
}

export function targetOperations(provider: TableProvider, model: string): TargetOperations {
  if (!provider.modelsListed || !Object.hasOwn(provider.models, model)) return { ops: ANY_OPERATION, capabilities: null };
  const capabilities = provider.models[model]?.capabilities ?? [];
  return { ops: { chat: capabilities.includes('chat'), embeddings: capabilities.includes('embeddings') }, capabilities };
}

const OPERATION_TEXT: Readonly<Record<Operation, string>> = { chat: 'chat completions', embeddings: 'embeddings' };

/** The 400 message: names the model, the refused operation and what the route's targets declare. */
export function unsupportedMessage(model: string, op: Operation, declared: readonly string[]): string {
  const what = declared.length === 0 ? 'no capabilities' : declared.join(', ');
  return `The model ${JSON.stringify(model)} does not support ${OPERATION_TEXT[op]}: its providers declare ${what}.`;
}

// Client APIs (issue 7 point 4). A target serves a client API when it can serve the API's operation (above) and its
// provider serves the API natively (passthrough) or through translation, as the provider's descriptor says
// (TableProvider.nativeApis / translatedApis). A table from before descriptors carries neither: then every provider
// is taken as OpenAI-shaped (chat and embeddings native, the other APIs translated), and the `anthropic` type as
// serving Messages natively and the OpenAI chat-like APIs through translation. Translated embeddings (issue 9) go
// through the canonical embeddings form; only descriptors list them.

/** How a target serves a client API: 'native' (passthrough), 'translated', or null (not at all). */
export type ApiMode = 'native' | 'translated' | null;
export type ApiSet = Readonly<Record<ClientApi, ApiMode>>;

export function operationOf(api: ClientApi): Operation {
  return api === 'openai-embeddings' ? 'embeddings' : 'chat';
}

interface ApiSupportLike {
  readonly type: string;
  readonly nativeApis?: readonly ClientApi[];
  readonly translatedApis?: readonly ClientApi[];
}

const OPENAI_SHAPED = { native: ['openai-chat', 'openai-embeddings'], translated: ['openai-completions', 'openai-responses', 'anthropic-messages'] } as const;
const ANTHROPIC_SHAPED = { native: ['anthropic-messages'], translated: ['openai-chat', 'openai-completions', 'openai-responses'] } as const;

export function targetApis(provider: TableProvider, ops: OperationSet): ApiSet {
  const p = provider as unknown as ApiSupportLike;
  const fallback = p.type === 'anthropic' ? ANTHROPIC_SHAPED : OPENAI_SHAPED;
  const native: readonly ClientApi[] = p.nativeApis ?? fallback.native;
  const translated: readonly ClientApi[] = p.translatedApis ?? fallback.translated;
  const out = {} as Record<ClientApi, ApiMode>;
  for (const api of CLIENT_APIS) {
    const mode: ApiMode = native.includes(api) ? 'native' : translated.includes(api) ? 'translated' : null;
    out[api] = ops[operationOf(api)] ? mode : null;
  }
  return out;
}

const API_TEXT: Readonly<Record<ClientApi, string>> = {
  'openai-chat': 'the OpenAI Chat Completions API',
  'openai-completions': 'the OpenAI Completions API',
  'openai-embeddings': 'the OpenAI Embeddings API',
  'openai-responses': 'the OpenAI Responses API',
  'anthropic-messages': 'the Anthropic Messages API',
};

/** The 400 message when no target of a route serves `api`. */
export function unsupportedApiMessage(model: string, api: ClientApi, providerTypes: readonly string[]): string {
  return `The model ${JSON.stringify(model)} cannot be called through ${API_TEXT[api]}: its providers (${providerTypes.join(', ') || 'none'}) serve it neither natively nor through translation.`;
}

/** The 400 message when a request would need a translation the gateway does not have yet. */
export function noTranslationMessage(model: string, api: ClientApi): string {
  return `The model ${JSON.stringify(model)} is served by providers that do not speak ${API_TEXT[api]} natively, and the gateway cannot translate ${API_TEXT[api]} yet.`;
}
