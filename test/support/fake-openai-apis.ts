// The fake OpenAI upstream's Responses API (POST /v1/responses) and legacy Completions (POST /v1/completions), in
// the shapes OpenAI documents (the openai SDK's resources/responses and resources/completions types): a response
// object with message output items and usage, the typed SSE events response.created … response.output_text.delta …
// response.completed (each with its sequence_number), text_completion bodies and chunks ending with [DONE].
// The answer text is "Echo: <last user text>"; previous_response_id is echoed back so tests see it arrived.
import { isObj, textOf } from './message-text.ts';
import type { Obj } from './message-text.ts';

/** The same fixed creation time as the chat answers (fake-openai-server.ts FAKE_CREATED). */
const FAKE_CREATED = 1735689600;

/** The last user text of a Responses API input (a string or a list of items). */
export function responsesPrompt(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  const last = [...input].reverse().find((i: unknown) => isObj(i) && (i.role === 'user' || i.type === 'function_call_output'));
  if (!isObj(last)) return '';
  return last.type === 'function_call_output' ? `tool result: ${String(last.output)}` : textOf(last.content);
}

function responseObject(body: Obj, text: string, status: 'in_progress' | 'completed'): Obj {
  const done = status === 'completed';
  const inputTokens = Math.max(1, Math.ceil(JSON.stringify(body.input ?? '').length / 4));
  const outputTokens = Math.max(1, Math.ceil(text.length / 4));
  return {
    id: 'resp_fake_1', object: 'response', created_at: FAKE_CREATED, status, error: null, incomplete_details: null,
    instructions: body.instructions ?? null, model: body.model, parallel_tool_calls: true, tool_choice: 'auto', tools: [],
    previous_response_id: body.previous_response_id ?? null, store: body.store ?? true, temperature: 1, top_p: 1,
    text: { format: { type: 'text' } }, truncation: 'disabled', metadata: {},
    output: done ? [{ type: 'message', id: 'msg_fake_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }] : [],
    usage: done
      ? { input_tokens: inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: inputTokens + outputTokens }
      : null,
  };
}

/** A non-stream Responses API answer. */
export function responsesBody(body: Obj): string {
  return JSON.stringify(responseObject(body, `Echo: ${responsesPrompt(body.input)}`, 'completed'));
}

/** The SSE events of a streamed Responses API answer, in the documented order. */
export function responsesEvents(body: Obj): string[] {
  const text = `Echo: ${responsesPrompt(body.input)}`;
  let seq = 0;
  const ev = (type: string, payload: Obj): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`;
  const part = { type: 'output_text', text: '', annotations: [] };
  const item = { type: 'message', id: 'msg_fake_1', status: 'in_progress', role: 'assistant', content: [] };
  const at = { item_id: 'msg_fake_1', output_index: 0, content_index: 0 };
  const events = [
    ev('response.created', { response: responseObject(body, text, 'in_progress') }),
    ev('response.in_progress', { response: responseObject(body, text, 'in_progress') }),
    ev('response.output_item.added', { output_index: 0, item }),
    ev('response.content_part.added', { ...at, part }),
  ];
  for (const piece of text.match(/\S+\s*|\s+/g) ?? []) events.push(ev('response.output_text.delta', { ...at, delta: piece, logprobs: [] }));
  events.push(
    ev('response.output_text.done', { ...at, text, logprobs: [] }),
    ev('response.content_part.done', { ...at, part: { ...part, text } }),
    ev('response.output_item.done', { output_index: 0, item: { ...item, status: 'completed', content: [{ ...part, text }] } }),
    ev('response.completed', { response: responseObject(body, text, 'completed') }),
  );
  return events;
}

function completionText(body: Obj): string {
  const p = Array.isArray(body.prompt) ? String(body.prompt[0] ?? '') : String(body.prompt ?? '');
  return `Echo: ${p}`;
}

const COMPLETION_USAGE = { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 };

/** A non-stream legacy completion. */
export function completionsBody(body: Obj): string {
  return JSON.stringify({
    id: 'cmpl-fake', object: 'text_completion', created: FAKE_CREATED, model: body.model,
    choices: [{ text: completionText(body), index: 0, logprobs: null, finish_reason: 'stop' }], usage: COMPLETION_USAGE,
  });
}

/** The SSE events of a streamed legacy completion ([DONE] last; a usage chunk when stream_options.include_usage). */
export function completionsEvents(body: Obj): string[] {
  const base = { id: 'cmpl-fake', object: 'text_completion', created: FAKE_CREATED, model: body.model };
  const chunk = (text: string, finish: string | null): string => `data: ${JSON.stringify({ ...base, choices: [{ text, index: 0, logprobs: null, finish_reason: finish }] })}\n\n`;
  const events = (completionText(body).match(/\S+\s*|\s+/g) ?? []).map((t) => chunk(t, null));
  events.push(chunk('', 'stop'));
  const so = body.stream_options;
  if (isObj(so) && so.include_usage === true) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage: COMPLETION_USAGE })}\n\n`);
  events.push('data: [DONE]\n\n');
  return events;
}
