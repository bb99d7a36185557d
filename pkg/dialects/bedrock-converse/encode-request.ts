// Provider side: the canonical request → a Bedrock Converse request body. Pure. The model id goes in the URL path
// (pkg/providers/bedrock/request.ts); `model` is read here only to know the model family for model-specific fields.
//
// Decisions (documented in pkg/providers/bedrock/README.md):
// - Images: base64 data → `{image: {format, source: {bytes}}}` (png, jpeg, gif, webp); an s3:// URL → s3Location.
//   Other URLs and provider file ids are refused (400 invalid_request naming the part): Converse takes bytes or S3
//   only, and the gateway does not fetch URLs on a client's behalf.
// - Documents: bytes, S3 or text sources, format from the media type; the name (Bedrock allows only alphanumerics,
//   single spaces, hyphens, parentheses and brackets) is the title or filename with other characters replaced.
// - Cache markers (canonical cacheControl, Anthropic's cache_control) → a `cachePoint` block right after the marked
//   block, in system, messages and tools (ttl "5m"/"1h" kept).
// - toolChoice none: Converse has no "none"; tools are left out unless the conversation already holds tool blocks
//   (Bedrock then requires toolConfig), in which case they are sent without a choice. parallelToolCalls and seed:
//   no Converse field, dropped. user: dropped (requestMetadata restricts its characters; a 400 for an unusual id
//   would be worse than not forwarding it).
// - Anthropic models (an id or ARN naming `anthropic.`): reasoning → additionalModelRequestFields.thinking with the
//   same effort budgets as the anthropic provider; topK → top_k; stop sequences ask for /stop_sequence back.
//   Other model families: reasoning and topK are dropped (their fields differ per family).
// - responseFormat json_schema → outputConfig.textFormat (the schema as JSON text); json_object has no Converse
//   equivalent and is refused, as for Anthropic.
// - Consecutive turns of one role are merged; tool results go first in a user turn (Anthropic models require it).
// - Thinking without a signature (it came from another provider) cannot be replayed: dropped. Blank text blocks
//   (Bedrock refuses them) are dropped.
import type { CanonicalRequest, DocumentPart, ImagePart, MediaSource, Message, Part, Reasoning, TextPart, Tool } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import { EFFORT_BUDGET_TOKENS, MIN_THINKING_BUDGET } from '../anthropic-messages/encode-request.ts';
import type {
  WireCachePoint,
  WireContentBlock,
  WireConverseRequest,
  WireDocumentBlock,
  WireDocumentFormat,
  WireImageBlock,
  WireImageFormat,
  WireInferenceConfig,
  WireMessage,
  WireSystemBlock,
  WireTool,
  WireToolChoice,
  WireToolResultContent,
} from './wire.ts';

const IMAGE_FORMATS: Readonly<Record<string, WireImageFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

const DOCUMENT_FORMATS: Readonly<Record<string, WireDocumentFormat>> = {
  'application/pdf': 'pdf',
  'text/csv': 'csv',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/plain': 'txt',
  'text/markdown': 'md',
};

/** True for Anthropic models on Bedrock: base ids, cross-region inference profiles (us./eu./apac./global.) and ARNs naming one. */
export function isAnthropicModel(model: string): boolean {
  return /(^|[./])anthropic\./.test(model);
}

function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

function cachePoint(p: { readonly cacheControl?: { readonly ttl?: string } }): WireCachePoint[] {
  if (p.cacheControl === undefined) return [];
  const ttl = p.cacheControl.ttl;
  return [{ cachePoint: ttl === '5m' || ttl === '1h' ? { type: 'default', ttl } : { type: 'default' } }];
}

function mediaSource(s: MediaSource, param: string, what: string): { bytes: string } | { s3Location: { uri: string } } {
  if (s.kind === 'base64') return { bytes: s.data };
  if (s.kind === 'url' && s.url.startsWith('s3://')) return { s3Location: { uri: s.url } };
  if (s.kind === 'url') throw invalid(param, `Bedrock takes ${what} as base64 data or an s3:// location, not as a URL.`);
  throw invalid(param, `Bedrock does not accept provider file ids for ${what}; send base64 data.`);
}

