// Provider side: the canonical request → a Cohere Chat v2 body (POST /v2/chat). Pure.
//
// Decisions (documented in pkg/providers/cohere/README.md):
// - System parts become one `system` message (a string for one part, text items otherwise), first.
// - A user turn's tool results become `tool` messages (tool_call_id + text), its other parts `user` messages, order
//   kept. Images go as `image_url` (URLs as given, base64 as data URLs); file-id images, non-text documents and
//   images inside tool results have no Cohere form and are refused (400 invalid_request naming the part).
// - An assistant turn with tool calls sends its text as `tool_plan` (the text a Cohere model writes before calling
//   tools; the decoder reads it back as text), without tool calls as `content`. Thinking parts of earlier turns are
//   dropped: they may come from another provider, and Cohere does not need them replayed.
// - Tool choice: Cohere has REQUIRED and NONE only. `auto` sends nothing; a named tool sends REQUIRED with the tool
//   list narrowed to that one tool. parallel_tool_calls has no Cohere field: dropped. A tool with strict: true turns
//   on strict_tools (Cohere's switch applies to every tool).
// - Response format: json_object → {type: json_object}; json_schema → {type: json_object, json_schema} (v2 has one
//   JSON mode, constrained by a schema when given).
// - Reasoning: an explicit budget (Anthropic budget_tokens) → thinking {type: enabled, token_budget}; an effort alone
//   has no Cohere scale → thinking {type: enabled} with the model's default budget.
// - top_p → p clamped to Cohere's documented [0.01, 0.99]; top_k → k clamped to [0, 500]. More than 5 stop
//   sequences (Cohere's limit) are refused. `user` has no Cohere field: dropped.
import type { CanonicalRequest, DocumentPart, ImagePart, Message, Part, TextPart, ToolResultPart, ToolUsePart } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import type { WireImageContent, WireMessage, WireTextContent, WireTool } from './wire.ts';

export const MAX_STOP_SEQUENCES = 5;

type Obj = Record<string, unknown>;

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

function text(t: string): WireTextContent {
  return { type: 'text', text: t };
}

function image(p: ImagePart, param: string): WireImageContent {
  const s = p.source;
  if (s.kind === 'file') throw invalid(param, 'Images given as a file id cannot be sent to Cohere models; send a URL or base64 data.');
  const url = s.kind === 'url' ? s.url : `data:${s.mediaType};base64,${s.data}`;
  const d = p.detail;
  return { type: 'image_url', image_url: d === 'auto' || d === 'low' || d === 'high' ? { url, detail: d } : { url } };
}

function document(p: DocumentPart, param: string): WireTextContent {
  if (p.source.kind === 'text') return text(p.source.data);
  throw invalid(param, 'Cohere models take documents only as text; PDF and file documents cannot be sent to them.');
}

function userContent(parts: readonly Part[], param: string): WireMessage & { role: 'user' } {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text') return { role: 'user', content: only.text };
  const content = parts.map((p, j): WireTextContent | WireImageContent => {
    const at = `${param}[${j}]`;
    switch (p.type) {
      case 'text':
        return text(p.text);
      case 'image':
        return image(p, at);
      case 'document':
        return document(p, at);
      default:
        throw invalid(at, `A user turn cannot carry a ${p.type} part for Cohere models.`);
    }
  });
  return { role: 'user', content };
}

function toolMessage(p: ToolResultPart, param: string): WireMessage {
  const texts: string[] = [];
  p.content.forEach((c, k) => {
    if (c.type !== 'text') throw invalid(`${param}.content[${k}]`, 'Tool results with images cannot be sent to Cohere models (tool messages carry text only).');
    texts.push(c.text);
  });
  const content = texts.length === 1 && texts[0] !== undefined ? texts[0] : texts.map(text);
  return { role: 'tool', tool_call_id: p.toolUseId, content };
}

/** A user turn: runs of tool results become tool messages, the other parts user messages, order kept. */
function userMessages(m: Message, i: number): WireMessage[] {
  const out: WireMessage[] = [];
  let run: Part[] = [];
  const flush = (): void => {
    if (run.length > 0) out.push(userContent(run, `messages[${i}].content`));
    run = [];
  };
  m.content.forEach((p, j) => {
    if (p.type === 'tool_result') {
      flush();
      out.push(toolMessage(p, `messages[${i}].content[${j}]`));
    } else run.push(p);
  });
  flush();
  return out;
}

