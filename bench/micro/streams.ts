// Realistic upstream SSE streams for the translation micro-benchmark: one answer of `textDeltas` text deltas
// followed by one tool call whose arguments arrive in `argDeltas` pieces, with usage, in the two upstream dialects.
// Deterministic (no randomness), so two runs measure the same bytes.

export interface StreamShape {
  readonly textDeltas: number;
  readonly argDeltas: number;
}

export const DEFAULT_SHAPE: StreamShape = { textDeltas: 400, argDeltas: 12 };

const WORDS = [' the', ' gateway', ' forwards', ' each', ' token', ',', ' and', ' “quotes”', ' café', '\\n', ' 42', ' tokens.'];
/** JSON string content (already escaped) of text delta i. */
const word = (i: number): string => WORDS[i % WORDS.length] ?? ' x';
/** JSON string content (escaped) of argument piece i: the pieces concatenate to a valid JSON object. */
function argPiece(i: number, n: number): string {
  if (i === 0) return '{\\"city\\": \\"';
  if (i === n - 1) return '\\", \\"unit\\": \\"celsius\\"}';
  return ['Par', 'is', ' 1', '7e', ' arr', 'ond'][i % 6] ?? 'x';
}

/** One upstream event per element (the common case: the provider flushes each delta on its own). */
export function anthropicUpstream(shape: StreamShape = DEFAULT_SHAPE): string[] {
  const ev = (name: string, data: string): string => `event: ${name}\ndata: ${data}\n\n`;
  const out: string[] = [
    ev('message_start', '{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":2}}}'),
    ev('content_block_start', '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}'),
    ev('ping', '{"type": "ping"}'),
  ];
  for (let i = 0; i < shape.textDeltas; i++) {
    out.push(ev('content_block_delta', `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${word(i)}"}}`));
  }
  out.push(ev('content_block_stop', '{"type":"content_block_stop","index":0}'));
  out.push(ev('content_block_start', '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}'));
  for (let i = 0; i < shape.argDeltas; i++) {
    out.push(ev('content_block_delta', `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"${argPiece(i, shape.argDeltas)}"}}`));
  }
  out.push(ev('content_block_stop', '{"type":"content_block_stop","index":1}'));
  out.push(ev('message_delta', `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":${shape.textDeltas + 20}}}`));
  out.push(ev('message_stop', '{"type":"message_stop"}'));
  return out;
}

/** OpenAI chat completion chunks, usage requested (stream_options.include_usage), then [DONE]. */
export function openAIUpstream(shape: StreamShape = DEFAULT_SHAPE): string[] {
  const head = '{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_eb9dce56a8","choices":[';
  const chunk = (choice: string, usage = 'null'): string => `data: ${head}${choice}],"usage":${usage}}\n\n`;
  const out: string[] = [chunk('{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}')];
  for (let i = 0; i < shape.textDeltas; i++) out.push(chunk(`{"index":0,"delta":{"content":"${word(i)}"},"logprobs":null,"finish_reason":null}`));
  out.push(chunk('{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}'));
  for (let i = 0; i < shape.argDeltas; i++) {
    out.push(chunk(`{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"${argPiece(i, shape.argDeltas)}"}}]},"logprobs":null,"finish_reason":null}`));
  }
  out.push(chunk('{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}'));
  out.push(`data: ${head}],"usage":{"prompt_tokens":472,"completion_tokens":${shape.textDeltas + 20},"total_tokens":${shape.textDeltas + 492},"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}\n\n`);
  out.push('data: [DONE]\n\n');
  return out;
}
