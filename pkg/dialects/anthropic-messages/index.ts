// The Anthropic Messages dialect (client and provider sides), ADR 0016.
import type { ClientCodec, ProviderCodec } from '../../canonical/codec.ts';
import { decodeRequest } from './decode-request.ts';
import { decodeResponse } from './decode-response.ts';
import { encodeRequest } from './encode-request.ts';
import { encodeResponse } from './encode-response.ts';
import { createStreamDecoder } from './stream-decoder.ts';
import { createStreamEncoder } from './stream-encoder.ts';

export const clientCodec: ClientCodec = { decodeRequest, encodeResponse, createStreamEncoder };

export const providerCodec: ProviderCodec = { encodeRequest, decodeResponse, createStreamDecoder: () => createStreamDecoder() };

export { ANTHROPIC_ERROR_TYPE_BY_GATEWAY_TYPE, anthropicErrorBody, anthropicErrorType, streamErrorKind } from './errors.ts';
export { EFFORT_BUDGET_TOKENS, defaultMaxTokens } from './encode-request.ts';
export { createStreamDecoder } from './stream-decoder.ts';
export type * from './wire.ts';
