// Adapter for type bedrock (Amazon Bedrock Converse / ConverseStream). No client API is native: every one goes
// through the canonical form and the bedrock-converse provider codec (pkg/dialects/bedrock-converse/); OpenAI
// embeddings through InvokeModel with the model family's body (embeddings.ts). Requests are built unsigned by the
// pure builders (request.ts, embeddings.ts); the adapter's transport signs each one with SigV4 (sign.ts) using the
// credentials in hand (credentials.ts) just before handing it to the shared HTTP transport. Bodies are serialised
// once per upstream model (BuildContext.bodies); signing happens per attempt (the date changes).
import type { ProviderCodec } from '../../canonical/codec.ts';
import { providerCodec } from '../../dialects/bedrock-converse/index.ts';
import { encodeRequest } from '../../dialects/bedrock-converse/encode-request.ts';
import type { TableProvider } from '../../table/types.ts';
import { httpTransport } from '../http/send.ts';
import { memoBody } from '../openai/request.ts';
import type { AdapterDeps, ProviderAdapter, Transport, UpstreamRequest } from '../types.ts';
import { credentialsFor } from './credentials.ts';
import type { CredentialsInHand, WebIdentityOptions } from './credentials.ts';
import { BEDROCK_SIGNING_SERVICE } from './descriptor.ts';
import { bedrockEmbeddings } from './embeddings.ts';
import { bedrockMessage, classifyBedrockError } from './errors.ts';
import { bedrockBaseURL, bedrockRegion, buildConverseRequest } from './request.ts';
import { loadSigner, newSigner, signRequest } from './sign.ts';
import type { AwsCredentials } from './sign.ts';

export interface BedrockAdapterOptions extends WebIdentityOptions {
  readonly now?: () => number;
}

/** Wraps `inner` so that every request is SigV4-signed with the credentials in hand when it is sent. */
export function signingTransport(inner: Transport, credentials: CredentialsInHand, region: string, service: string, now: () => number = Date.now): Transport {
  let last: { creds: AwsCredentials; signer: ReturnType<typeof newSigner> } | undefined;
  loadSigner(); // at table load, never on a request (ADR 0025)
  return async (req, timeouts, signal) => {
    const creds = credentials();
    if (last?.creds !== creds) last = { creds, signer: newSigner(creds, region, service) };
    const signed = await signRequest(req, last.signer, { region, service, date: new Date(now()) });
    return inner(signed, timeouts, signal);
  };
}

/** The dialect codec with in-stream exception messages sanitised like HTTP error messages (no secrets, no host). */
export function sanitizingCodec(provider: TableProvider): ProviderCodec {
  return {
    ...providerCodec,
    createStreamDecoder() {
      const inner = providerCodec.createStreamDecoder();
      const clean = (events: ReturnType<typeof inner.push>): ReturnType<typeof inner.push> =>
        events.map((ev) => (ev.type === 'error' ? { ...ev, error: { ...ev.error, message: bedrockMessage(ev.error.message, provider) } } : ev));
      return { push: (chunk) => clean(inner.push(chunk)), end: () => clean(inner.end()) };
    },
  };
}

function notNative(): never {
  throw new Error('the bedrock provider serves no client API natively');
}

export function createBedrockAdapter(provider: TableProvider, deps: AdapterDeps, opts: BedrockAdapterOptions = {}): ProviderAdapter {
  const now = opts.now ?? Date.now;
  const region = bedrockRegion(provider);
  // The provider as sent to: the default base URL's "{region}" filled in (pools and error sanitising read baseURL).
  const resolved: TableProvider = { ...provider, baseURL: bedrockBaseURL(provider) };
  const service = provider.credential !== null && 'service' in provider.credential ? provider.credential.service : BEDROCK_SIGNING_SERVICE;
  const credentials = credentialsFor(provider, deps, opts);
  return {
    type: 'bedrock',
    nativeApis: new Set(),
    providerCodec: sanitizingCodec(resolved),
    buildNative: notNative,
    buildCanonical(creq, target, ctx): UpstreamRequest {
      const body = memoBody(ctx, `bedrock|${target.model}`, () => encodeRequest(creq, target.model));
      return buildConverseRequest(resolved, creq, target.model, ctx.requestId, body);
    },
    classifyError(_target, status, headers, body) {
      return classifyBedrockError(resolved, status, headers, body, now());
    },
    nativeResponse: notNative,
    nativeStream: notNative,
    transport: signingTransport(httpTransport(resolved, deps), credentials, region, service, now),
    embeddings: bedrockEmbeddings(resolved),
  };
}
