// Properties of the OpenAI chat dialect: canonical requests survive provider encode → client decode; the stream
// decoder gives the same events for any split of recorded upstream streams; the encoder's error event is the
// gateway's existing mid-stream error event byte for byte.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanonicalRequest, Message, Part, StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec, providerCodec } from '../../pkg/dialects/openai-chat/index.ts';
import { chatStreamError } from '../../pkg/dialects/openai-chat/index.ts';
import { errorEvent, errorOut } from '../../pkg/proxy/error-reply.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { splitAt } from '../support/byte-splits.ts';

const text = fc.string({ minLength: 1, maxLength: 20 });
const b64 = fc.stringMatching(/^[A-Za-z0-9+/]{4,16}={0,2}$/);
const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
const jsonObject = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), scalar, { maxKeys: 4 });
const textPart = text.map((t) => ({ type: 'text' as const, text: t }));

const imagePart = fc.record(
  {
    type: fc.constant('image' as const),
    source: fc.oneof(
      fc.record({ kind: fc.constant('url' as const), url: fc.webUrl({ validSchemes: ['https'] }) }),
      fc.record({ kind: fc.constant('base64' as const), mediaType: fc.constantFrom('image/png', 'image/jpeg'), data: b64 }),
    ),
    detail: fc.constantFrom('auto', 'low', 'high'),
  },
  { requiredKeys: ['type', 'source'] },
);
const documentPart = fc.record(
  {
    type: fc.constant('document' as const),
    source: fc.oneof(
      fc.record({ kind: fc.constant('file' as const), fileId: fc.stringMatching(/^file-[a-z0-9]{3,8}$/) }),
      fc.record({ kind: fc.constant('base64' as const), mediaType: fc.constant('application/pdf'), data: b64 }),
    ),
    filename: fc.stringMatching(/^[a-z]{1,8}\.pdf$/),
  },
  { requiredKeys: ['type', 'source'] },
);
const toolId = fc.stringMatching(/^call_[A-Za-z0-9]{1,8}$/);
const toolName = fc.stringMatching(/^[a-z_]{1,12}$/);

const userTurn: fc.Arbitrary<Message> = fc.oneof(
  fc.array(fc.oneof(textPart, imagePart, documentPart), { minLength: 1, maxLength: 4 }).map((content) => ({ role: 'user' as const, content: content as Part[] })),
  fc
    .array(fc.record({ type: fc.constant('tool_result' as const), toolUseId: toolId, content: fc.array(textPart, { maxLength: 3 }) }), { minLength: 1, maxLength: 3 })
    .map((content) => ({ role: 'user' as const, content })),
);
const assistantTurn: fc.Arbitrary<Message> = fc
  .tuple(
    fc.array(textPart, { maxLength: 2 }),
    fc.array(fc.record({ type: fc.constant('tool_use' as const), id: toolId, name: toolName, input: jsonObject }), { maxLength: 2 }),
  )
  .map(([texts, calls]) => ({ role: 'assistant' as const, content: [...texts, ...calls] }));

/** Alternating turns starting with the user: consecutive tool-result turns would merge (as OpenAI chat has them). */
const conversation = fc.array(fc.tuple(userTurn, assistantTurn), { minLength: 1, maxLength: 3 }).chain((pairs) =>
  fc.boolean().map((endWithUser) => {
    const flat = pairs.flat();
    return endWithUser ? flat.slice(0, -1) : flat;
  }),
);

