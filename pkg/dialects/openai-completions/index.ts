// The legacy OpenAI completions dialect, client side only (ADR 0016): a `/v1/completions` client in front of a
// provider that does not serve that API natively. Field policy: README.md.
import type { ClientCodec } from '../../canonical/codec.ts';
import { createCompletionStreamEncoder, decodeCompletionRequest, encodeCompletionResponse } from './client.ts';

export const clientCodec: ClientCodec = {
  decodeRequest: decodeCompletionRequest,
  encodeResponse: encodeCompletionResponse,
  createStreamEncoder: createCompletionStreamEncoder,
};

export { DEFAULT_MAX_TOKENS } from './client.ts';
