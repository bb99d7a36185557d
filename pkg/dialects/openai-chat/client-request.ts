// OpenAI chat request (client side) → canonical request. The field policy (what is translated, refused, ignored) is
// listed in README.md; refusals are GatewayError invalid_request naming the field.
import type {
  CanonicalRequest,
  DocumentPart,
  ImagePart,
  Message,
  Part,
  Reasoning,
  ResponseFormat,
  TextPart,
  Tool,
  ToolChoice,
  ToolResultPart,
} from '../../canonical/types.ts';
import { chatRequestSchema } from './schema.ts';
import type { WireChatRequest, WireMessage, WireToolCall, WireUserPart } from './schema.ts';
import { invalid, parseOrThrow, sourceOfUrl } from './shared.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Fields with no canonical home that would change the answer: refused unless at their neutral value. */
const REFUSED: readonly { readonly field: string; readonly neutral: (v: unknown) => boolean; readonly why: string }[] = [
  { field: 'n', neutral: (v) => v === 1, why: 'only one choice (n: 1) is supported' },
  { field: 'logprobs', neutral: (v) => v === false, why: 'log probabilities are not supported' },
  { field: 'top_logprobs', neutral: (v) => v === 0, why: 'log probabilities are not supported' },
  { field: 'logit_bias', neutral: (v) => typeof v === 'object' && v !== null && Object.keys(v).length === 0, why: 'logit_bias is not supported' },
  { field: 'frequency_penalty', neutral: (v) => v === 0, why: 'frequency_penalty is not supported' },
  { field: 'presence_penalty', neutral: (v) => v === 0, why: 'presence_penalty is not supported' },
  { field: 'audio', neutral: () => false, why: 'audio output is not supported' },
  { field: 'modalities', neutral: (v) => Array.isArray(v) && v.every((m) => m === 'text'), why: 'only text output is supported' },
  { field: 'functions', neutral: () => false, why: 'the legacy "functions" field is not supported; use "tools"' },
  { field: 'function_call', neutral: () => false, why: 'the legacy "function_call" field is not supported; use "tool_choice"' },
  { field: 'web_search_options', neutral: () => false, why: 'web search is not supported' },
  { field: 'verbosity', neutral: () => false, why: 'verbosity is not supported' },
];

const EFFORTS = new Set(['minimal', 'low', 'medium', 'high']);

function refuseUnsupported(body: Readonly<Record<string, unknown>>): void {
  for (const r of REFUSED) {
    const v = body[r.field];
    if (v === undefined || v === null || r.neutral(v)) continue;
    throw invalid(r.field, `Unsupported parameter "${r.field}" for this model's provider: ${r.why}.`);
  }
}

function textParts(content: string | readonly { text: string }[]): TextPart[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content.map((p) => ({ type: 'text', text: p.text }));
}

function userPart(p: WireUserPart, param: string): TextPart | ImagePart | DocumentPart {
  switch (p.type) {
    case 'text':
      return { type: 'text', text: p.text };
    case 'image_url': {
      const source = sourceOfUrl(p.image_url.url);
      if (source === null) throw invalid(`${param}.image_url.url`, 'image_url.url must be an http(s) URL or a base64 data: URL.');
      const part: Mutable<ImagePart> = { type: 'image', source };
      if (p.image_url.detail !== undefined) part.detail = p.image_url.detail;
      return part;
    }
    case 'file': {
      const f = p.file;
      let source: DocumentPart['source'] | null = null;
      if (f.file_id !== undefined) source = { kind: 'file', fileId: f.file_id };
      else if (f.file_data !== undefined) source = sourceOfUrl(f.file_data);
      if (source === null || source.kind === 'url') throw invalid(param, 'A file part needs file.file_id or file.file_data as a base64 data: URL.');
      const part: Mutable<DocumentPart> = { type: 'document', source };
      if (f.filename !== undefined) part.filename = f.filename;
      return part;
    }
    default:
      throw invalid(param, `Content parts of type "${p.type}" are not supported for this model's provider.`);
  }
}

