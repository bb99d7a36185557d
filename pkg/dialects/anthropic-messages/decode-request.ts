// Client side: an Anthropic Messages request body → the canonical request. Pure; throws GatewayError
// invalid_request (with the JSON path as param) for anything that cannot be expressed canonically.
import type { CacheControl, CanonicalRequest, DocumentPart, ImagePart, MediaSource, Message, Part, Reasoning, ResponseFormat, TextPart, Tool, ToolChoice } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';

type Obj = Readonly<Record<string, unknown>>;

function fail(param: string, message: string): never {
  throw new GatewayError('invalid_request', { param, message });
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, param: string): Obj {
  if (!isObj(v)) fail(param, `${param} must be an object.`);
  return v;
}

function str(v: unknown, param: string): string {
  if (typeof v !== 'string') fail(param, `${param} must be a string.`);
  return v;
}

function optNum(v: unknown, param: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(param, `${param} must be a number.`);
  return v;
}

function arr(v: unknown, param: string): readonly unknown[] {
  if (!Array.isArray(v)) fail(param, `${param} must be an array.`);
  return v;
}

function cacheControl(b: Obj, param: string): { cacheControl?: CacheControl } {
  const cc = b.cache_control;
  if (cc === undefined || cc === null) return {};
  const o = obj(cc, `${param}.cache_control`);
  if (o.type !== 'ephemeral') fail(`${param}.cache_control.type`, 'cache_control.type must be "ephemeral".');
  return { cacheControl: typeof o.ttl === 'string' ? { type: 'ephemeral', ttl: o.ttl } : { type: 'ephemeral' } };
}

function textBlock(b: Obj, param: string): TextPart {
  return { type: 'text', text: str(b.text, `${param}.text`), ...cacheControl(b, param) };
}

function mediaSource(v: unknown, param: string): MediaSource {
  const s = obj(v, param);
  switch (s.type) {
    case 'base64':
      return { kind: 'base64', mediaType: str(s.media_type, `${param}.media_type`), data: str(s.data, `${param}.data`) };
    case 'url':
      return { kind: 'url', url: str(s.url, `${param}.url`) };
    case 'file':
      return { kind: 'file', fileId: str(s.file_id, `${param}.file_id`) };
    default:
      return fail(`${param}.type`, `Unsupported source type ${JSON.stringify(s.type)}.`);
  }
}

function imageBlock(b: Obj, param: string): ImagePart {
  return { type: 'image', source: mediaSource(b.source, `${param}.source`), ...cacheControl(b, param) };
}

function documentBlock(b: Obj, param: string): DocumentPart {
  const s = obj(b.source, `${param}.source`);
  const source: DocumentPart['source'] =
    s.type === 'text'
      ? { kind: 'text', mediaType: typeof s.media_type === 'string' ? s.media_type : 'text/plain', data: str(s.data, `${param}.source.data`) }
      : mediaSource(s, `${param}.source`);
  // `context` and `citations` have no canonical form; they only survive on the native (passthrough) path.
  return { type: 'document', source, ...(typeof b.title === 'string' ? { title: b.title } : {}), ...cacheControl(b, param) };
}

function toolResultContent(v: unknown, param: string): (TextPart | ImagePart)[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [{ type: 'text', text: v }];
  return arr(v, param).map((raw, i) => {
    const p = `${param}[${i}]`;
    const b = obj(raw, p);
    if (b.type === 'text') return textBlock(b, p);
    if (b.type === 'image') return imageBlock(b, p);
    return fail(`${p}.type`, `Unsupported tool_result content block type ${JSON.stringify(b.type)}.`);
  });
}

function part(raw: unknown, param: string): Part {
  const b = obj(raw, param);
  switch (b.type) {
    case 'text':
      return textBlock(b, param);
    case 'image':
      return imageBlock(b, param);
    case 'document':
      return documentBlock(b, param);
    case 'tool_use':
      return { type: 'tool_use', id: str(b.id, `${param}.id`), name: str(b.name, `${param}.name`), input: obj(b.input, `${param}.input`), ...cacheControl(b, param) };
    case 'tool_result':
      return {
        type: 'tool_result',
        toolUseId: str(b.tool_use_id, `${param}.tool_use_id`),
        content: toolResultContent(b.content, `${param}.content`),
        ...(b.is_error === true ? { isError: true } : {}),
        ...cacheControl(b, param),
      };
    case 'thinking':
      return { type: 'thinking', text: str(b.thinking, `${param}.thinking`), ...(typeof b.signature === 'string' ? { signature: b.signature } : {}) };
    case 'redacted_thinking':
      return { type: 'redacted_thinking', data: str(b.data, `${param}.data`) };
    default:
      return fail(`${param}.type`, `Unsupported content block type ${JSON.stringify(b.type)}.`);
  }
}

/**
 * Conversation turns, and the text of `role: "system"` messages met among them. Claude Code (2.1.x) sends its
 * environment notes as a system message after the first user turn; the canonical form has one system prompt, so
 * their text joins it (after the top-level `system`, in order).
 */
