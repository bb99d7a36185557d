// Pure request building for the bedrock provider: (canonical request, target) → an unsigned UpstreamRequest for
// POST /model/{modelId}/converse or /converse-stream. The model id is one path segment, percent-encoded as the AWS
// SDKs encode URI labels (so cross-region inference profile ids such as us.anthropic.claude-…-v1:0 and ARNs with
// "/" and ":" stay one segment). Signing happens later, in the adapter's transport (sign.ts), because it is async
// and needs the credentials in hand. No I/O.
import type { CanonicalRequest } from '../../canonical/types.ts';
import { encodeRequest } from '../../dialects/bedrock-converse/encode-request.ts';
import type { TableProvider } from '../../table/types.ts';
import type { UpstreamRequest } from '../types.ts';

/** What request building needs of a Provider. */
export type BedrockProvider = Pick<TableProvider, 'baseURL' | 'headers' | 'region' | 'credential'>;

// Framing, hop-by-hop and signing headers are ours to set; a Provider's extra headers cannot override them.
const RESERVED = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-authorization',
  'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256',
]);

/** The region requests are signed for and sent to: spec.region, else the credential's. */
export function bedrockRegion(provider: BedrockProvider): string {
  const c = provider.credential;
  const fromCredential = c !== null && (c.kind === 'sigv4' || c.kind === 'aws-web-identity') ? c.region : undefined;
  const region = provider.region ?? fromCredential;
  if (region === undefined || region === '') throw new Error('bedrock provider has no region');
  return region;
}

/** The base URL with "{region}" replaced (the default base URL names it), without a trailing slash. */
export function bedrockBaseURL(provider: BedrockProvider): string {
  const base = provider.baseURL.includes('{region}') ? provider.baseURL.split('{region}').join(bedrockRegion(provider)) : provider.baseURL;
  return base.replace(/\/+$/, '');
}

/** A URI label as the AWS SDKs encode it: encodeURIComponent plus !'()*. */
export function encodeLabel(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** "<origin>" and "<path>" of the Converse (or ConverseStream) endpoint for `model`. */
export function converseEndpoint(baseURL: string, model: string, stream: boolean): { readonly origin: string; readonly path: string } {
  const u = new URL(baseURL);
  const prefix = u.pathname.replace(/\/+$/, '');
  return { origin: u.origin, path: `${prefix}/model/${encodeLabel(model)}/${stream ? 'converse-stream' : 'converse'}` };
}

export function buildBedrockHeaders(provider: BedrockProvider, opts: { readonly requestId: string; readonly stream: boolean }): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(provider.headers)) if (!RESERVED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  headers['content-type'] = 'application/json';
  headers.accept = opts.stream ? 'application/vnd.amazon.eventstream' : 'application/json';
  headers['accept-encoding'] = 'identity';
  headers['x-request-id'] = opts.requestId;
  return headers;
}

/** The unsigned Converse / ConverseStream request for a canonical request; `body` may be given pre-serialised. */
export function buildConverseRequest(provider: BedrockProvider, creq: CanonicalRequest, model: string, requestId: string, body?: string): UpstreamRequest {
  const { origin, path } = converseEndpoint(bedrockBaseURL(provider), model, creq.stream);
  return {
    method: 'POST',
    origin,
    path,
    headers: buildBedrockHeaders(provider, { requestId, stream: creq.stream }),
    body: body ?? JSON.stringify(encodeRequest(creq, model)),
    stream: creq.stream,
  };
}
