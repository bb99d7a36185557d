// Legacy completions (client side) ↔ canonical: the prompt becomes one user message; the answer's text parts become
// `choices[0].text`. Field policy: README.md.
import type { EncodeContext, StreamEncoder } from '../../canonical/codec.ts';
import type { CanonicalRequest, CanonicalResponse, CanonicalUsage, StopReason, StreamEvent } from '../../canonical/types.ts';
import { chatStreamError, DONE_LINE } from '../openai-chat/client-response.ts';
import { invalid, parseOrThrow } from '../openai-chat/shared.ts';
import { completionRequestSchema } from './schema.ts';
import type { WireCompletion, WireCompletionFinishReason, WireCompletionUsage } from './schema.ts';

/** OpenAI's documented default for `max_tokens` on this API. */
export const DEFAULT_MAX_TOKENS = 16;

const REFUSED: readonly { readonly field: string; readonly neutral: (v: unknown) => boolean; readonly why: string }[] = [
  { field: 'suffix', neutral: (v) => v === '', why: 'insertion (suffix) is not supported' },
  { field: 'echo', neutral: (v) => v === false, why: 'echo is not supported' },
  { field: 'logprobs', neutral: (v) => v === 0, why: 'log probabilities are not supported' },
  { field: 'best_of', neutral: (v) => v === 1, why: 'best_of is not supported' },
  { field: 'n', neutral: (v) => v === 1, why: 'only one choice (n: 1) is supported' },
  { field: 'logit_bias', neutral: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0, why: 'logit_bias is not supported' },
  { field: 'frequency_penalty', neutral: (v) => v === 0, why: 'frequency_penalty is not supported' },
  { field: 'presence_penalty', neutral: (v) => v === 0, why: 'presence_penalty is not supported' },
];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function decodeCompletionRequest(body: Readonly<Record<string, unknown>>): CanonicalRequest {
  for (const r of REFUSED) {
    const v = body[r.field];
    if (v !== undefined && v !== null && !r.neutral(v)) throw invalid(r.field, `Unsupported parameter "${r.field}" for this model's provider: ${r.why}.`);
  }
  const prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.some((p) => typeof p !== 'string')) {
    throw invalid('prompt', 'Token-array prompts are not supported for this model\'s provider; send the prompt as a string.');
  }
  if (Array.isArray(prompt) && prompt.length !== 1) throw invalid('prompt', 'Exactly one prompt is supported for this model\'s provider.');
  const req = parseOrThrow(completionRequestSchema, body);
  const text = typeof req.prompt === 'string' ? req.prompt : (req.prompt[0] ?? '');
  const out: Mutable<CanonicalRequest> = {
    model: req.model,
    system: [],
    messages: [{ role: 'user', content: [{ type: 'text', text }] }],
    maxTokens: req.max_tokens ?? DEFAULT_MAX_TOKENS,
    stream: req.stream === true,
  };
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.topP = req.top_p;
  if (req.stop != null) out.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed != null) out.seed = req.seed;
  if (req.user != null) out.user = req.user;
  return out;
}

export function completionFinishReason(stop: StopReason): WireCompletionFinishReason {
  if (stop === 'max_tokens') return 'length';
  if (stop === 'content_filter' || stop === 'refusal') return 'content_filter';
  return 'stop';
}

function usageOf(u: CanonicalUsage): WireCompletionUsage {
  return { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
}

/** The upstream's id when it already is a completion id, else `cmpl-<requestId>`. */
function completionId(upstreamId: string | undefined, ctx: EncodeContext): string {
  return upstreamId !== undefined && upstreamId.startsWith('cmpl-') ? upstreamId : `cmpl-${ctx.requestId}`;
}

export function encodeCompletionResponse(resp: CanonicalResponse, ctx: EncodeContext): string {
  let text = '';
  for (const p of resp.content) if (p.type === 'text') text += p.text;
  const out: WireCompletion = {
    id: completionId(resp.id, ctx),
    object: 'text_completion',
    created: resp.created ?? ctx.nowSec,
    model: ctx.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: completionFinishReason(resp.stopReason) }],
  };
  if (resp.usage !== null) out.usage = usageOf(resp.usage);
  return JSON.stringify(out);
}

export function createCompletionStreamEncoder(ctx: EncodeContext): StreamEncoder {
  let id = `cmpl-${ctx.requestId}`;
  let created = ctx.nowSec;
  let usage: CanonicalUsage | null = null;

  function chunk(choices: WireCompletion['choices'], u?: WireCompletionUsage): string {
    const c: WireCompletion = { id, object: 'text_completion', created, model: ctx.model, choices };
    if (u !== undefined) c.usage = u;
    return `data: ${JSON.stringify(c)}\n\n`;
  }

  function encode(ev: StreamEvent): string {
    switch (ev.type) {
      case 'start':
        id = completionId(ev.id, ctx);
        if (ev.created !== undefined) created = ev.created;
        return '';
      case 'text_delta':
        return ev.text === '' ? '' : chunk([{ text: ev.text, index: 0, logprobs: null, finish_reason: null }]);
      case 'finish':
        return chunk([{ text: '', index: 0, logprobs: null, finish_reason: completionFinishReason(ev.stopReason) }]);
      case 'usage':
        usage = ev.usage;
        return '';
      case 'done':
        return ctx.streamUsage && usage !== null ? chunk([], usageOf(usage)) + DONE_LINE : DONE_LINE;
      default: // thinking, tool calls (never asked for), block boundaries: nothing in this dialect
        return '';
    }
  }

  return { encode, error: chatStreamError };
}