function parseArguments(call: WireToolCall, param: string): Readonly<Record<string, unknown>> {
  const text = call.function.arguments;
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid(param, 'Tool call arguments must be a JSON object; they do not parse as JSON.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(param, 'Tool call arguments must be a JSON object.');
  return v as Record<string, unknown>;
}

function assistantMessage(m: Extract<WireMessage, { role: 'assistant' }>, i: number): Message {
  const content: Part[] = [];
  if (typeof m.reasoning_content === 'string' && m.reasoning_content !== '') content.push({ type: 'thinking', text: m.reasoning_content });
  if (typeof m.content === 'string') content.push({ type: 'text', text: m.content });
  else if (Array.isArray(m.content)) for (const p of m.content) content.push({ type: 'text', text: p.type === 'text' ? p.text : p.refusal });
  if (typeof m.refusal === 'string' && m.refusal !== '' && m.content == null) content.push({ type: 'text', text: m.refusal });
  if (m.function_call !== undefined && m.function_call !== null) throw invalid(`messages[${i}].function_call`, 'The legacy "function_call" is not supported; use "tool_calls".');
  (m.tool_calls ?? []).forEach((c, j) => {
    content.push({ type: 'tool_use', id: c.id, name: c.function.name, input: parseArguments(c, `messages[${i}].tool_calls[${j}].function.arguments`) });
  });
  return { role: 'assistant', content };
}

/** System/developer messages anywhere go to `system` (in order); tool messages in a row become one user turn. */
function decodeMessages(wire: readonly WireMessage[]): { system: TextPart[]; messages: Message[] } {
  const system: TextPart[] = [];
  const messages: Message[] = [];
  let toolTurn: ToolResultPart[] | null = null;
  wire.forEach((m, i) => {
    if (m.role !== 'tool') toolTurn = null;
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(...textParts(m.content));
        return;
      case 'user':
        messages.push({
          role: 'user',
          content: typeof m.content === 'string' ? textParts(m.content) : m.content.map((p, j) => userPart(p, `messages[${i}].content[${j}]`)),
        });
        return;
      case 'assistant':
        messages.push(assistantMessage(m, i));
        return;
      case 'tool': {
        const result: ToolResultPart = { type: 'tool_result', toolUseId: m.tool_call_id, content: typeof m.content === 'string' && m.content === '' ? [] : textParts(m.content) };
        if (toolTurn === null) {
          toolTurn = [];
          messages.push({ role: 'user', content: toolTurn });
        }
        toolTurn.push(result);
        return;
      }
      default:
        throw invalid(`messages[${i}].role`, 'The legacy "function" role is not supported; use "tool" messages.');
    }
  });
  return { system, messages };
}

function decodeTools(req: WireChatRequest): Tool[] | undefined {
  if (req.tools == null) return undefined;
  return req.tools.map((t) => {
    const tool: Mutable<Tool> = { name: t.function.name, inputSchema: t.function.parameters ?? { type: 'object', properties: {} } };
    if (t.function.description !== undefined) tool.description = t.function.description;
    if (typeof t.function.strict === 'boolean') tool.strict = t.function.strict;
    return tool;
  });
}

function decodeToolChoice(c: NonNullable<WireChatRequest['tool_choice']>): ToolChoice {
  if (typeof c === 'string') return { type: c };
  return { type: 'tool', name: c.function.name };
}

function decodeResponseFormat(f: NonNullable<WireChatRequest['response_format']>): ResponseFormat {
  if (f.type !== 'json_schema') return { type: f.type };
  const js = f.json_schema;
  const out: Mutable<Extract<ResponseFormat, { type: 'json_schema' }>> = { type: 'json_schema', name: js.name, schema: js.schema ?? {} };
  if (typeof js.strict === 'boolean') out.strict = js.strict;
  if (js.description !== undefined) out.description = js.description;
  return out;
}

function decodeReasoning(effort: string): Reasoning | undefined {
  if (effort === 'none') return undefined;
  if (!EFFORTS.has(effort)) throw invalid('reasoning_effort', `Unsupported reasoning_effort "${effort}": use minimal, low, medium or high.`);
  return { effort: effort as NonNullable<Reasoning['effort']> };
}

export function decodeChatRequest(body: Readonly<Record<string, unknown>>): CanonicalRequest {
  refuseUnsupported(body);
  const req = parseOrThrow(chatRequestSchema, body);
  const { system, messages } = decodeMessages(req.messages);
  const out: Mutable<CanonicalRequest> = { model: req.model, system, messages, stream: req.stream === true };
  const tools = decodeTools(req);
  if (tools !== undefined) out.tools = tools;
  if (req.tool_choice != null) out.toolChoice = decodeToolChoice(req.tool_choice);
  if (req.parallel_tool_calls != null) out.parallelToolCalls = req.parallel_tool_calls;
  if (req.response_format != null) out.responseFormat = decodeResponseFormat(req.response_format);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) out.maxTokens = maxTokens;
  if (req.temperature != null) out.temperature = req.temperature;
  if (req.top_p != null) out.topP = req.top_p;
  if (req.stop != null) out.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.seed != null) out.seed = req.seed;
  if (req.reasoning_effort != null) {
    const reasoning = decodeReasoning(req.reasoning_effort);
    if (reasoning !== undefined) out.reasoning = reasoning;
  }
  const user = req.user ?? req.safety_identifier;
  if (user != null) out.user = user;
  return out;
}
