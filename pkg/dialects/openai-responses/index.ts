// The OpenAI Responses API (`POST /v1/responses`) as a client dialect: a pure codec from Responses requests to the
// canonical form and from canonical answers back to Responses JSON and SSE. It serves every target that is not OpenAI
// itself (OpenAI is reached by passthrough, which keeps its stateful and built-in-tool features).
import type { ClientCodec } from '../../canonical/codec.ts';
import { decodeRequest } from './decode-request.ts';
import { encodeResponse } from './encode-response.ts';
import { createStreamEncoder } from './stream-encoder.ts';

export { refuseStatefulFields, statefulFieldRefusal } from './stateful.ts';

export const clientCodec: ClientCodec = { decodeRequest, encodeResponse, createStreamEncoder };
