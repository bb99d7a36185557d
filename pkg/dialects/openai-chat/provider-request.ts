// Canonical request → OpenAI chat body for an OpenAI-shaped upstream (provider side). Dropped on the way, because
// chat has no place for them: thinking and redacted-thinking parts of earlier assistant turns, cache_control
// markers, tool results' is_error flag, top_k, reasoning budgets without an effort. Images inside tool results
// are refused (chat tool messages carry text only).
import type { CanonicalRequest, DocumentPart, ImagePart, Message, Part, TextPart, ToolResultPart, ToolUsePart } from '../../canonical/types.ts';
import { dataUrl, invalid } from './shared.ts';

type Obj = Record<string, unknown>;

function imagePart(p: ImagePart, param: string): Obj {
  const s = p.source;
  if (s.kind === 'file') throw invalid(param, 'Images given as a file id cannot be sent to this provider.');
  const image_url: Obj = { url: s.kind === 'url' ? s.url : dataUrl(s.mediaType, s.data) };
  if (p.detail !== undefined) image_url.detail = p.detail;
  return { type: 'image_url', image_url };
}

function documentPart(p: DocumentPart, param: string): Obj {
  const s = p.source;
  if (s.kind === 'text') return { type: 'text', text: s.data };
  if (s.kind === 'url') throw invalid(param, 'Documents given by URL cannot be sent to this provider.');
  const file: Obj = s.kind === 'file' ? { file_id: s.fileId } : { file_data: dataUrl(s.mediaType, s.data) };
  const filename = p.filename ?? p.title;
  if (filename !== undefined) file.filename = filename;
  return { type: 'file', file };
}

function userContent(parts: readonly Part[], param: string): string | Obj[] {
  if (parts.length === 1 && parts[0]?.type === 'text') return parts[0].text;
  return parts.map((p, j) => {
    switch (p.type) {
      case 'text':
        return { type: 'text', text: p.text };
      case 'image':
        return imagePart(p, `${param}[${j}]`);
      case 'document':
        return documentPart(p, `${param}[${j}]`);
      default:
        throw invalid(`${param}[${j}]`, `A user turn cannot carry a ${p.type} part for this provider.`);
    }
  });
}

function toolMessage(p: ToolResultPart, param: string): Obj {
  const texts: TextPart[] = [];
  p.content.forEach((c, k) => {
    if (c.type !== 'text') throw invalid(`${param}.content[${k}]`, 'Tool results with images cannot be sent to this provider.');
    texts.push(c);
  });
  const content = texts.length === 1 && texts[0] !== undefined ? texts[0].text : texts.length === 0 ? '' : texts.map((t) => ({ type: 'text', text: t.text }));
  return { role: 'tool', tool_call_id: p.toolUseId, content };
}

/** A user turn: runs of tool results become tool messages, the other parts user messages, order kept. */
function userMessages(m: Message, i: number): Obj[] {
  const out: Obj[] = [];
  let run: Part[] = [];
  const flush = (): void => {
    if (run.length > 0) out.push({ role: 'user', content: userContent(run, `messages[${i}].content`) });
    run = [];
  };
  m.content.forEach((p, j) => {
    if (p.type === 'tool_result') {
      flush();
      out.push(toolMessage(p, `messages[${i}].content[${j}]`));
    } else run.push(p);
  });
  flush();
  if (m.content.length === 0) out.push({ role: 'user', content: '' });
  return out;
}

function assistantMessage(m: Message): Obj {
  const texts: string[] = [];
  const calls: ToolUsePart[] = [];
  for (const p of m.content) {
    if (p.type === 'text') texts.push(p.text);
    else if (p.type === 'tool_use') calls.push(p);
  }
  const content = texts.length === 0 ? null : texts.length === 1 ? texts[0] : texts.map((text) => ({ type: 'text', text }));
  const out: Obj = { role: 'assistant', content };
  if (calls.length > 0) {
    out.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.input) } }));
  }
  return out;
}

function messages(req: CanonicalRequest): Obj[] {
  const out: Obj[] = [];
  const sys = req.system;
  if (sys.length === 1 && sys[0] !== undefined) out.push({ role: 'system', content: sys[0].text });
  else if (sys.length > 1) out.push({ role: 'system', content: sys.map((p) => ({ type: 'text', text: p.text })) });
  req.messages.forEach((m, i) => {
    if (m.role === 'assistant') out.push(assistantMessage(m));
    else out.push(...userMessages(m, i));
  });
  return out;
}

export interface ChatRequestOptions {
  /** Where the output cap goes: OpenAI's current `max_completion_tokens` (default) or `max_tokens` for servers that know only that. */
  readonly maxTokensField?: 'max_completion_tokens' | 'max_tokens';
}

export function encodeChatRequest(req: CanonicalRequest, model: string, opts: ChatRequestOptions = {}): Record<string, unknown> {
  const body: Obj = { model, messages: messages(req) };
  if (req.tools !== undefined) {
    body.tools = req.tools.map((t) => {
      const fn: Obj = { name: t.name };
      if (t.description !== undefined) fn.description = t.description;
      fn.parameters = t.inputSchema;
      if (t.strict !== undefined) fn.strict = t.strict;
      return { type: 'function', function: fn };
    });
  }
  const tc = req.toolChoice;
  if (tc !== undefined) body.tool_choice = tc.type === 'tool' ? { type: 'function', function: { name: tc.name } } : tc.type;
  if (req.parallelToolCalls !== undefined) body.parallel_tool_calls = req.parallelToolCalls;
  const rf = req.responseFormat;
  if (rf !== undefined) {
    if (rf.type !== 'json_schema') body.response_format = { type: rf.type };
    else {
      const js: Obj = { name: rf.name };
      if (rf.description !== undefined) js.description = rf.description;
      js.schema = rf.schema;
      if (rf.strict !== undefined) js.strict = rf.strict;
      body.response_format = { type: 'json_schema', json_schema: js };
    }
  }
  if (req.maxTokens !== undefined) body[opts.maxTokensField ?? 'max_completion_tokens'] = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop !== undefined) body.stop = [...req.stop];
  if (req.seed !== undefined) body.seed = req.seed;
  if (req.reasoning?.effort !== undefined) body.reasoning_effort = req.reasoning.effort;
  if (req.user !== undefined) body.user = req.user;
  if (req.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}
