// Chat completions of the fake provider, in the OpenAI wire format (JSON body or SSE events).
import { encodeSseData } from '../../stream/sse.ts';
import { estimateTokens, fnv1a, outputTokens, promptText } from './content.ts';

/** Fixed `created` timestamp (2025-01-01T00:00:00Z) so that fake responses are byte-for-byte stable. */
export const FAKE_CREATED = 1735689600;
const FINGERPRINT = 'fp_switchyard_fake';

export interface FakeCompletion {
  readonly id: string;
  readonly model: string;
  readonly tokens: readonly string[];
  readonly finishReason: 'stop' | 'length';
  readonly usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number }; completion_tokens_details: { reasoning_tokens: number } };
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/** What the fake answers: `outputTokens` tokens, cut to max_completion_tokens / max_tokens when the client set one. */
export function fakeCompletion(body: Readonly<Record<string, unknown>>, model: string, configuredTokens: number): FakeCompletion {
  const cap = positiveInt(body.max_completion_tokens) ?? positiveInt(body.max_tokens);
  const count = cap !== undefined && cap < configuredTokens ? cap : configuredTokens;
  const text = promptText(body);
  const prompt = estimateTokens(text);
  return {
    id: `chatcmpl-fake-${fnv1a(`${model}\n${text}`).toString(16).padStart(8, '0')}`,
    model,
    tokens: outputTokens(body, count),
    finishReason: count < configuredTokens ? 'length' : 'stop',
    usage: {
      prompt_tokens: prompt,
      completion_tokens: count,
      total_tokens: prompt + count,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

export function completionJson(c: FakeCompletion): string {
  return JSON.stringify({
    id: c.id,
    object: 'chat.completion',
    created: FAKE_CREATED,
    model: c.model,
    choices: [{ index: 0, message: { role: 'assistant', content: c.tokens.join(''), refusal: null }, logprobs: null, finish_reason: c.finishReason }],
    usage: c.usage,
    system_fingerprint: FINGERPRINT,
  });
}

/**
 * The SSE events of a streamed completion, in order: role chunk, content chunks of `chunkTokens` tokens, the
 * finish_reason chunk, the usage chunk (empty choices) when `includeUsage`, then [DONE]. Generated lazily.
 */
export function* completionEvents(c: FakeCompletion, chunkTokens: number, includeUsage: boolean): Generator<string, void, undefined> {
  const head = `{"id":${JSON.stringify(c.id)},"object":"chat.completion.chunk","created":${FAKE_CREATED},"model":${JSON.stringify(c.model)},"system_fingerprint":"${FINGERPRINT}","choices":`;
  const tail = includeUsage ? ',"usage":null}' : '}';
  const choice = (delta: unknown, finish: string | null): string =>
    `[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish === null ? 'null' : JSON.stringify(finish)}}]`;
  yield encodeSseData(head + choice({ role: 'assistant', content: '', refusal: null }, null) + tail);
  for (let i = 0; i < c.tokens.length; i += chunkTokens) {
    yield encodeSseData(head + choice({ content: c.tokens.slice(i, i + chunkTokens).join('') }, null) + tail);
  }
  yield encodeSseData(head + choice({}, c.finishReason) + tail);
  if (includeUsage) yield encodeSseData(`${head}[],"usage":${JSON.stringify(c.usage)}}`);
  yield 'data: [DONE]\n\n';
}
