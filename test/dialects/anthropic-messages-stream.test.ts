// The Anthropic stream decoder gives the same events at every byte split (fast-check, plus every single split point
// of a small stream exhaustively), and the stream encoder's bytes and encodeResponse's JSON are read correctly by
// the official @anthropic-ai/sdk (served from a loopback server).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalResponse, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec, providerCodec } from '../../pkg/dialects/anthropic-messages/index.ts';
import { splitAt } from '../support/byte-splits.ts';
import { startFakeAnthropic } from '../support/fake-anthropic-server.ts';

const TESTDATA = join(import.meta.dirname, 'testdata', 'anthropic-messages', 'provider-stream');
const CTX = { model: 'claude-client-name', requestId: 'req_sdk_1', nowSec: 1735689600, streamUsage: true };

function decodeChunks(chunks: Uint8Array[]): StreamEvent[] {
  const dec = providerCodec.createStreamDecoder();
  const out: StreamEvent[] = [];
  for (const c of chunks) out.push(...dec.push(c));
  out.push(...dec.end());
  return out;
}

describe('anthropic stream decoder at every byte split', () => {
  for (const name of ['full', 'overloaded-before-content', 'crlf-multiline-rate-limit']) {
    it(`${name}: any split gives the events of the whole`, () => {
      const bytes = readFileSync(join(TESTDATA, name, 'in.sse'));
      const whole = decodeChunks([bytes]);
      expect(whole.length).toBeGreaterThan(2);
      fc.assert(
        fc.property(fc.array(fc.nat({ max: bytes.length }), { maxLength: 40 }), (cuts) => {
          expect(decodeChunks(splitAt(bytes, cuts))).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('exhaustive: every single split point and one byte at a time (multi-byte UTF-8 and CRLF included)', () => {
    const bytes = readFileSync(join(TESTDATA, 'crlf-multiline-rate-limit', 'in.sse'));
    const small = Buffer.concat([Buffer.from('event: content_block_delta\r\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"é👋"}}\r\n\r\n'), bytes]);
    const prefix = Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x"}}\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n');
    const all = Buffer.concat([prefix, small]);
    const whole = decodeChunks([all]);
    expect(whole.some((e) => e.type === 'text_delta' && e.text === 'é👋')).toBe(true);
    for (let i = 0; i <= all.length; i++) expect(decodeChunks([all.subarray(0, i), all.subarray(i)])).toEqual(whole);
    expect(decodeChunks([...all].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('a non-JSON data line is an invalid upstream stream', () => {
    const dec = providerCodec.createStreamDecoder();
    expect(() => dec.push(Buffer.from('event: message_start\ndata: {oops\n\n'))).toThrow(/upstream failure: invalid/);
  });
});

/** Serves `body` once per request with a content type; returns the origin. */
async function serve(body: string, contentType: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const EVENTS: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-up', model: 'gpt-4o' },
  { type: 'block_start', index: 0, block: { type: 'thinking' } },
  { type: 'thinking_delta', index: 0, text: 'Considering.' },
  { type: 'signature_delta', index: 0, signature: 'sig-123' },
  { type: 'block_stop', index: 0 },
  { type: 'block_start', index: 1, block: { type: 'text' } },
  { type: 'text_delta', index: 1, text: 'Hello, ' },
  { type: 'text_delta', index: 1, text: 'world' },
  { type: 'block_stop', index: 1 },
  { type: 'block_start', index: 2, block: { type: 'tool_use', id: 'toolu_7', name: 'get_weather' } },
  { type: 'tool_input_delta', index: 2, json: '{"city":' },
  { type: 'tool_input_delta', index: 2, json: '"Paris"}' },
  { type: 'block_stop', index: 2 },
  { type: 'finish', stopReason: 'tool_use' },
  { type: 'usage', usage: { inputTokens: 120, outputTokens: 33, cachedInputTokens: 100, cacheWriteTokens: 5 } },
  { type: 'done' },
];

describe('the official SDK reads what the Anthropic client codec writes', () => {
  it('messages.stream over the encoder output: text, tool_use input, thinking + signature, usage', async () => {
    const enc = clientCodec.createStreamEncoder(CTX);
    const srv = await serve(EVENTS.map((e) => enc.encode(e)).join(''), 'text/event-stream');
    try {
      const client = new Anthropic({ baseURL: srv.origin, apiKey: 'k', maxRetries: 0 });
      const stream = client.messages.stream({ model: 'claude-client-name', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
      let text = '';
      stream.on('text', (t) => {
        text += t;
      });
      const final = await stream.finalMessage();
      expect(text).toBe('Hello, world');
      expect(final.id).toBe('msg_req_sdk_1');
      expect(final.model).toBe('claude-client-name');
      expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'Considering.', signature: 'sig-123' });
      expect(final.content[2]).toMatchObject({ type: 'tool_use', id: 'toolu_7', name: 'get_weather', input: { city: 'Paris' } });
      expect(final.stop_reason).toBe('tool_use');
      expect(final.usage).toMatchObject({ input_tokens: 15, output_tokens: 33, cache_read_input_tokens: 100, cache_creation_input_tokens: 5 });
    } finally {
      await srv.close();
    }
  });

  it('the encoder error event is thrown by the SDK as an APIError naming the Anthropic type', async () => {
    const enc = clientCodec.createStreamEncoder(CTX);
    const head = EVENTS.slice(0, 7).map((e) => enc.encode(e)).join('');
    const srv = await serve(head + enc.error({ status: 502, type: 'upstream_error', code: 'upstream_stream_interrupted', message: 'The upstream stream was interrupted.' }), 'text/event-stream');
    try {
      const client = new Anthropic({ baseURL: srv.origin, apiKey: 'k', maxRetries: 0 });
      const err = await client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect(String((err as Error).message)).toContain('api_error');
    } finally {
      await srv.close();
    }
  });

  it('messages.create over encodeResponse', async () => {
    const resp: CanonicalResponse = {
      id: 'resp-1', model: 'gpt-4o', content: [{ type: 'text', text: 'Hi there' }, { type: 'tool_use', id: 'call_1', name: 'f', input: { a: [1, 2] } }],
      stopReason: 'max_tokens', usage: { inputTokens: 10, outputTokens: 4, cachedInputTokens: 6 },
    };
    const srv = await serve(clientCodec.encodeResponse(resp, CTX), 'application/json');
    try {
      const client = new Anthropic({ baseURL: srv.origin, apiKey: 'k', maxRetries: 0 });
      const msg = await client.messages.create({ model: 'claude-client-name', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      expect(msg.content).toEqual([{ type: 'text', text: 'Hi there' }, { type: 'tool_use', id: 'call_1', name: 'f', input: { a: [1, 2] } }]);
      expect(msg.stop_reason).toBe('max_tokens');
      expect(msg.usage).toMatchObject({ input_tokens: 4, output_tokens: 4, cache_read_input_tokens: 6 });
    } finally {
      await srv.close();
    }
  });

  it('round trip through the fake upstream: its stream decoded then re-encoded reads the same in the SDK', async () => {
    const up = await startFakeAnthropic();
    try {
      const res = await fetch(`${up.url}/messages`, {
        method: 'POST',
        headers: { 'x-api-key': up.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 2000, stream: true, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'Round trip' }] }),
      });
      const events = decodeChunks([new Uint8Array(await res.arrayBuffer())]);
      expect(events.at(-1)).toEqual({ type: 'done' });
      const enc = clientCodec.createStreamEncoder(CTX);
      const srv = await serve(events.map((e) => enc.encode(e)).join(''), 'text/event-stream');
      try {
        const client = new Anthropic({ baseURL: srv.origin, apiKey: 'k', maxRetries: 0 });
        const final = await client.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
        expect(final.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user wrote: Round trip' });
        expect(final.content[1]).toMatchObject({ type: 'text', text: 'Echo: Round trip' });
      } finally {
        await srv.close();
      }
    } finally {
      await up.close();
    }
  });
});
