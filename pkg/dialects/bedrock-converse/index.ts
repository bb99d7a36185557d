// The Bedrock Converse dialect (provider side only): canonical ⇄ Converse / ConverseStream, ADR 0016.
import type { ProviderCodec } from '../../canonical/codec.ts';
import { decodeResponse } from './decode-response.ts';
import { encodeRequest } from './encode-request.ts';
import { createStreamDecoder } from './stream-decoder.ts';

export const providerCodec: ProviderCodec = { encodeRequest, decodeResponse, createStreamDecoder: () => createStreamDecoder() };

export { canonicalStopReason, canonicalUsage, decodeResponse } from './decode-response.ts';
export { encodeRequest, isAnthropicModel } from './encode-request.ts';
export { CONTEXT_LENGTH, exceptionKey, exceptionKind } from './errors.ts';
export { createEventStreamSplitter, newEventStreamCodec } from './event-stream.ts';
export { createStreamDecoder, streamError } from './stream-decoder.ts';
export type * from './wire.ts';
