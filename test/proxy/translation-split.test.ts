// Stream translation is correct at every byte split of the upstream stream (issue 7 point 6): for each provider
// dialect × client dialect pair, the real provider decoder composed with the real client encoder (the dispatch
// core's createCanonicalStream) gives byte-identical client output for the whole stream in one chunk, for every
// two-piece split, and for random multi-piece splits (fast-check). The native passthrough translators (OpenAI chat,
// Anthropic Messages) are held to the same rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientCodec, EncodeContext, ProviderCodec } from '../../pkg/canonical/codec.ts';
import { clientCodec as anthropicClient, providerCodec as anthropicProvider } from '../../pkg/dialects/anthropic-messages/index.ts';
import { clientCodec as chatClient, providerCodec as chatProvider } from '../../pkg/dialects/openai-chat/index.ts';
import { clientCodec as completionsClient } from '../../pkg/dialects/openai-completions/index.ts';
import { clientCodec as responsesClient } from '../../pkg/dialects/openai-responses/index.ts';
import { createAnthropicStreamTranslator } from '../../pkg/providers/anthropic/anthropic-messages.ts';
import { createOpenAIStreamTranslator } from '../../pkg/providers/openai/stream.ts';
import type { StreamTranslator } from '../../pkg/providers/types.ts';
import { createCanonicalStream } from '../../pkg/proxy/dispatch/canonical-stream.ts';
import { makeProvider } from '../providers/helpers.ts';
import { splitAt } from '../support/byte-splits.ts';

const DATA = join(import.meta.dirname, '../dialects/testdata');
const CTX: EncodeContext = { model: 'client-model', requestId: 'req-split-1', nowSec: 1735689600, streamUsage: true };
const ERR = { status: 502, type: 'api_error', code: 'upstream_error', message: 'The upstream provider failed.' };

function fixtures(dialect: string): { name: string; bytes: Buffer }[] {
  const dir = join(DATA, dialect, 'provider-stream');
  return readdirSync(dir).map((name) => ({ name, bytes: readFileSync(join(dir, name, 'in.sse')) }));
}

/**
 * Everything the client would receive: output, tail, and the terminal error event when the stream failed. A stream
 * that fails as malformed counts only as that failure: StreamDecoder.push throws without returning the events it
 * decoded earlier in the same chunk, so how much reached the client before it depends on the split.
 */
function run(make: () => StreamTranslator & { terminalError?: (e: typeof ERR) => string }, pieces: readonly Uint8Array[]): string {
  const t = make();
  let out = '';
  try {
    for (const p of pieces) out += t.push(p);
  } catch (err) {
    return `<failed invalid ${(err as Error).name}>`;
  }
  const end = t.end();
  if (end.error?.kind === 'invalid') return '<failed invalid UpstreamFailureError>';
  out += end.tail;
  out += `<${end.outcome} content=${t.contentSeen} usage=${JSON.stringify(end.usage)} error=${end.error?.kind ?? ''}>`;
  if (end.error !== undefined && t.terminalError !== undefined) out += t.terminalError(ERR);
  return out;
}

function checkEverySplit(make: () => StreamTranslator & { terminalError?: (e: typeof ERR) => string }, bytes: Buffer): void {
  const reference = run(make, [bytes]);
  expect(reference).not.toBe('');
  for (let i = 1; i < bytes.length; i++) expect(run(make, [bytes.subarray(0, i), bytes.subarray(i)])).toBe(reference);
  fc.assert(fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => run(make, splitAt(bytes, cuts)) === reference), { numRuns: 60 });
}

const PROVIDERS: readonly [string, ProviderCodec][] = [['openai-chat', chatProvider], ['anthropic-messages', anthropicProvider]];
const CLIENTS: readonly [string, ClientCodec][] = [
  ['openai-chat', chatClient], ['anthropic-messages', anthropicClient], ['openai-responses', responsesClient], ['openai-completions', completionsClient],
];

describe('translated pairs: identical client output at every byte split', () => {
  for (const [pName, pCodec] of PROVIDERS) {
    for (const [cName, cCodec] of CLIENTS) {
      if (pName === cName) continue;
      for (const f of fixtures(pName)) {
        it(`${pName} upstream → ${cName} client: ${f.name}`, () => {
          checkEverySplit(() => createCanonicalStream(pCodec.createStreamDecoder(), cCodec.createStreamEncoder(CTX)), f.bytes);
        });
      }
    }
  }
});

describe('native passthrough: identical output at every byte split', () => {
  const provider = makeProvider();
  for (const f of fixtures('openai-chat')) {
    it(`openai-chat passthrough: ${f.name}`, () => {
      checkEverySplit(() => createOpenAIStreamTranslator({ provider, wantsUsage: true }), f.bytes);
    });
  }
  for (const f of fixtures('anthropic-messages')) {
    it(`anthropic-messages passthrough: ${f.name}`, () => {
      checkEverySplit(() => createAnthropicStreamTranslator(provider), f.bytes);
    });
  }

  it('anthropic passthrough: message_start and ping are not content; the first text delta is; usage includes cache tokens', () => {
    const t = createAnthropicStreamTranslator(provider);
    t.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":5,"cache_read_input_tokens":7,"cache_creation_input_tokens":3,"output_tokens":1}}}\n\nevent: ping\ndata: {"type":"ping"}\n\n'));
    expect(t.contentSeen).toBe(false);
    t.push(Buffer.from('event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'));
    expect(t.contentSeen).toBe(false);
    t.push(Buffer.from('event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}\n\n'));
    expect(t.contentSeen).toBe(true);
    t.push(Buffer.from('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n'));
    const end = t.end();
    expect(end.outcome).toBe('complete');
    expect(end.usage).toEqual({ inputTokens: 15, outputTokens: 9, totalTokens: 24, cachedInputTokens: 7, cacheWriteTokens: 3 });
  });
});
