// What every attempt of one request shares: the ingress request and its ingress, the build context (upstream
// bodies serialised once per upstream model) and the canonical request (chat or embeddings form), decoded at most
// once and only when an attempt goes to a target that does not serve the client API natively.
import type { EncodeContext } from '../../canonical/codec.ts';
import type { CanonicalEmbeddingsRequest } from '../../canonical/embeddings.ts';
import type { CanonicalRequest } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { Ingress, IngressRequest } from '../../ingress/types.ts';
import type { BuildContext } from '../../providers/types.ts';
import type { RequestState } from '../request-state.ts';

export class Job {
  readonly req: IngressRequest;
  readonly ingress: Ingress;
  readonly build: BuildContext;
  #canonical: CanonicalRequest | null = null;
  #embeddings: CanonicalEmbeddingsRequest | null = null;
  #encode: EncodeContext | null = null;
  readonly #st: RequestState;

  constructor(st: RequestState, req: IngressRequest, ingress: Ingress) {
    this.#st = st;
    this.req = req;
    this.ingress = ingress;
    this.build = { requestId: st.id, bodies: new Map() };
  }

  /** The canonical request; throws GatewayError (invalid_request) when the client body cannot be translated. */
  canonical(): CanonicalRequest {
    if (this.#canonical !== null) return this.#canonical;
    const codec = this.ingress.codec;
    if (codec === null) throw new GatewayError('invalid_request', { message: `The ${this.req.api} API is only served by passthrough, and this target does not serve it.` });
    this.#canonical = codec.decodeRequest(this.req.body);
    return this.#canonical;
  }

  /** The canonical embeddings request; throws GatewayError (invalid_request) when the client body cannot be translated. */
  embeddingsRequest(): CanonicalEmbeddingsRequest {
    if (this.#embeddings !== null) return this.#embeddings;
    const codec = this.ingress.embeddingsCodec;
    if (codec === undefined) throw new GatewayError('invalid_request', { message: `The ${this.req.api} API has no embeddings translation.` });
    this.#embeddings = codec.decodeRequest(this.req.body);
    return this.#embeddings;
  }

  /** Values the client codec needs to encode answers (ids and timestamps it must not invent). */
  encodeContext(): EncodeContext {
    if (this.#encode !== null) return this.#encode;
    const base = { model: this.req.model, requestId: this.#st.id, nowSec: Math.floor(this.#st.core.now() / 1000), streamUsage: this.req.wantsUsage };
    this.#encode = this.#canonical === null ? base : { ...base, request: this.#canonical };
    return this.#encode;
  }
}
