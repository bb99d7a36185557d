// Provider side: the canonical request → a generateContent / streamGenerateContent body. Pure; the URL (model,
// method, alt=sse) and the credential are the caller's (pkg/providers/gemini, and Vertex AI's Gemini models, which
// take the same body). Decisions (documented in pkg/providers/gemini/README.md):
// - system → systemInstruction; assistant turns are role "model"; consecutive turns of one role are merged; a user
//   turn lists its functionResponse parts first. Empty text parts are left out (Gemini refuses them).
// - Tools → one tool with functionDeclarations, the JSON Schema in parametersJsonSchema (no OpenAPI-subset
//   conversion); tool choice → toolConfig.functionCallingConfig (auto AUTO, none NONE, required ANY, a named tool ANY
//   + allowedFunctionNames). parallel_tool_calls has no Gemini field: dropped.
// - Tool results → functionResponse {name, response: {output} or {error}} (the documented keys), the name and the
//   Gemini call id found from the tool call in the history (signatures.ts); images of a result follow as inlineData.
// - Images and documents: base64 → inlineData; https URLs → fileData (the Gemini API fetches public and signed HTTPS
//   URLs), MIME type from the file extension when known; plain http:// is refused; provider file ids are passed as
//   fileData when they are Gemini file URIs (https://…, gs://…, files/…), refused otherwise.
// - response_format json_object → responseMimeType application/json; json_schema → the same plus responseJsonSchema.
// - Reasoning → thinkingConfig with includeThoughts: an explicit budget as thinkingBudget; an effort as thinkingLevel
//   on Gemini 3 and later, as a thinkingBudget (EFFORT_BUDGET) on Gemini 2.x.
// - stop → stopSequences (Gemini takes at most 5: more is refused); seed → seed; user → dropped.
// - Thinking parts go back as thought parts only with a Gemini signature; thinking from other providers and redacted
//   thinking are dropped. A model turn's first function call without a signature gets SKIP_SIGNATURE on Gemini 3+.
import type { CanonicalRequest, DocumentPart, ImagePart, MediaSource, Message, Part, Reasoning, ToolResultPart } from '../../canonical/types.ts';
import { GatewayError } from '../../errors/errors.ts';
import { geminiThinkingSignature, isGemini3OrLater, parseToolCallId, SKIP_SIGNATURE } from './signatures.ts';
import type { WireContent, WireGenerationConfig, WirePart, WireThinkingConfig, WireThinkingLevel, WireToolConfig } from './wire.ts';

/** thinkingBudget for a reasoning effort on Gemini 2.x (2.5 Flash-Lite's minimum is 512, Flash's maximum 24576). */
export const EFFORT_BUDGET = { minimal: 512, low: 1024, medium: 8192, high: 24576 } as const;

const EFFORT_LEVEL: Readonly<Record<NonNullable<Reasoning['effort']>, WireThinkingLevel>> = { minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };

/** Gemini's documented cap on stop sequences. */
export const MAX_STOP_SEQUENCES = 5;

const MIME_BY_EXT: Readonly<Record<string, string>> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', heic: 'image/heic', heif: 'image/heif',
  pdf: 'application/pdf', txt: 'text/plain', md: 'text/markdown', html: 'text/html', csv: 'text/csv',
};

function invalid(message: string, param = 'messages'): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

/** The MIME type a URL's file extension names, if known. */
export function mimeFromUrl(url: string): string | undefined {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // not a URL: use the text as it is
  }
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : MIME_BY_EXT[ext];
}

function fileData(uri: string, mimeType: string | undefined): WirePart {
  return { fileData: { fileUri: uri, ...(mimeType === undefined ? {} : { mimeType }) } };
}

function media(source: MediaSource, what: 'image' | 'document'): WirePart {
  if (source.kind === 'base64') return { inlineData: { mimeType: source.mediaType, data: source.data } };
  if (source.kind === 'url') {
    if (!/^https:\/\//i.test(source.url)) {
      throw invalid(`Gemini fetches ${what}s by URL only over HTTPS: send an https:// URL or the ${what} as base64 data.`);
    }
    return fileData(source.url, mimeFromUrl(source.url));
  }
  if (/^(https:\/\/|gs:\/\/|files\/)/.test(source.fileId)) return fileData(source.fileId, mimeFromUrl(source.fileId));
  throw invalid(`The ${what} file id is not a Gemini file (https://…, gs://… or files/…): send the ${what} as base64 data or an https:// URL instead.`);
}

function image(p: ImagePart): WirePart {
  return media(p.source, 'image');
}

function document(p: DocumentPart): WirePart {
  if (p.source.kind === 'text') return { text: p.source.data };
  return media(p.source, 'document');
}

interface CallInfo {
  readonly name: string;
  readonly geminiId?: string;
}

/** Tool call id → its name and Gemini id, from every tool_use in the history (tool results name only the id). */
function callIndex(messages: readonly Message[]): Map<string, CallInfo> {
  const calls = new Map<string, CallInfo>();
  for (const m of messages) {
    for (const p of m.content) {
      if (p.type !== 'tool_use') continue;
      const { geminiId } = parseToolCallId(p.id);
      calls.set(p.id, { name: p.name, ...(geminiId === undefined ? {} : { geminiId }) });
    }
  }
  return calls;
}