function messages(v: unknown): { turns: Message[]; system: TextPart[] } {
  const turns: Message[] = [];
  const extra: TextPart[] = [];
  arr(v, 'messages').forEach((raw, i) => {
    const p = `messages[${i}]`;
    const m = obj(raw, p);
    if (m.role === 'system') {
      extra.push(...(typeof m.content === 'string' ? (m.content === '' ? [] : [{ type: 'text' as const, text: m.content }]) : system(m.content, `${p}.content`)));
      return;
    }
    if (m.role !== 'user' && m.role !== 'assistant') fail(`${p}.role`, 'role must be "user", "assistant" or "system".');
    const content: Part[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : arr(m.content, `${p}.content`).map((b, j) => part(b, `${p}.content[${j}]`));
    turns.push({ role: m.role, content });
  });
  return { turns, system: extra };
}

function system(v: unknown, param = 'system'): TextPart[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [{ type: 'text', text: v }];
  return arr(v, param).map((raw, i) => {
    const b = obj(raw, `${param}[${i}]`);
    if (b.type !== 'text') fail(`${param}[${i}].type`, 'system blocks must be text.');
    return textBlock(b, `${param}[${i}]`);
  });
}

function tools(v: unknown): Tool[] | undefined {
  if (v === undefined || v === null) return undefined;
  return arr(v, 'tools').map((raw, i) => {
    const p = `tools[${i}]`;
    const t = obj(raw, p);
    // Server tools (web_search_*, code_execution_*, bash_*, text_editor_*, …) run inside Anthropic: no other provider
    // can execute them, so they are refused rather than silently dropped.
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      fail(`${p}.type`, `Tool ${JSON.stringify(t.name ?? t.type)} of type ${JSON.stringify(t.type)} is an Anthropic server tool; only custom tools can be translated for this model.`);
    }
    return {
      name: str(t.name, `${p}.name`),
      inputSchema: obj(t.input_schema, `${p}.input_schema`),
      ...(typeof t.description === 'string' ? { description: t.description } : {}),
      ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
      ...cacheControl(t, p),
    };
  });
}

function toolChoice(v: unknown): { toolChoice?: ToolChoice; parallelToolCalls?: boolean } {
  if (v === undefined || v === null) return {};
  const c = obj(v, 'tool_choice');
  const parallel = c.disable_parallel_tool_use === true ? { parallelToolCalls: false } : {};
  switch (c.type) {
    case 'auto':
      return { toolChoice: { type: 'auto' }, ...parallel };
    case 'any':
      return { toolChoice: { type: 'required' }, ...parallel };
    case 'none':
      return { toolChoice: { type: 'none' } };
    case 'tool':
      return { toolChoice: { type: 'tool', name: str(c.name, 'tool_choice.name') }, ...parallel };
    default:
      return fail('tool_choice.type', `Unsupported tool_choice type ${JSON.stringify(c.type)}.`);
  }
}

/** `enabled` carries its budget; `adaptive` lets the model decide (canonical: reasoning on, no budget or effort). */
function reasoning(v: unknown): Reasoning | undefined {
  if (v === undefined || v === null) return undefined;
  const t = obj(v, 'thinking');
  if (t.type === 'disabled') return undefined;
  if (t.type === 'adaptive') return {};
  if (t.type !== 'enabled') fail('thinking.type', `Unsupported thinking type ${JSON.stringify(t.type)}.`);
  const budget = optNum(t.budget_tokens, 'thinking.budget_tokens');
  if (budget === undefined) fail('thinking.budget_tokens', 'thinking.budget_tokens is required when thinking is enabled.');
  return { budgetTokens: budget };
}

/** Structured outputs: output_config.format → responseFormat; output_config.effort → reasoning.effort (xhigh, max → high). */
function outputConfig(v: unknown): { responseFormat?: ResponseFormat; effort?: Reasoning['effort'] } {
  if (v === undefined || v === null) return {};
  const o = obj(v, 'output_config');
  const out: { responseFormat?: ResponseFormat; effort?: Reasoning['effort'] } = {};
  if (o.format !== undefined && o.format !== null) {
    const f = obj(o.format, 'output_config.format');
    if (f.type !== 'json_schema') fail('output_config.format.type', `Unsupported output format type ${JSON.stringify(f.type)}.`);
    out.responseFormat = { type: 'json_schema', name: 'output', schema: obj(f.schema, 'output_config.format.schema') };
  }
  if (o.effort === 'low' || o.effort === 'medium' || o.effort === 'high') out.effort = o.effort;
  else if (o.effort === 'xhigh' || o.effort === 'max') out.effort = 'high';
  else if (o.effort !== undefined && o.effort !== null) fail('output_config.effort', `Unsupported effort ${JSON.stringify(o.effort)}.`);
  return out;
}

export function decodeRequest(body: Obj): CanonicalRequest {
  const model = str(body.model, 'model');
  const maxTokens = optNum(body.max_tokens, 'max_tokens');
  if (maxTokens === undefined) fail('max_tokens', 'max_tokens is required.');
  const stop = body.stop_sequences === undefined || body.stop_sequences === null ? undefined : arr(body.stop_sequences, 'stop_sequences').map((s, i) => str(s, `stop_sequences[${i}]`));
  const metadata = body.metadata === undefined || body.metadata === null ? undefined : obj(body.metadata, 'metadata');
  const user = typeof metadata?.user_id === 'string' ? metadata.user_id : undefined;
  const t = tools(body.tools);
  const oc = outputConfig(body.output_config);
  const thinkingReasoning = reasoning(body.thinking);
  const r = oc.effort === undefined ? thinkingReasoning : { ...thinkingReasoning, effort: oc.effort };
  const temperature = optNum(body.temperature, 'temperature');
  const topP = optNum(body.top_p, 'top_p');
  const topK = optNum(body.top_k, 'top_k');
  const conversation = messages(body.messages);
  return {
    model,
    system: [...system(body.system), ...conversation.system],
    messages: conversation.turns,
    ...(t !== undefined ? { tools: t } : {}),
    ...toolChoice(body.tool_choice),
    maxTokens,
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(topK !== undefined ? { topK } : {}),
    ...(stop !== undefined ? { stop } : {}),
    ...(oc.responseFormat !== undefined ? { responseFormat: oc.responseFormat } : {}),
    ...(r !== undefined ? { reasoning: r } : {}),
    stream: body.stream === true,
    ...(user !== undefined ? { user } : {}),
  };
}