function imageFormat(s: MediaSource, param: string): WireImageFormat {
  const type = s.kind === 'base64' ? s.mediaType.toLowerCase() : '';
  const fromType = IMAGE_FORMATS[type];
  if (fromType !== undefined) return fromType;
  if (s.kind === 'url') {
    const ext = /\.([a-z]+)$/i.exec(s.url)?.[1]?.toLowerCase();
    const fromExt = ext === undefined ? undefined : IMAGE_FORMATS[`image/${ext}`];
    if (fromExt !== undefined) return fromExt;
  }
  throw invalid(param, `Bedrock accepts png, jpeg, gif and webp images${type === '' ? '' : `, not ${type}`}.`);
}

function image(p: ImagePart, param: string): WireImageBlock {
  return { format: imageFormat(p.source, param), source: mediaSource(p.source, param, 'images') };
}

/** A document name Bedrock accepts: allowed characters only, no runs of whitespace, never empty. */
export function documentName(p: DocumentPart, n: number): string {
  const raw = (p.title ?? p.filename ?? '').replace(/\.[A-Za-z0-9]{1,5}$/, '');
  const cleaned = raw.replace(/[^A-Za-z0-9\s\-()[\]]/g, ' ').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? `document-${n}` : cleaned.slice(0, 200);
}

function document(p: DocumentPart, param: string, n: number): WireDocumentBlock {
  const s = p.source;
  const name = documentName(p, n);
  if (s.kind === 'text') return { format: DOCUMENT_FORMATS[s.mediaType.toLowerCase()] ?? 'txt', name, source: { text: s.data } };
  const format = s.kind === 'base64' ? DOCUMENT_FORMATS[s.mediaType.toLowerCase()] : undefined;
  if (s.kind === 'base64' && format === undefined) throw invalid(param, `Bedrock does not accept documents of type ${s.mediaType}.`);
  return { ...(format === undefined ? {} : { format }), name, source: mediaSource(s, param, 'documents') };
}

function toolResultContent(c: TextPart | ImagePart, param: string): WireToolResultContent {
  return c.type === 'text' ? { text: c.text } : { image: image(c, param) };
}

interface Counter {
  documents: number;
}

function blocks(p: Part, param: string, counter: Counter): WireContentBlock[] {
  switch (p.type) {
    case 'text':
      // Bedrock refuses blank text blocks (OpenAI clients send content "" beside tool calls).
      return p.text === '' ? [] : [{ text: p.text }, ...cachePoint(p)];
    case 'image':
      return [{ image: image(p, param) }, ...cachePoint(p)];
    case 'document':
      counter.documents += 1;
      return [{ document: document(p, param, counter.documents) }, ...cachePoint(p)];
    case 'tool_use':
      return [{ toolUse: { toolUseId: p.id, name: p.name, input: { ...p.input } } }, ...cachePoint(p)];
    case 'tool_result':
      return [
        {
          toolResult: {
            toolUseId: p.toolUseId,
            content: p.content.map((c, i) => toolResultContent(c, `${param}.content[${i}]`)),
            ...(p.isError === true ? { status: 'error' as const } : {}),
          },
        },
        ...cachePoint(p),
      ];
    case 'thinking':
      return p.signature === undefined || p.signature === '' ? [] : [{ reasoningContent: { reasoningText: { text: p.text, signature: p.signature } } }];
    case 'redacted_thinking':
      return [{ reasoningContent: { redactedContent: p.data } }];
  }
}

function isToolResult(b: WireContentBlock): boolean {
  return 'toolResult' in b;
}

function messages(msgs: readonly Message[]): WireMessage[] {
  const out: { role: 'user' | 'assistant'; content: WireContentBlock[] }[] = [];
  const counter: Counter = { documents: 0 };
  msgs.forEach((m, i) => {
    const content = m.content.flatMap((p, j) => blocks(p, `messages[${i}].content[${j}]`, counter));
    if (content.length === 0) return;
    const last = out.at(-1);
    if (last !== undefined && last.role === m.role) last.content.push(...content);
    else out.push({ role: m.role, content });
  });
  for (const m of out) {
    if (m.role !== 'user' || !m.content.some(isToolResult)) continue;
    // Keep each tool result's cachePoint right after it while moving tool results first.
    const groups: WireContentBlock[][] = [];
    for (const b of m.content) {
      if ('cachePoint' in b && groups.length > 0) groups.at(-1)?.push(b);
      else groups.push([b]);
    }
    const first = groups.filter((g) => g[0] !== undefined && isToolResult(g[0]));
    const rest = groups.filter((g) => g[0] === undefined || !isToolResult(g[0]));
    m.content = [...first, ...rest].flat();
  }
  return out;
}

