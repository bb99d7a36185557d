// Translated embeddings (issue 9): the canonical embeddings answer an adapter decoded, checked and encoded in the
// client's dialect with the usage the core records. A provider that reports no token count (Gemini's embedContent
// does not) gets the estimate of estimate.ts (one token per 4 characters of input), reported to the client as well
// and marked estimated in the access log, so the quota settles and the cost is charged on the same figure.
import type { CanonicalEmbeddingsRequest, CanonicalEmbeddingsResponse, EmbeddingsClientCodec } from '../../canonical/embeddings.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import type { TranslatedResponse, Usage } from '../../providers/types.ts';
import { estimateTokensFromChars } from './estimate.ts';

function checkVectors(resp: CanonicalEmbeddingsResponse, req: CanonicalEmbeddingsRequest): void {
  if (resp.vectors.length !== req.inputs.length) {
    throw new UpstreamFailureError({
      kind: 'invalid',
      message: `The upstream provider returned ${resp.vectors.length} embeddings for ${req.inputs.length} inputs.`,
    });
  }
  for (const v of resp.vectors) {
    if (v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new UpstreamFailureError({ kind: 'invalid', message: 'The upstream provider returned an embedding that is not a list of numbers.' });
    }
  }
}

/** The client's answer and the usage to record, from an adapter's decoded answer. Throws UpstreamFailureError('invalid'). */
export function embeddingsAnswer(
  codec: EmbeddingsClientCodec, req: CanonicalEmbeddingsRequest, resp: CanonicalEmbeddingsResponse, model: string,
): TranslatedResponse {
  checkVectors(resp, req);
  let usage: Usage;
  let answer = resp;
  if (resp.usage !== null) {
    const n = resp.usage.inputTokens;
    usage = { inputTokens: n, outputTokens: 0, totalTokens: n };
  } else {
    const n = estimateTokensFromChars(req.inputs.reduce((sum, s) => sum + s.length, 0));
    usage = { inputTokens: n, outputTokens: 0, totalTokens: n, estimated: true };
    answer = { vectors: resp.vectors, usage: { inputTokens: n } };
  }
  return { body: codec.encodeResponse(answer, req, model), usage };
}
