// The legacy completions encoders speak the real wire format: their output, served over loopback, is consumed by
// the official `openai` SDK's `completions.create` (non-stream and stream).
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { EncodeContext } from '../../pkg/canonical/codec.ts';
import type { StreamEvent } from '../../pkg/canonical/types.ts';
import { clientCodec } from '../../pkg/dialects/openai-completions/index.ts';
import { useCannedOpenAI } from './support/canned-openai.ts';

const CTX: EncodeContext = { model: 'gpt-3.5-turbo-instruct', requestId: 'req_c', nowSec: 1_760_000_000, streamUsage: true };
const sdk = useCannedOpenAI();

const params = { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time' };

describe('openai-completions encoders against the official openai SDK', () => {
  it('non-stream: text, finish reason and usage', async () => {
    sdk.server.answer({
      json: clientCodec.encodeResponse(
        { id: 'msg_1', model: 'claude', content: [{ type: 'text', text: 'there was ' }, { type: 'text', text: 'a gateway.' }], stopReason: 'max_tokens', usage: { inputTokens: 4, outputTokens: 6 } },
        CTX,
      ),
    });
    const out = await sdk.client.completions.create(params);
    expect(out.object).toBe('text_completion');
    expect(out.id).toBe('cmpl-req_c');
    expect(out.choices[0]?.text).toBe('there was a gateway.');
    expect(out.choices[0]?.finish_reason).toBe('length');
    expect(out.usage).toEqual({ prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 });
  });

  it('stream: chunks reassemble into the text; the usage chunk comes last', async () => {
    const events: StreamEvent[] = [
      { type: 'start', id: 'x', model: 'm' },
      { type: 'block_start', index: 0, block: { type: 'text' } },
      { type: 'text_delta', index: 0, text: 'there was ' },
      { type: 'text_delta', index: 0, text: 'a gateway ✓' },
      { type: 'block_stop', index: 0 },
      { type: 'finish', stopReason: 'end_turn' },
      { type: 'usage', usage: { inputTokens: 4, outputTokens: 5 } },
      { type: 'done' },
    ];
    const enc = clientCodec.createStreamEncoder(CTX);
    sdk.server.answer({ sse: events.map((ev) => enc.encode(ev)).join('') });
    const stream = await sdk.client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('there was a gateway ✓');
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
  });
});
