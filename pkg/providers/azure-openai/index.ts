// Adapter for type azure-openai: the OpenAI passthrough adapter (pkg/providers/openai/passthrough.ts) — the same
// request patching, answers, streams, usage and the openai-chat codec for translated client APIs — with what Azure
// changes: the URL per deployment and api-version (endpoints.ts), the `api-key` header or an Entra ID bearer token
// (the table credential; entra.ts), content-filter results (content-filter.ts) and error classification (errors.ts).
import type { ProviderCodec } from '../../canonical/codec.ts';
import { createProviderCodec } from '../../dialects/openai-chat/index.ts';
import type { TableProvider } from '../../table/types.ts';
import { sanitizeMessage } from '../openai/errors.ts';
import { buildOpenAICanonical, createPassthroughAdapter } from '../openai/passthrough.ts';
import { buildOpenAINative } from '../openai/request.ts';
import type { WireQuirks } from '../openai/request.ts';
import type { AdapterDeps, ProviderAdapter, Transport } from '../types.ts';
import { azureChatCodec } from './content-filter.ts';
import { createEndpointMemo, urlStyle } from './endpoints.ts';
import { entraTokenSource, entraTransport } from './entra.ts';
import { classifyAzureError, redactTokens } from './errors.ts';

export interface AzureOpenAIAdapterOptions {
  readonly now?: () => number;
  readonly maxEventBytes?: number;
  /**
   * The provider codec for client APIs served by translation. Default: the openai-chat codec with the output cap
   * field the api-version takes and upstream messages sanitised for this provider.
   */
  readonly codec?: ProviderCodec;
  /** Overrides the HTTP transport (tests). */
  readonly transport?: Transport;
}

/** The HTTP transport, with the Entra ID bearer token in hand for an `entra` credential (the api-key is a header credential). */
function transportFor(provider: TableProvider, deps: AdapterDeps): Transport | undefined {
  const cred = provider.credential;
  if (cred?.kind !== 'entra') return undefined;
  return entraTransport(provider, deps, entraTokenSource(provider, cred, deps));
}

export function createAzureOpenAIAdapter(provider: TableProvider, deps: AdapterDeps, opts: AzureOpenAIAdapterOptions = {}): ProviderAdapter {
  if (provider.baseURL === '') throw new Error(`provider ${provider.id} has no baseURL`);
  const now = opts.now ?? Date.now;
  const style = urlStyle(provider.apiVersion);
  const quirks: WireQuirks = { streamOptions: style.streamOptions, maxTokensField: style.maxTokensField };
  const endpointsFor = createEndpointMemo(provider.baseURL, style);
  const codec = azureChatCodec(opts.codec ?? createProviderCodec({
    maxTokensField: style.maxTokensField,
    sanitize: (m) => redactTokens(sanitizeMessage(m, provider)),
    ...(opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes }),
  }));
  const transport = opts.transport ?? transportFor(provider, deps);
  const base = createPassthroughAdapter(provider, deps, {
    type: 'azure-openai',
    quirks,
    nativeApis: provider.nativeApis,
    codec,
    now,
    ...(opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes }),
    ...(transport === undefined ? {} : { transport }),
  });
  return {
    ...base,
    buildNative(req, target, ctx) {
      return buildOpenAINative(endpointsFor(target.model), quirks, req, target, ctx);
    },
    buildCanonical(creq, target, ctx) {
      return buildOpenAICanonical(codec, endpointsFor(target.model), quirks, creq, target, ctx);
    },
    classifyError(target, status, headers, body) {
      return classifyAzureError(target.provider, status, headers, body, now());
    },
  };
}
