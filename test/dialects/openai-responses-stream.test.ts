// Properties of the openai-responses stream encoder: for any answer and any fragmenting of its text and arguments,
// the stream's terminal event carries exactly the `response` object encodeResponse gives for the same answer, the
// deltas reassemble to the items' final text, and sequence numbers count up without gaps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-responses/index.ts';

const ctx: EncodeContext = { model: 'm', requestId: 'r1', nowSec: 1767225600, streamUsage: true };

type Content = CanonicalResponse['content'][number];

const part: fc.Arbitrary<Content> = fc.oneof(
  fc.string({ minLength: 1 }).map((text) => ({ type: 'text' as const, text })),
  fc.record({ id: fc.string({ minLength: 1 }), name: fc.string({ minLength: 1 }), input: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())) })
    .map((t) => ({ type: 'tool_use' as const, ...t })),
  fc.record({ text: fc.string(), signature: fc.option(fc.string({ minLength: 1 }), { nil: undefined }) })
    .map(({ text, signature }) => ({ type: 'thinking' as const, text, ...(signature === undefined ? {} : { signature }) })),
  fc.string().map((data) => ({ type: 'redacted_thinking' as const, data })),
);

const answer: fc.Arbitrary<CanonicalResponse> = fc.record({
  content: fc.array(part, { maxLength: 5 }),
  stopReason: fc.constantFrom('end_turn', 'tool_use', 'max_tokens', 'content_filter', 'stop_sequence' as const),
  usage: fc.option(fc.record({ inputTokens: fc.nat(), outputTokens: fc.nat(), cachedInputTokens: fc.nat() }), { nil: null }),
}).map((r) => ({ id: 'up', model: 'up', ...r }));

/** Splits `s` at the given cut points (fractions of its length). */
function split(s: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * s.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let at = 0;
  for (const p of [...points, s.length]) {
    out.push(s.slice(at, p));
    at = p;
  }
  return out;
}

function eventsOf(resp: CanonicalResponse, cuts: readonly number[]): StreamEvent[] {
  const out: StreamEvent[] = [{ type: 'start', id: resp.id, model: resp.model }];
  resp.content.forEach((p, index) => {
    switch (p.type) {
      case 'text':
        out.push({ type: 'block_start', index, block: { type: 'text' } }, ...split(p.text, cuts).map((text) => ({ type: 'text_delta' as const, index, text })));
        break;
      case 'tool_use':
        out.push({ type: 'block_start', index, block: { type: 'tool_use', id: p.id, name: p.name } });
        out.push(...split(JSON.stringify(p.input), cuts).map((json) => ({ type: 'tool_input_delta' as const, index, json })));
        break;
      case 'thinking':
        out.push({ type: 'block_start', index, block: { type: 'thinking' } }, ...split(p.text, cuts).map((text) => ({ type: 'thinking_delta' as const, index, text })));
        if (p.signature !== undefined) out.push({ type: 'signature_delta', index, signature: p.signature });
        break;
      case 'redacted_thinking':
        out.push({ type: 'block_start', index, block: { type: 'redacted_thinking', data: p.data } });
        break;
    }
    out.push({ type: 'block_stop', index });
  });
  out.push({ type: 'finish', stopReason: resp.stopReason });
  if (resp.usage !== null) out.push({ type: 'usage', usage: resp.usage });
  out.push({ type: 'done' });
  return out;
}

function frames(sse: string): { type: string; sequence_number: number; [k: string]: unknown }[] {
  return sse.split('\n\n').filter((f) => f !== '').map((f) => JSON.parse(f.slice(f.indexOf('\ndata: ') + '\ndata: '.length)) as never);
}

describe('openai-responses stream encoder properties', () => {
  it('the terminal response equals encodeResponse, at every fragmenting', () => {
    fc.assert(fc.property(answer, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }), (resp, cuts) => {
      const enc = clientCodec.createStreamEncoder(ctx);
      const events = frames(eventsOf(resp, cuts).map((ev) => enc.encode(ev)).join(''));
      const last = events.at(-1);
      const incomplete = resp.stopReason === 'max_tokens' || resp.stopReason === 'content_filter';
      expect(last?.type).toBe(incomplete ? 'response.incomplete' : 'response.completed');
      expect(last?.response).toEqual(JSON.parse(clientCodec.encodeResponse(resp, ctx)));
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      const textDeltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
      expect(textDeltas).toBe(resp.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join(''));
    }));
  });
});
