// The OpenAI-dialect adapter shared by type openai and type openai-compatible. Native pairs are passthrough: the
// client body is patched (model, stream_options) and forwarded; answers and stream events pass through unchanged.
// Every other client API goes through the canonical form and the openai-chat provider codec.
import type { ProviderCodec } from '../../canonical/codec.ts';
import type { CanonicalRequest, ClientApi } from '../../canonical/types.ts';
import type { IngressRequest } from '../../ingress/types.ts';
import type { AdapterDeps, BoundTarget, BuildContext, ProviderAdapter, StreamTranslator, Transport, UpstreamRequest } from '../types.ts';
import type { TableProvider } from '../../table/types.ts';
import { authorize } from '../http/authorize.ts';
import { httpTransport } from '../http/send.ts';
import { classifyOpenAIError } from './errors.ts';
import { createResponsesStreamTranslator } from './openai-responses.ts';
import { buildHeaders, buildOpenAINative, memoBody, openAIEndpoints, patchBody } from './request.ts';
import type { WireQuirks } from './request.ts';
import { translateOpenAIResponse } from './response.ts';
import { createOpenAIStreamTranslator } from './stream.ts';

export interface PassthroughOptions {
  readonly type: string;
  readonly quirks: WireQuirks;
  /** Client APIs the upstream serves natively. */
  readonly nativeApis: readonly ClientApi[];
  /** The openai-chat provider codec for every other client API (null: native APIs only). */
  readonly codec: ProviderCodec | null;
  /** Clock for Retry-After HTTP-dates. Default Date.now. */
  readonly now?: () => number;
  /** Cap on one upstream stream event. Default 1 MiB. */
  readonly maxEventBytes?: number;
  /** Overrides the HTTP transport (the fake provider answers in-process). */
  readonly transport?: Transport;
}

/** The canonical request encoded by the openai-chat codec, patched like a native chat body. */
export function buildOpenAICanonical(
  codec: ProviderCodec, endpoints: ReturnType<typeof openAIEndpoints>, quirks: WireQuirks, creq: CanonicalRequest, target: BoundTarget, ctx: BuildContext,
): UpstreamRequest {
  const endpoint = endpoints['openai-chat'];
  if (endpoint === undefined) throw new Error('OpenAI adapter: no chat endpoint');
  const key = `openai-canonical|${quirks.streamOptions}|${quirks.maxTokensField ?? ''}|${target.provider.streamUsage}|${target.model}`;
  const headers = buildHeaders(target.provider, ctx.requestId, creq.stream);
  return {
    method: 'POST',
    origin: endpoint.origin,
    path: authorize(target.provider.credential, headers, endpoint),
    headers,
    body: memoBody(ctx, key, () => patchBody(codec.encodeRequest(creq, target.model), 'openai-chat', creq.stream, target, quirks)),
    stream: creq.stream,
  };
}

export function createPassthroughAdapter(provider: TableProvider, deps: AdapterDeps, opts: PassthroughOptions): ProviderAdapter {
  if (provider.baseURL === '' && opts.transport === undefined) throw new Error(`provider ${provider.id} has no baseURL`);
  const nativeApis: ReadonlySet<ClientApi> = new Set(opts.nativeApis);
  const endpoints = openAIEndpoints(provider.baseURL === '' ? 'http://fake.invalid' : provider.baseURL, new Set<ClientApi>([...opts.nativeApis, 'openai-chat']));
  const now = opts.now ?? Date.now;
  const streamOpts = opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes };
  const codec = opts.codec;

  return {
    type: opts.type,
    nativeApis,
    providerCodec: codec,
    buildNative(req: IngressRequest, target: BoundTarget, ctx: BuildContext) {
      return buildOpenAINative(endpoints, opts.quirks, req, target, ctx);
    },
    buildCanonical(creq, target, ctx) {
      if (codec === null) throw new Error(`provider type ${opts.type} has no codec for translated requests`);
      return buildOpenAICanonical(codec, endpoints, opts.quirks, creq, target, ctx);
    },
    classifyError(target, status, headers, body) {
      return classifyOpenAIError(target.provider, status, headers, body, now());
    },
    nativeResponse(req, target, body) {
      return translateOpenAIResponse(req.api, target.provider, body);
    },
    nativeStream(req, target): StreamTranslator {
      if (req.api === 'openai-responses') return createResponsesStreamTranslator({ provider: target.provider }, streamOpts);
      return createOpenAIStreamTranslator({ provider: target.provider, wantsUsage: req.wantsUsage }, streamOpts);
    },
    transport: opts.transport ?? httpTransport(provider, deps),
  };
}
