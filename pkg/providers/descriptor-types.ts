// The shape of a provider type's descriptor (design §3): the one place that says what a provider type is — its
// default base URL, how it authenticates, which client APIs it serves natively or through translation, which
// operations its upstream offers, how its streams report usage and which headers it always needs. The compiler,
// `switchyard validate`, the CRD docs and the adapter registry read descriptors; nothing else keeps such a table.
// Plain readonly data: no functions, so a descriptor can be printed, compared and golden-tested.
import type { ClientApi } from '../canonical/types.ts';

/** What an upstream offers (an endpoint family), independent of the client API a request arrives in. */
export type DescriptorOperation = 'chat' | 'completions' | 'embeddings';

/**
 * How the Provider's key reaches the upstream. `header`: in a header, either as "Bearer <key>" or as the raw key
 * (the Provider's `spec.auth.header` may name another header). `query`: as a query parameter (e.g. Gemini's `?key=`).
 * `sigv4`: the type signs requests (Bedrock); `service` goes into the `sigv4` / `aws-web-identity` credentials the
 * compiler builds from spec.auth.aws / awsWebIdentity. `oauth`: the type sends bearer tokens (Vertex AI); `scopes`
 * go into its `google` credentials. Which auth methods a type takes is pkg/api/provider.ts authMethodsFor();
 * spec.auth → TableCredential is pkg/compiler/credentials.ts. `none`: the type takes no credentials (fake).
 */
export type AuthScheme =
  | { readonly kind: 'header'; readonly header: string; readonly format: 'bearer' | 'raw' }
  | { readonly kind: 'query'; readonly param: string }
  | { readonly kind: 'sigv4'; readonly service: string }
  | { readonly kind: 'oauth'; readonly scopes: readonly string[] }
  | { readonly kind: 'none' };

/**
 * Whether streams report token usage, and how to ask. `stream_options`: only when the request carries
 * `stream_options: {include_usage: true}`. `always`: every stream reports it unasked (Anthropic's message_delta).
 * `never`: streams carry no usage (the gateway estimates it).
 */
export type StreamUsageMode = 'stream_options' | 'always' | 'never';

/**
 * Where an OpenAI-compatible server takes the chat output cap. `max_completion_tokens`: OpenAI's current field (such
 * servers also accept the older `max_tokens`, so client bodies are forwarded as sent). `max_tokens`: the only field
 * the server knows; a client's `max_completion_tokens` is renamed to it (pkg/providers/openai/request.ts
 * applyMaxTokensField), and translated requests use it.
 */
export type MaxTokensField = 'max_completion_tokens' | 'max_tokens';

/** The client APIs a provider (or one of its presets) serves. */
export interface ClientApiSupport {
  /** Served by passthrough: the client's bytes are forwarded, fields patched only where they must change. */
  readonly nativeApis: readonly ClientApi[];
  /** Served by translation through the canonical form. Disjoint from nativeApis. */
  readonly translatedApis: readonly ClientApi[];
}

/** One known server of a provider type (e.g. openai-compatible's vllm): overrides the type's defaults. */
export interface PresetDescriptor extends ClientApiSupport {
  readonly name: string;
  /** Human-readable name for docs, e.g. "vLLM". */
  readonly title: string;
  /** Base URL used when the Provider sets none; null when the server is self-hosted and spec.baseURL is required. */
  readonly defaultBaseURL: string | null;
  readonly streamUsage: StreamUsageMode;
  readonly operations: readonly DescriptorOperation[];
  /** The chat output-cap field the server takes. */
  readonly maxTokensField: MaxTokensField;
}

export interface ProviderDescriptor extends ClientApiSupport {
  /** The Provider spec.type value. */
  readonly type: string;
  /** One line for the CRD docs and docs/api.md. */
  readonly summary: string;
  /** Base URL used when the Provider sets none (and no preset gives one); null when spec.baseURL is required or unused (fake). */
  readonly defaultBaseURL: string | null;
  /** False for types that send no HTTP request (fake): baseURL is left empty. */
  readonly usesBaseURL: boolean;
  readonly auth: AuthScheme;
  /** Whether a Provider of this type must set spec.auth. */
  readonly authRequired: boolean;
  readonly operations: readonly DescriptorOperation[];
  readonly streamUsage: StreamUsageMode;
  /** Headers every upstream request carries (lower-case names), e.g. anthropic-version. Provider headers may override. */
  readonly requiredHeaders: Readonly<Record<string, string>>;
  /** Known servers, by preset name; the `generic` preset, when present, applies when the Provider names none. */
  readonly presets?: Readonly<Record<string, PresetDescriptor>>;
}