function assistantMessage(m: Message): WireMessage | null {
  const texts: string[] = [];
  const calls: ToolUsePart[] = [];
  for (const p of m.content) {
    if (p.type === 'text') texts.push(p.text);
    else if (p.type === 'tool_use') calls.push(p);
  }
  if (calls.length > 0) {
    const plan = texts.join('\n\n');
    return {
      role: 'assistant',
      ...(plan !== '' ? { tool_plan: plan } : {}),
      tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } })),
    };
  }
  if (texts.length === 0) return null;
  return { role: 'assistant', content: texts.length === 1 && texts[0] !== undefined ? texts[0] : texts.map(text) };
}

/** Appends `m`; a user message right after another user message (an assistant turn between them was dropped) joins it. */
function push(out: WireMessage[], m: WireMessage): void {
  const last = out.at(-1);
  if (m.role !== 'user' || last?.role !== 'user') {
    out.push(m);
    return;
  }
  const items = (c: string | readonly (WireTextContent | WireImageContent)[]): (WireTextContent | WireImageContent)[] => (typeof c === 'string' ? [text(c)] : [...c]);
  out[out.length - 1] = { role: 'user', content: [...items(last.content), ...items(m.content)] };
}

function messages(req: CanonicalRequest): WireMessage[] {
  const out: WireMessage[] = [];
  const sys: readonly TextPart[] = req.system;
  if (sys.length === 1 && sys[0] !== undefined) out.push({ role: 'system', content: sys[0].text });
  else if (sys.length > 1) out.push({ role: 'system', content: sys.map((p) => text(p.text)) });
  req.messages.forEach((m, i) => {
    if (m.role === 'assistant') {
      const a = assistantMessage(m);
      if (a !== null) out.push(a);
    } else for (const u of userMessages(m, i)) push(out, u);
  });
  return out;
}

function tools(req: CanonicalRequest): WireTool[] | undefined {
  if (req.tools === undefined || req.tools.length === 0) return undefined;
  const c = req.toolChoice;
  const chosen = c?.type === 'tool' ? req.tools.filter((t) => t.name === c.name) : req.tools;
  if (c?.type === 'tool' && chosen.length === 0) throw invalid('tool_choice', `tool_choice names the tool ${JSON.stringify(c.name)}, which is not in tools.`);
  return chosen.map((t) => ({
    type: 'function',
    function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.inputSchema },
  }));
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

export function encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown> {
  const body: Obj = { model, messages: messages(req) };
  const t = tools(req);
  if (t !== undefined) {
    body.tools = t;
    if (req.tools?.some((x) => x.strict === true) === true) body.strict_tools = true;
    const c = req.toolChoice;
    if (c?.type === 'required' || c?.type === 'tool') body.tool_choice = 'REQUIRED';
    else if (c?.type === 'none') body.tool_choice = 'NONE';
  }
  const rf = req.responseFormat;
  if (rf?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (rf?.type === 'json_schema') body.response_format = { type: 'json_object', json_schema: rf.schema };
  if (req.maxTokens !== undefined) body.max_tokens = req.maxTokens;
  if (req.stop !== undefined && req.stop.length > 0) {
    if (req.stop.length > MAX_STOP_SEQUENCES) throw invalid('stop', `Cohere models take at most ${MAX_STOP_SEQUENCES} stop sequences; ${req.stop.length} were given.`);
    body.stop_sequences = [...req.stop];
  }
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.topP !== undefined) body.p = clamp(req.topP, 0.01, 0.99);
  if (req.topK !== undefined) body.k = clamp(Math.round(req.topK), 0, 500);
  const r = req.reasoning;
  if (r !== undefined) body.thinking = r.budgetTokens !== undefined && r.budgetTokens > 0 ? { type: 'enabled', token_budget: r.budgetTokens } : { type: 'enabled' };
  if (req.stream) body.stream = true;
  return body;
}
