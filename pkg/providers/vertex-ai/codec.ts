// The provider codec of vertex-ai: one ProviderCodec for two wire formats. The core asks an adapter for one codec and
// does not say which target an answer came from, so:
//   - encodeRequest(req, model) picks the format from the model name (endpoint.ts vertexFamily): the Anthropic
//     codec's body, patched for rawPredict (no `model`, anthropic_version), or the Gemini codec's body;
//   - decodeResponse(body) recognises the answer by its shape: an Anthropic message ({type:"message"} / role
//     "assistant" with content blocks) or a Gemini GenerateContentResponse (everything else, which the Gemini codec
//     checks);
//   - a stream decoder holds the first bytes until the first SSE field line is complete: an `event:` line (Anthropic
//     names every event) or a `data:` line whose JSON has a string `type` is Anthropic, any other `data:` line is
//     Gemini (alt=sse sends bare data lines). Then every byte, the held ones first, goes to that codec's decoder, so
//     the result does not depend on how the bytes were split.
// Pure: the two dialect codecs do the work.
import type { ProviderCodec, StreamDecoder } from '../../canonical/codec.ts';
import type { CanonicalRequest, CanonicalResponse, StreamEvent } from '../../canonical/types.ts';
import { providerCodec as anthropicCodec } from '../../dialects/anthropic-messages/index.ts';
import { providerCodec as geminiCodec } from '../../dialects/gemini/index.ts';
import { encodeVertexAnthropic } from './anthropic.ts';
import { vertexFamily } from './endpoint.ts';

function isAnthropicMessage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const o = body as Record<string, unknown>;
  return o.type === 'message' || (o.role === 'assistant' && Array.isArray(o.content));
}

/** How far we look for the first field line before deciding (an SSE comment or a blank line may come first). */
const MAX_SNIFF_BYTES = 64 * 1024;

/** 'anthropic' | 'google' from the first complete field line of an SSE text, or null when none is complete yet. */
export function sniffStream(text: string, final: boolean): 'anthropic' | 'google' | null {
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl === -1 && !final) return null;
    const line = (nl === -1 ? text.slice(from) : text.slice(from, nl)).replace(/\r$/, '');
    if (line.startsWith('event:')) return 'anthropic';
    if (line.startsWith('data:')) {
      try {
        const data = JSON.parse(line.slice(5).trim()) as unknown;
        return typeof data === 'object' && data !== null && typeof (data as Record<string, unknown>).type === 'string' ? 'anthropic' : 'google';
      } catch {
        return 'google';
      }
    }
    if (nl === -1) return final ? 'google' : null;
    from = nl + 1;
  }
}

function createSniffingDecoder(): StreamDecoder {
  const held: Uint8Array[] = [];
  let heldText = '';
  let heldBytes = 0;
  let inner: StreamDecoder | null = null;
  const utf8 = new TextDecoder();

  /** Picks the decoder and feeds it the held bytes. */
  function choose(family: 'anthropic' | 'google'): { readonly decoder: StreamDecoder; readonly events: StreamEvent[] } {
    const decoder = family === 'anthropic' ? anthropicCodec.createStreamDecoder() : geminiCodec.createStreamDecoder();
    inner = decoder;
    const events: StreamEvent[] = [];
    for (const c of held) events.push(...decoder.push(c));
    held.length = 0;
    return { decoder, events };
  }

  return {
    push(chunk) {
      if (inner !== null) return inner.push(chunk);
      held.push(chunk);
      heldBytes += chunk.byteLength;
      heldText += utf8.decode(chunk, { stream: true });
      const family = sniffStream(heldText, heldBytes >= MAX_SNIFF_BYTES);
      return family === null ? [] : choose(family).events;
    },
    end() {
      if (inner !== null) return inner.end();
      heldText += utf8.decode();
      const { decoder, events } = choose(sniffStream(heldText, true) ?? 'google');
      return [...events, ...decoder.end()];
    },
  };
}

export const vertexCodec: ProviderCodec = {
  encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown> {
    return vertexFamily(model) === 'anthropic' ? encodeVertexAnthropic(req, model) : geminiCodec.encodeRequest(req, model);
  },
  decodeResponse(body: unknown): CanonicalResponse {
    return isAnthropicMessage(body) ? anthropicCodec.decodeResponse(body) : geminiCodec.decodeResponse(body);
  },
  createStreamDecoder: createSniffingDecoder,
};