const canonicalRequest: fc.Arbitrary<CanonicalRequest> = fc.record(
  {
    model: toolName,
    system: fc.array(textPart, { maxLength: 2 }),
    messages: conversation,
    tools: fc.array(
      fc.record({ name: toolName, description: text, inputSchema: fc.constant({ type: 'object', properties: {} }), strict: fc.boolean() }, { requiredKeys: ['name', 'inputSchema'] }),
      { maxLength: 2 },
    ),
    toolChoice: fc.oneof(fc.constantFrom({ type: 'auto' as const }, { type: 'none' as const }, { type: 'required' as const }), toolName.map((name) => ({ type: 'tool' as const, name }))),
    parallelToolCalls: fc.boolean(),
    responseFormat: fc.oneof(
      fc.constantFrom({ type: 'text' as const }, { type: 'json_object' as const }),
      fc.record({ type: fc.constant('json_schema' as const), name: toolName, schema: fc.constant({ type: 'object' }), strict: fc.boolean(), description: text }, { requiredKeys: ['type', 'name', 'schema'] }),
    ),
    maxTokens: fc.integer({ min: 1, max: 100_000 }),
    temperature: fc.integer({ min: 0, max: 200 }).map((t) => t / 100),
    topP: fc.integer({ min: 1, max: 100 }).map((t) => t / 100),
    stop: fc.array(text, { maxLength: 3 }),
    seed: fc.integer(),
    reasoning: fc.constantFrom('minimal', 'low', 'medium', 'high').map((effort) => ({ effort })),
    stream: fc.boolean(),
    user: text,
  },
  { requiredKeys: ['model', 'system', 'messages', 'stream'] },
);

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('openai-chat round trip', () => {
  it('provider encode then client decode gives the canonical request back', () => {
    fc.assert(
      fc.property(canonicalRequest, (req) => {
        const body = JSON.parse(JSON.stringify(providerCodec.encodeRequest(req, req.model))) as Record<string, unknown>;
        expect(clientCodec.decodeRequest(body)).toEqual(req);
      }),
      { numRuns: 300 },
    );
  });
});

type Outcome = { events: StreamEvent[]; failure?: unknown };

function decodeChunks(chunks: readonly Uint8Array[]): Outcome {
  const dec = providerCodec.createStreamDecoder();
  const events: StreamEvent[] = [];
  try {
    for (const c of chunks) events.push(...dec.push(c));
    events.push(...dec.end());
  } catch (err) {
    if (!(err instanceof UpstreamFailureError)) throw err;
    return { events, failure: err.failure };
  }
  return { events };
}

const STREAMS = join(import.meta.dirname, 'testdata', 'openai-chat', 'provider-stream');

describe('openai-chat stream decoder at every byte split', () => {
  const recorded = readdirSync(STREAMS).map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(STREAMS, name, 'in.sse'))) }));

  it('has recorded streams with several events and a multi-byte character', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(8);
    expect(recorded.some((r) => Buffer.from(r.bytes).toString('utf8').includes('ö'))).toBe(true);
  });

  for (const { name, bytes } of recorded) {
    it(`${name}: any split gives the events of the whole`, () => {
      const whole = decodeChunks([bytes]);
      expect(whole.events.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
          expect(decodeChunks(splitAt(bytes, cuts))).toEqual(whole);
        }),
        { numRuns: 150 },
      );
      expect(decodeChunks([...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
    });
  }

  it('exhaustive: every two-way split of a small stream (text-with-usage)', () => {
    const bytes = recorded.find((r) => r.name === 'text-with-usage')?.bytes ?? new Uint8Array();
    const whole = decodeChunks([bytes]);
    expect(whole.events.map((e) => e.type)).toContain('done');
    for (let i = 0; i <= bytes.length; i++) expect(decodeChunks([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(whole);
  });

  it('the client encoder output decodes back to the same text, tool call and usage', () => {
    const events: StreamEvent[] = decodeChunks([new Uint8Array(readFileSync(join(STREAMS, 'parallel-tool-calls', 'in.sse')))]).events;
    const encoder = clientCodec.createStreamEncoder({ model: 'm', requestId: 'r', nowSec: 1, streamUsage: true });
    const again = decodeChunks([enc(events.map((ev) => encoder.encode(ev)).join(''))]).events;
    const strip = (evs: StreamEvent[]): StreamEvent[] => evs.filter((e) => e.type !== 'start');
    expect(strip(again)).toEqual(strip(events));
  });
});

describe('openai-chat stream error event', () => {
  it('is byte-identical to the core\'s errorEvent for every stream-time error code', () => {
    for (const code of ['upstream_stream_interrupted', 'upstream_stream_truncated', 'upstream_error', 'upstream_rate_limited', 'upstream_timeout', 'internal_error'] as const) {
      const e = errorOut(code);
      expect(clientCodec.createStreamEncoder({ model: 'm', requestId: 'r', nowSec: 1, streamUsage: false }).error(e)).toBe(errorEvent(e));
      expect(chatStreamError({ ...e, message: 'quote " and \n newline' })).toBe(errorEvent({ ...e, message: 'quote " and \n newline' }));
    }
  });
});
