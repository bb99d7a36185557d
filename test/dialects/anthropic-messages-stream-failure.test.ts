// The Anthropic stream decoder when a chunk holds valid events and then garbage (catalogue B9): the events decoded
// before the garbage are returned, and the failure comes on the next call — so text already produced by the upstream
// reaches the client before the terminal error (test/clients/catalogue.test.ts shows it end to end).
import { describe, expect, it } from 'vitest';
import { providerCodec } from '../../pkg/dialects/anthropic-messages/index.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';

const enc = new TextEncoder();
const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const START = ev('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } });
const BLOCK = ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
const DELTA = ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'kept' } });
const GARBAGE = 'event: content_block_delta\ndata: {"type": not json\n\n';

describe('anthropic stream decoder: garbage after valid events in one chunk', () => {
  it('returns the events before the garbage, then fails on the next push', () => {
    const d = providerCodec.createStreamDecoder();
    const events = d.push(enc.encode(START + BLOCK + DELTA + GARBAGE));
    expect(events.filter((e) => e.type === 'text_delta')).toEqual([{ type: 'text_delta', index: 0, text: 'kept' }]);
    expect(() => d.push(enc.encode(DELTA))).toThrow(UpstreamFailureError);
    expect(() => d.end()).toThrow(UpstreamFailureError);
  });

  it('returns the events before the garbage, then fails at the end', () => {
    const d = providerCodec.createStreamDecoder();
    expect(d.push(enc.encode(START + DELTA.replace('kept', 'x') + GARBAGE)).length).toBeGreaterThan(0);
    let err: unknown;
    try {
      d.end();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UpstreamFailureError);
    expect((err as UpstreamFailureError).failure.kind).toBe('invalid');
  });

  it('garbage first in a chunk still throws at once', () => {
    const d = providerCodec.createStreamDecoder();
    d.push(enc.encode(START));
    expect(() => d.push(enc.encode(GARBAGE + DELTA))).toThrow(UpstreamFailureError);
  });
});
