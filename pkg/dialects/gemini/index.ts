// The Gemini dialect (Google Generative Language API; also the body of Gemini models on Vertex AI), provider side
// only: no client speaks it to the gateway. Every function is pure and assumes neither the URL nor the credential, so
// pkg/providers/gemini (x-goog-api-key on generativelanguage.googleapis.com) and Vertex AI (bearer token on
// aiplatform.googleapis.com) share it.
import type { ProviderCodec } from '../../canonical/codec.ts';
import { decodeResponse } from './decode-response.ts';
import { encodeRequest } from './encode-request.ts';
import { createStreamDecoder } from './stream-decoder.ts';

export const providerCodec: ProviderCodec = { encodeRequest, decodeResponse, createStreamDecoder: () => createStreamDecoder() };

export { canonicalStopReason, canonicalUsage, decodeResponse } from './decode-response.ts';
export { EFFORT_BUDGET, MAX_STOP_SEQUENCES, encodeRequest, mimeFromUrl } from './encode-request.ts';
export { createStreamDecoder } from './stream-decoder.ts';
export { decodeEmbeddingsResponse, encodeEmbeddingsRequest, modelResource } from './embeddings.ts';
export { googleErrorStatus, googleStatusKind, isApiKeyError, isContextLengthMessage, retryDelaySeconds } from './errors.ts';
export { SKIP_SIGNATURE, isGemini3OrLater, parseToolCallId, toolCallId } from './signatures.ts';
export type * from './wire.ts';
