// The Cohere Chat v2 dialect, provider side only (no client speaks it to the gateway), ADR 0016. Field policy and
// lossy spots: pkg/providers/cohere/README.md.
import type { ProviderCodec } from '../../canonical/codec.ts';
import { decodeResponse } from './decode-response.ts';
import { encodeRequest } from './encode-request.ts';
import { createStreamDecoder } from './stream-decoder.ts';
import type { CohereStreamDecoderOptions } from './stream-decoder.ts';

/** A provider codec whose stream decoder sanitises upstream error text with `opts.sanitize` (the adapter's). */
export function createProviderCodec(opts: CohereStreamDecoderOptions = {}): ProviderCodec {
  return { encodeRequest, decodeResponse, createStreamDecoder: () => createStreamDecoder(opts) };
}

export const providerCodec: ProviderCodec = createProviderCodec();

export { canonicalStopReason, canonicalUsage, decodeResponse } from './decode-response.ts';
export { encodeRequest, MAX_STOP_SEQUENCES } from './encode-request.ts';
export { createStreamDecoder } from './stream-decoder.ts';
export type * from './wire.ts';
