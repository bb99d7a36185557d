// The Responses API `response` object: shared by the complete answer and the stream's lifecycle events.
// Ids: the response is "resp_<requestId>"; output items are "<prefix>_<requestId>_<output index>" (msg_, fc_, rs_),
// unique within the response and stable between a stream's events and its final object.
// The request's settings are echoed from ctx.request (EncodeContext.request) as the SDK types require them;
// without it the API's defaults are reported. `output_text` is not sent: the SDKs compute it from `output`.
// `store` is always false and `previous_response_id` null: the gateway keeps nothing (stateful.ts).
import type { EncodeContext } from '../../canonical/codec.ts';
import type { CanonicalRequest, CanonicalUsage, ResponseFormat, StopReason, ToolChoice } from '../../canonical/types.ts';
import type { FunctionToolParam, OutputItem, ResponseObject, ResponseStatus, ResponseUsage, TextFormat, ToolChoiceParam } from './wire.ts';

export function responseId(ctx: EncodeContext): string {
  return `resp_${ctx.requestId}`;
}

export function itemId(prefix: 'msg' | 'fc' | 'rs', ctx: EncodeContext, outputIndex: number): string {
  return `${prefix}_${ctx.requestId}_${outputIndex}`;
}

function toolChoice(tc: ToolChoice | undefined): ToolChoiceParam {
  if (tc === undefined) return 'auto';
  return tc.type === 'tool' ? { type: 'function', name: tc.name } : tc.type;
}

function textFormat(f: ResponseFormat | undefined): TextFormat {
  if (f === undefined || f.type !== 'json_schema') return { type: f?.type ?? 'text' };
  return {
    type: 'json_schema',
    name: f.name,
    schema: f.schema,
    strict: f.strict ?? null,
    ...(f.description === undefined ? {} : { description: f.description }),
  };
}

function tools(req: CanonicalRequest | undefined): FunctionToolParam[] {
  return (req?.tools ?? []).map((t) => ({
    type: 'function',
    name: t.name,
    description: t.description ?? null,
    parameters: t.inputSchema,
    strict: t.strict ?? null,
  }));
}

export function usage(u: CanonicalUsage): ResponseUsage {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens ?? 0, cache_write_tokens: u.cacheWriteTokens ?? 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/** max_tokens and content_filter leave the response incomplete; every other stop completes it. */
export function incompleteReason(stop: StopReason): 'max_output_tokens' | 'content_filter' | null {
  if (stop === 'max_tokens') return 'max_output_tokens';
  if (stop === 'content_filter') return 'content_filter';
  return null;
}

export interface ResponseState {
  readonly status: ResponseStatus;
  readonly output: readonly OutputItem[];
  readonly incomplete: 'max_output_tokens' | 'content_filter' | null;
  readonly usage: CanonicalUsage | null;
}

export function responseObject(ctx: EncodeContext, state: ResponseState): ResponseObject {
  const req = ctx.request;
  const instructions = req === undefined || req.system.length === 0 ? null : req.system.map((p) => p.text).join('\n\n');
  return {
    id: responseId(ctx),
    object: 'response',
    created_at: ctx.nowSec,
    status: state.status,
    background: false,
    error: null,
    incomplete_details: state.incomplete === null ? null : { reason: state.incomplete },
    instructions,
    max_output_tokens: req?.maxTokens ?? null,
    metadata: {},
    model: ctx.model,
    output: state.output,
    parallel_tool_calls: req?.parallelToolCalls ?? true,
    previous_response_id: null,
    reasoning: { effort: req?.reasoning?.effort ?? null, summary: req?.reasoning?.summary === true ? 'auto' : null },
    store: false,
    temperature: req?.temperature ?? null,
    text: { format: textFormat(req?.responseFormat) },
    tool_choice: toolChoice(req?.toolChoice),
    tools: tools(req),
    top_p: req?.topP ?? null,
    truncation: 'disabled',
    ...(state.usage === null ? {} : { usage: usage(state.usage) }),
    ...(req?.user === undefined ? {} : { user: req.user }),
  };
}