function toolResult(p: ToolResultPart, calls: ReadonlyMap<string, CallInfo>): WirePart[] {
  const call = calls.get(p.toolUseId);
  if (call === undefined) throw invalid(`A tool result answers tool call "${p.toolUseId}", which no earlier assistant turn made: Gemini needs the function name.`);
  const text = p.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  const response = p.isError === true ? { error: text } : { output: text };
  const out: WirePart[] = [{ functionResponse: { name: call.name, response, ...(call.geminiId === undefined ? {} : { id: call.geminiId }) } }];
  for (const c of p.content) if (c.type === 'image') out.push(image(c));
  return out;
}

function part(p: Part, calls: ReadonlyMap<string, CallInfo>): WirePart[] {
  switch (p.type) {
    case 'text':
      return p.text === '' ? [] : [{ text: p.text }];
    case 'image':
      return [image(p)];
    case 'document':
      return [document(p)];
    case 'tool_use': {
      const { geminiId, signature } = parseToolCallId(p.id);
      return [{
        functionCall: { name: p.name, args: { ...p.input }, ...(geminiId === undefined ? {} : { id: geminiId }) },
        ...(signature === undefined ? {} : { thoughtSignature: signature }),
      }];
    }
    case 'tool_result':
      return toolResult(p, calls);
    case 'thinking': {
      const signature = geminiThinkingSignature(p.signature);
      return signature === undefined ? [] : [{ text: p.text, thought: true, thoughtSignature: signature }];
    }
    case 'redacted_thinking':
      return [];
  }
}

function contents(messages: readonly Message[], model: string): WireContent[] {
  const calls = callIndex(messages);
  const out: WireContent[] = [];
  for (const m of messages) {
    const parts = m.content.flatMap((p) => part(p, calls));
    if (parts.length === 0) continue;
    const role = m.role === 'assistant' ? 'model' : 'user';
    const last = out.at(-1);
    if (last !== undefined && last.role === role) last.parts.push(...parts);
    else out.push({ role, parts });
  }
  for (const c of out) {
    if (c.role === 'user') {
      c.parts.sort((a, b) => Number(b.functionResponse !== undefined) - Number(a.functionResponse !== undefined));
    } else if (isGemini3OrLater(model)) {
      const i = c.parts.findIndex((p) => p.functionCall !== undefined);
      const first = c.parts[i];
      if (first !== undefined && first.thoughtSignature === undefined) c.parts[i] = { ...first, thoughtSignature: SKIP_SIGNATURE };
    }
  }
  return out;
}

function toolConfig(req: CanonicalRequest): WireToolConfig | undefined {
  const c = req.toolChoice;
  if (c === undefined) return undefined;
  if (c.type === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (c.type === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (c.type === 'tool') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [c.name] } };
  return { functionCallingConfig: { mode: 'AUTO' } };
}

function thinkingConfig(r: Reasoning | undefined, model: string): WireThinkingConfig | undefined {
  if (r === undefined) return undefined;
  if (r.budgetTokens !== undefined) return { includeThoughts: true, thinkingBudget: r.budgetTokens };
  if (r.effort === undefined) return { includeThoughts: true };
  if (isGemini3OrLater(model)) return { includeThoughts: true, thinkingLevel: EFFORT_LEVEL[r.effort] };
  return { includeThoughts: true, thinkingBudget: EFFORT_BUDGET[r.effort] };
}

function generationConfig(req: CanonicalRequest, model: string): WireGenerationConfig | undefined {
  if (req.stop !== undefined && req.stop.length > MAX_STOP_SEQUENCES) {
    throw invalid(`Gemini accepts at most ${MAX_STOP_SEQUENCES} stop sequences; the request has ${req.stop.length}.`, 'stop');
  }
  const rf = req.responseFormat;
  const thinking = thinkingConfig(req.reasoning, model);
  const cfg: WireGenerationConfig = {
    ...(req.temperature === undefined ? {} : { temperature: req.temperature }),
    ...(req.topP === undefined ? {} : { topP: req.topP }),
    ...(req.topK === undefined ? {} : { topK: req.topK }),
    ...(req.maxTokens === undefined ? {} : { maxOutputTokens: req.maxTokens }),
    ...(req.stop === undefined || req.stop.length === 0 ? {} : { stopSequences: [...req.stop] }),
    ...(req.seed === undefined ? {} : { seed: req.seed }),
    ...(rf === undefined || rf.type === 'text' ? {} : { responseMimeType: 'application/json' }),
    ...(rf?.type === 'json_schema' ? { responseJsonSchema: rf.schema } : {}),
    ...(thinking === undefined ? {} : { thinkingConfig: thinking }),
  };
  return Object.keys(cfg).length === 0 ? undefined : cfg;
}

function hasProperties(schema: Readonly<Record<string, unknown>>): boolean {
  const props = schema.properties;
  return typeof props === 'object' && props !== null && Object.keys(props).length > 0;
}

/** The generateContent body (model and method are in the URL, not the body). */
export function encodeRequest(req: CanonicalRequest, model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { contents: contents(req.messages, model) };
  const system = req.system.filter((p) => p.text !== '').map((p) => ({ text: p.text }));
  if (system.length > 0) body.systemInstruction = { parts: system };
  if (req.tools !== undefined && req.tools.length > 0) {
    body.tools = [{
      functionDeclarations: req.tools.map((t) => ({
        name: t.name,
        ...(t.description === undefined ? {} : { description: t.description }),
        ...(hasProperties(t.inputSchema) ? { parametersJsonSchema: t.inputSchema } : {}),
      })),
    }];
    const tc = toolConfig(req);
    if (tc !== undefined) body.toolConfig = tc;
  }
  const cfg = generationConfig(req, model);
  if (cfg !== undefined) body.generationConfig = cfg;
  return body;
}
