// Provider side: the canonical request → an Anthropic Messages request body. Pure.
//
// Decisions (documented in pkg/providers/anthropic/README.md):
// - max_tokens is required by Anthropic. When the client gave none: 4096 for the Claude 3 generation (claude-3-opus,
//   -sonnet, -haiku: their output cap), 8192 for claude-3-5-*, 16384 for every other (newer) model; raised to
//   budget + 4096 when a thinking budget would not fit under it.
// - reasoning.effort → thinking.budget_tokens: minimal 1024 (the API minimum), low 2048, medium 8192, high 16384.
//   An effort-derived budget is capped at max_tokens − 1; under 1024 thinking stays off. An explicit budgetTokens is
//   sent as given. Reasoning with neither (Anthropic "adaptive") gets the medium budget.
// - temperature is clamped to Anthropic's range [0, 1] (OpenAI allows up to 2). seed has no Anthropic field: dropped.
// - responseFormat json_schema → output_config.format {type: json_schema, schema} (Anthropic structured outputs);
//   json_object has no Anthropic equivalent and is refused (invalid_request, param response_format).
// - Consecutive turns of the same role are merged; in a user turn tool_result blocks go first (Anthropic requires it).
// - Thinking parts without a signature (they came from another provider) cannot be replayed to Anthropic: dropped.
import type { CanonicalRequest, DocumentPart, ImagePart, MediaSource, Message, Part, Reasoning, TextPart } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { WireCacheControl, WireContentBlockParam, WireDocumentSource, WireImageSource, WireTextBlock } from './wire.ts';

export const EFFORT_BUDGET_TOKENS = { minimal: 1024, low: 2048, medium: 8192, high: 16384 } as const;
export const MIN_THINKING_BUDGET = 1024;

/** max_tokens when the client sent none (see the header comment). */
export function defaultMaxTokens(model: string): number {
  if (/claude-3-(opus|sonnet|haiku)/.test(model)) return 4096;
  if (/claude-3-5-/.test(model)) return 8192;
  return 16384;
}

function cc(p: { readonly cacheControl?: { readonly type: 'ephemeral'; readonly ttl?: string } }): { cache_control?: WireCacheControl } {
  if (p.cacheControl === undefined) return {};
  return { cache_control: p.cacheControl.ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl: p.cacheControl.ttl } };
}

function source(s: MediaSource): WireImageSource {
  if (s.kind === 'base64') return { type: 'base64', media_type: s.mediaType, data: s.data };
  if (s.kind === 'url') return { type: 'url', url: s.url };
  return { type: 'file', file_id: s.fileId };
}

function text(p: TextPart): WireTextBlock {
  return { type: 'text', text: p.text, ...cc(p) };
}

function image(p: ImagePart): WireContentBlockParam {
  return { type: 'image', source: source(p.source), ...cc(p) };
}

function document(p: DocumentPart): WireContentBlockParam {
  const s: WireDocumentSource = p.source.kind === 'text' ? { type: 'text', media_type: p.source.mediaType, data: p.source.data } : source(p.source);
  const title = p.title ?? p.filename;
  return { type: 'document', source: s, ...(title !== undefined ? { title } : {}), ...cc(p) };
}

function block(p: Part): WireContentBlockParam | null {
  switch (p.type) {
    case 'text':
      return text(p);
    case 'image':
      return image(p);
    case 'document':
      return document(p);
    case 'tool_use':
      return { type: 'tool_use', id: p.id, name: p.name, input: { ...p.input }, ...cc(p) };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: p.toolUseId,
        content: p.content.map((c) => (c.type === 'text' ? text(c) : (image(c) as Extract<WireContentBlockParam, { type: 'image' }>))),
        ...(p.isError === true ? { is_error: true } : {}),
        ...cc(p),
      };
    case 'thinking':
      return p.signature === undefined || p.signature === '' ? null : { type: 'thinking', thinking: p.text, signature: p.signature };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: p.data };
  }
}

function messages(msgs: readonly Message[]): { role: 'user' | 'assistant'; content: WireContentBlockParam[] }[] {
  const out: { role: 'user' | 'assistant'; content: WireContentBlockParam[] }[] = [];
  for (const m of msgs) {
    const blocks = m.content.map(block).filter((b): b is WireContentBlockParam => b !== null);
    if (blocks.length === 0) continue;
    const last = out.at(-1);
    if (last !== undefined && last.role === m.role) last.content.push(...blocks);
    else out.push({ role: m.role, content: blocks });
  }
  for (const m of out) {
    if (m.role === 'user') m.content = [...m.content.filter((b) => b.type === 'tool_result'), ...m.content.filter((b) => b.type !== 'tool_result')];
  }
  return out;
}

function thinking(r: Reasoning | undefined, maxTokens: number | undefined): number | undefined {
  if (r === undefined) return undefined;
  if (r.budgetTokens !== undefined) return r.budgetTokens;
  let budget: number = EFFORT_BUDGET_TOKENS[r.effort ?? 'medium'];
  if (maxTokens !== undefined) budget = Math.min(budget, maxTokens - 1);
  return budget < MIN_THINKING_BUDGET ? undefined : budget;
}

function toolChoice(req: CanonicalRequest): Record<string, unknown> | undefined {
  const noParallel = req.parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  const c = req.toolChoice;
  if (c === undefined) return req.parallelToolCalls === false && req.tools !== undefined && req.tools.length > 0 ? { type: 'auto', ...noParallel } : undefined;
  if (c.type === 'none') return { type: 'none' };
  if (c.type === 'required') return { type: 'any', ...noParallel };
  if (c.type === 'tool') return { type: 'tool', name: c.name, ...noParallel };
  return { type: 'auto', ...noParallel };
}

export function encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown> {
  if (req.responseFormat?.type === 'json_object') {
    throw new GatewayError('invalid_request', { param: 'response_format', message: 'response_format json_object is not supported by Anthropic models; use json_schema.' });
  }
  const budget = thinking(req.reasoning, req.maxTokens);
  const maxTokens = req.maxTokens ?? Math.max(defaultMaxTokens(model), budget === undefined ? 0 : budget + 4096);
  const body: Record<string, unknown> = { model, max_tokens: maxTokens, messages: messages(req.messages) };
  if (req.system.length > 0) body.system = req.system.map(text);
  if (req.tools !== undefined && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      input_schema: t.inputSchema,
      ...(t.strict !== undefined ? { strict: t.strict } : {}),
      ...cc(t),
    }));
  }
  const choice = toolChoice(req);
  if (choice !== undefined && (req.tools?.length ?? 0) > 0) body.tool_choice = choice;
  if (req.temperature !== undefined) body.temperature = Math.min(1, Math.max(0, req.temperature));
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.topK !== undefined) body.top_k = req.topK;
  if (req.stop !== undefined && req.stop.length > 0) body.stop_sequences = [...req.stop];
  if (budget !== undefined) body.thinking = { type: 'enabled', budget_tokens: budget };
  if (req.responseFormat?.type === 'json_schema') body.output_config = { format: { type: 'json_schema', schema: req.responseFormat.schema } };
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (req.stream) body.stream = true;
  return body;
}
