// The OpenAI chat dialect (ADR 0016): client codec (an OpenAI chat client in front of any provider) and provider
// codec (any client in front of an OpenAI-shaped upstream). Field policy and lossy spots: README.md.
import type { ClientCodec, ProviderCodec } from '../../canonical/codec.ts';
import { decodeChatRequest } from './client-request.ts';
import { createChatStreamEncoder, encodeChatResponse } from './client-response.ts';
import { encodeChatRequest } from './provider-request.ts';
import type { ChatRequestOptions } from './provider-request.ts';
import { decodeChatResponse } from './provider-response.ts';
import type { Sanitize } from './provider-response.ts';
import { createChatStreamDecoder } from './provider-stream.ts';

export const clientCodec: ClientCodec = {
  decodeRequest: decodeChatRequest,
  encodeResponse: encodeChatResponse,
  createStreamEncoder: createChatStreamEncoder,
};

export interface ChatProviderCodecOptions extends ChatRequestOptions {
  /** Makes upstream error messages safe for the client; adapters bind pkg/providers/openai/errors.ts sanitizeMessage. */
  readonly sanitize?: Sanitize;
  /** Cap on one upstream stream event (default 1 MiB). */
  readonly maxEventBytes?: number;
}

/** A provider codec with per-provider options (output-cap field name, error sanitiser). */
export function createProviderCodec(opts: ChatProviderCodecOptions = {}): ProviderCodec {
  const decoderOpts = { ...(opts.sanitize === undefined ? {} : { sanitize: opts.sanitize }), ...(opts.maxEventBytes === undefined ? {} : { maxEventBytes: opts.maxEventBytes }) };
  return {
    encodeRequest: (req, model) => encodeChatRequest(req, model, opts),
    decodeResponse: decodeChatResponse,
    createStreamDecoder: () => createChatStreamDecoder(decoderOpts),
  };
}

/** Defaults: `max_completion_tokens`, key-pattern redaction of upstream error messages. */
export const providerCodec: ProviderCodec = createProviderCodec();

export { chatStreamError, DONE_LINE } from './client-response.ts';
export { streamErrorOf, defaultSanitize } from './provider-response.ts';
export type { Sanitize } from './provider-response.ts';