function system(parts: readonly TextPart[]): WireSystemBlock[] {
  return parts.flatMap((p): WireSystemBlock[] => (p.text === '' ? [] : [{ text: p.text }, ...cachePoint(p)]));
}

function tools(list: readonly Tool[]): WireTool[] {
  return list.flatMap((t): WireTool[] => [
    {
      toolSpec: {
        name: t.name,
        ...(t.description !== undefined ? { description: t.description } : {}),
        inputSchema: { json: t.inputSchema },
        ...(t.strict !== undefined ? { strict: t.strict } : {}),
      },
    },
    ...cachePoint(t),
  ]);
}

function toolChoice(req: CanonicalRequest): WireToolChoice | undefined {
  const c = req.toolChoice;
  if (c === undefined || c.type === 'none') return undefined;
  if (c.type === 'required') return { any: {} };
  if (c.type === 'tool') return { tool: { name: c.name } };
  return { auto: {} };
}

function hasToolBlocks(msgs: readonly Message[]): boolean {
  return msgs.some((m) => m.content.some((p) => p.type === 'tool_use' || p.type === 'tool_result'));
}

function thinkingBudget(r: Reasoning | undefined, maxTokens: number | undefined): number | undefined {
  if (r === undefined) return undefined;
  if (r.budgetTokens !== undefined) return r.budgetTokens;
  let budget: number = EFFORT_BUDGET_TOKENS[r.effort ?? 'medium'];
  if (maxTokens !== undefined) budget = Math.min(budget, maxTokens - 1);
  return budget < MIN_THINKING_BUDGET ? undefined : budget;
}

function inferenceConfig(req: CanonicalRequest): WireInferenceConfig | undefined {
  const c: { -readonly [K in keyof WireInferenceConfig]: WireInferenceConfig[K] } = {};
  if (req.maxTokens !== undefined) c.maxTokens = req.maxTokens;
  if (req.temperature !== undefined) c.temperature = req.temperature;
  if (req.topP !== undefined) c.topP = req.topP;
  if (req.stop !== undefined && req.stop.length > 0) c.stopSequences = [...req.stop];
  return Object.keys(c).length === 0 ? undefined : c;
}

export function encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown> {
  if (req.responseFormat?.type === 'json_object') {
    throw invalid('response_format', 'response_format json_object is not supported by Bedrock Converse; use json_schema.');
  }
  const anthropic = isAnthropicModel(model);
  const body: { -readonly [K in keyof WireConverseRequest]: WireConverseRequest[K] } = { messages: messages(req.messages) };
  const sys = system(req.system);
  if (sys.length > 0) body.system = sys;
  const inference = inferenceConfig(req);
  if (inference !== undefined) body.inferenceConfig = inference;
  const toolList = req.tools ?? [];
  const choice = toolChoice(req);
  if (toolList.length > 0 && (req.toolChoice?.type !== 'none' || hasToolBlocks(req.messages))) {
    body.toolConfig = { tools: tools(toolList), ...(choice === undefined ? {} : { toolChoice: choice }) };
  }
  if (req.responseFormat?.type === 'json_schema') {
    const f = req.responseFormat;
    body.outputConfig = {
      textFormat: {
        type: 'json_schema',
        structure: { jsonSchema: { schema: JSON.stringify(f.schema), name: f.name, ...(f.description !== undefined ? { description: f.description } : {}) } },
      },
    };
  }
  if (anthropic) {
    const extra: Record<string, unknown> = {};
    const budget = thinkingBudget(req.reasoning, req.maxTokens);
    if (budget !== undefined) extra.thinking = { type: 'enabled', budget_tokens: budget };
    if (req.topK !== undefined) extra.top_k = req.topK;
    if (Object.keys(extra).length > 0) body.additionalModelRequestFields = extra;
    if (req.stop !== undefined && req.stop.length > 0) body.additionalModelResponseFieldPaths = ['/stop_sequence'];
  }
  return body as unknown as Record<string, unknown>;
}
