// Golden files for the bedrock provider and its bedrock-converse dialect, one folder per case under
// testdata/bedrock/:
//   request   in.json ({upstreamModel, request: canonical})   → out.json (Converse body, or {error})
//   pairs     in.json ({api, upstreamModel, body: client body}) → out.json (the client body decoded by its ingress
//             codec, then encoded for Converse, with the upstream path)
//   response  in.json (Converse answer)                         → out.json (canonical response, or {error})
//   stream    in.json (event-stream messages as data, framed here with the official codec) → out.json (canonical
//             events; a thrown error as {error}); also decoded one byte at a time, which must give the same events
//   error     in.json ({status, headers, body})                 → out.json (UpstreamFailure)
// UPDATE_GOLDEN=1 rewrites the outputs.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientCodec } from '../../pkg/canonical/codec.ts';
import type { StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec as anthropicClient } from '../../pkg/dialects/anthropic-messages/index.ts';
import { newEventStreamCodec, providerCodec } from '../../pkg/dialects/bedrock-converse/index.ts';
import { clientCodec as chatClient } from '../../pkg/dialects/openai-chat/index.ts';
import { clientCodec as responsesClient } from '../../pkg/dialects/openai-responses/index.ts';
import { classifyBedrockError } from '../../pkg/providers/bedrock/errors.ts';
import { bedrockBaseURL, buildConverseRequest } from '../../pkg/providers/bedrock/request.ts';
import { UpstreamFailureError } from '../../pkg/providers/types.ts';
import { decodeResponseGolden, encodeRequestGolden, expectGolden, goldenCaseRunner, goldenCases, readJson } from '../support/golden.ts';
import { makeProvider } from './helpers.ts';

const ROOT = join(import.meta.dirname, 'testdata', 'bedrock');

const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const RAW_PROVIDER = makeProvider({
  id: 'team-a/bedrock',
  name: 'bedrock',
  type: 'bedrock',
  baseURL: 'https://bedrock-runtime.{region}.amazonaws.com',
  region: 'us-east-1',
  credential: { kind: 'sigv4', service: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE', value: SECRET_KEY },
});
/** As the adapter holds it: the default base URL's {region} filled in. */
const PROVIDER = { ...RAW_PROVIDER, baseURL: bedrockBaseURL(RAW_PROVIDER) };

const eachCase = goldenCaseRunner(ROOT, 2);

type StreamItem =
  | { readonly event: string; readonly body: unknown }
  | { readonly exception: string; readonly body: unknown }
  | { readonly error: string; readonly message: string }
  | { readonly cutBytes: number }
  /** An event frame with one payload byte flipped: its message CRC no longer matches. */
  | { readonly corrupt: string; readonly body: unknown };

const codec = newEventStreamCodec();
const utf8 = new TextEncoder();

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

/** The event-stream bytes of a stream fixture, framed with the official codec. */
export function frame(items: readonly StreamItem[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const it of items) {
    if ('corrupt' in it) {
      const bad = Uint8Array.from(codec.encode({ headers: { ':message-type': str('event'), ':event-type': str(it.corrupt) }, body: utf8.encode(JSON.stringify(it.body)) }));
      bad[bad.length - 6] = (bad[bad.length - 6] ?? 0) ^ 0xff;
      parts.push(bad);
    } else if ('cutBytes' in it) {
      const whole = codec.encode({ headers: { ':message-type': str('event'), ':event-type': str('contentBlockDelta') }, body: utf8.encode('{"contentBlockIndex":0,"delta":{"text":"x"}}') });
      parts.push(whole.subarray(0, it.cutBytes));
    } else if ('event' in it) {
      parts.push(codec.encode({ headers: { ':message-type': str('event'), ':event-type': str(it.event), ':content-type': str('application/json') }, body: utf8.encode(JSON.stringify(it.body)) }));
    } else if ('exception' in it) {
      parts.push(codec.encode({ headers: { ':message-type': str('exception'), ':exception-type': str(it.exception), ':content-type': str('application/json') }, body: utf8.encode(JSON.stringify(it.body)) }));
    } else {
      parts.push(codec.encode({ headers: { ':message-type': str('error'), ':error-code': str(it.error), ':error-message': str(it.message) }, body: new Uint8Array(0) }));
    }
  }
  return Buffer.concat(parts);
}

function decodeAll(bytes: Uint8Array, step: number | readonly number[]): unknown {
  const cuts = typeof step === 'number' ? Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => i * step) : [0, ...step];
  const dec = providerCodec.createStreamDecoder();
  const events: StreamEvent[] = [];
  try {
    for (let i = 0; i < cuts.length; i++) events.push(...dec.push(bytes.subarray(cuts[i], cuts[i + 1] ?? bytes.length)));
    events.push(...dec.end());
  } catch (err) {
    if (err instanceof UpstreamFailureError) return [...events, { error: err.failure }];
    throw err;
  }
  return events;
}

const CLIENTS: Readonly<Record<string, ClientCodec>> = { 'openai-chat': chatClient, 'anthropic-messages': anthropicClient, 'openai-responses': responsesClient };

describe('bedrock golden: provider codec', () => {
  describe('encodeRequest', () => {
    eachCase('request', encodeRequestGolden(providerCodec));
  });
  describe('client API → Converse', () => {
    eachCase('pairs', (d) => {
      const input = readJson(join(d, 'in.json')) as { api: string; upstreamModel: string; body: Record<string, unknown> };
      const client = CLIENTS[input.api];
      if (client === undefined) throw new Error(`no client codec ${input.api}`);
      const creq = client.decodeRequest(input.body);
      const up = buildConverseRequest(RAW_PROVIDER, creq, input.upstreamModel, 'req-golden');
      expectGolden(join(d, 'out.json'), { url: up.origin + up.path, stream: up.stream, accept: up.headers.accept, body: JSON.parse(String(up.body)) as unknown });
    });
  });
  describe('decodeResponse', () => {
    eachCase('response', decodeResponseGolden(providerCodec));
  });
  describe('stream decoder', () => {
    eachCase('stream', (d) => {
      const bytes = frame(readJson(join(d, 'in.json')) as StreamItem[]);
      const whole = decodeAll(bytes, bytes.length);
      expectGolden(join(d, 'out.json'), whole);
      expect(decodeAll(bytes, 1)).toEqual(whole);
    });
    it('gives the same events for any split of the bytes (property)', () => {
      for (const name of goldenCases(join(ROOT, 'stream'))) {
        const bytes = frame(readJson(join(ROOT, 'stream', name, 'in.json')) as StreamItem[]);
        const whole = decodeAll(bytes, bytes.length);
        fc.assert(
          fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), (points) => {
            expect(decodeAll(bytes, [...points].sort((a, b) => a - b))).toEqual(whole);
          }),
          { numRuns: 60 },
        );
      }
    });
  });
});

describe('bedrock golden: HTTP errors', () => {
  eachCase('error', (d) => {
    const input = readJson(join(d, 'in.json')) as { status: number; headers: Record<string, string>; body: unknown };
    const raw = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
    const failure = classifyBedrockError(PROVIDER, input.status, input.headers, utf8.encode(raw), Date.parse('2026-01-01T00:00:00Z'));
    expectGolden(join(d, 'out.json'), failure);
    expect(JSON.stringify(failure)).not.toContain(SECRET_KEY);
    expect(JSON.stringify(failure)).not.toContain('IQoJb3JpZ2luX2VjEPr');
  });
});
