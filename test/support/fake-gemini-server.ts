// A fake Gemini API upstream on a real loopback HTTP server, speaking the Generative Language API as Google's public
// documentation describes it: POST /v1beta/models/<model>:generateContent, :streamGenerateContent?alt=sse (one
// GenerateContentResponse per SSE event, usageMetadata on every event, finishReason on the last; without alt=sse a
// JSON array), :embedContent and :batchEmbedContents; the key in x-goog-api-key (or ?key=); errors as google.rpc
// Status JSON ({error:{code,message,status,details}}), a wrong key as 400 INVALID_ARGUMENT + ErrorInfo
// API_KEY_INVALID. Gemini 3 models (gemini-3…) check thought signatures like the real API: a model turn whose first
// function call carries no thoughtSignature is refused with 400. test/providers/fake-gemini-server.test.ts proves the
// wire format with the official @google/genai SDK.
//
// Deterministic answers: text "Echo: <last user text>"; after a function response "Echo: tool result: <output>"; a
// functionCall of the first declared function (or the allowed one) when tools are given and the prompt mentions
// "tool" (or the mode is ANY), with a thoughtSignature; a thought part first when thinkingConfig.includeThoughts;
// JSON (a sample of responseJsonSchema, else {"echo": prompt}) when responseMimeType is application/json. Usage
// counts ~4 characters a token. Faults (setFault) cover HTTP errors with RetryInfo, blocked prompts, safety stops,
// in-band errors before content, cut streams and overridden usage.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendEvents, startLoopbackServer } from './fake-http.ts';
import { estimateTokens, isObj } from './message-text.ts';
import type { Obj } from './message-text.ts';

export { estimateTokens } from './message-text.ts';

export interface RecordedGeminiRequest {
  readonly method: string;
  /** Path without the query, e.g. /v1beta/models/gemini-2.5-flash:generateContent. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The model of the path ("gemini-2.5-flash") and the method ("generateContent"). */
  readonly model: string;
  readonly action: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: string;
  /** Parsed JSON, or undefined. */
  readonly body: unknown;
}

export interface GeminiUsage {
  readonly promptTokenCount?: number;
  readonly candidatesTokenCount?: number;
  readonly cachedContentTokenCount?: number;
  readonly thoughtsTokenCount?: number;
  readonly totalTokenCount?: number;
}

export interface GeminiFault {
  /** Answer with this HTTP status and a google.rpc error body. */
  readonly status?: number;
  /** The google.rpc status name (default from the HTTP status: 429 RESOURCE_EXHAUSTED, 400 INVALID_ARGUMENT, …). */
  readonly statusName?: string;
  readonly message?: string;
  /** RetryInfo.retryDelay in the error details, e.g. "17s". */
  readonly retryDelay?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** 200 with promptFeedback.blockReason (no candidates). */
  readonly blockReason?: string;
  /** The finishReason of the answer (e.g. SAFETY: no content, MAX_TOKENS: the text cut). */
  readonly finishReason?: string;
  /** Answer this text instead of the echo. */
  readonly text?: string;
  /** Report these usage fields instead of the estimate. */
  readonly usage?: GeminiUsage;
  /** Stream only: one event with usage and no parts, then an in-band {error} event (status name statusName ?? UNAVAILABLE). */
  readonly errorBeforeContent?: boolean;
  /** Stream only: stop after this many events; `end` closes cleanly, `destroy` resets the socket. */
  readonly cutAfterEvents?: number;
  readonly cutMode?: 'end' | 'destroy';
  /** Answer 200 with this exact body (and content type) instead of a planned answer. */
  readonly rawBody?: string;
  readonly rawContentType?: string;
}

export interface FakeGemini {
  /** Origin, e.g. http://127.0.0.1:1234 (the SDK's httpOptions.baseUrl). */
  readonly origin: string;
  /** Base URL with the API version, e.g. http://127.0.0.1:1234/v1beta (a Provider's spec.baseURL). */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedGeminiRequest[];
  /** Every thoughtSignature the fake put on a functionCall part, in order. */
  readonly issuedSignatures: string[];
  /** Applies to every following request until changed (undefined clears it); a function picks one per request. */
  setFault(fault: GeminiFault | ((req: RecordedGeminiRequest) => GeminiFault | undefined) | undefined): void;
  close(): Promise<void>;
}

export const STATUS_NAME_BY_CODE: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

/** The fake's thought signature for a prompt (base64, as the real one is). */
export function fakeSignature(seed: string): string {
  return Buffer.from(`sig:${seed}`).toString('base64');
}

type Part = Obj;

function partsOf(c: unknown): Part[] {
  return isObj(c) && Array.isArray(c.parts) ? c.parts.filter(isObj) : [];
}

function promptOf(contents: readonly Obj[]): { prompt: string; toolOutput: string | undefined } {
  const last = contents.at(-1);
  const parts = partsOf(last);
  const fr = parts.find((p) => isObj(p.functionResponse));
  if (fr !== undefined && isObj(fr.functionResponse)) {
    const resp = fr.functionResponse.response;
    const out = isObj(resp) ? (resp.output ?? resp.error ?? resp) : resp;
    return { prompt: '', toolOutput: typeof out === 'string' ? out : JSON.stringify(out) };
  }
  const user = [...contents].reverse().find((c) => c.role !== 'model');
  return { prompt: partsOf(user).map((p) => (typeof p.text === 'string' ? p.text : '')).join(''), toolOutput: undefined };
}

function sample(schema: unknown): unknown {
  if (!isObj(schema)) return null;
  const t = schema.type;
  if (t === 'object' || isObj(schema.properties)) {
    const out: Obj = {};
    for (const [k, v] of Object.entries(isObj(schema.properties) ? schema.properties : {})) out[k] = sample(v);
    return out;
  }
  if (t === 'array') return [sample(schema.items)];
  if (t === 'number' || t === 'integer') return 1;
  if (t === 'boolean') return true;
  if (t === 'string') return Array.isArray(schema.enum) && typeof schema.enum[0] === 'string' ? schema.enum[0] : 'Paris';
  return null;
}

interface Plan {
  readonly parts: Part[];
  readonly finishReason: string;
  readonly usage: GeminiUsage;
}

/** The first function call of a model turn lacks its signature (what Gemini 3 refuses). */
function missingSignature(contents: readonly Obj[]): number {
  return contents.findIndex((c) => c.role === 'model' && (() => {
    const first = partsOf(c).find((p) => isObj(p.functionCall));
    return first !== undefined && typeof first.thoughtSignature !== 'string';
  })());
}

function plan(body: Obj, fault: GeminiFault | undefined, counter: number): Plan {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isObj) : [];
  const { prompt, toolOutput } = promptOf(contents);
  const cfg = isObj(body.generationConfig) ? body.generationConfig : {};
  const thinking = isObj(cfg.thinkingConfig) ? cfg.thinkingConfig : undefined;
  const decls = (Array.isArray(body.tools) ? body.tools.filter(isObj) : []).flatMap((t) => (Array.isArray(t.functionDeclarations) ? t.functionDeclarations.filter(isObj) : []));
  const fcc = isObj(body.toolConfig) && isObj(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : {};
  const allowed = Array.isArray(fcc.allowedFunctionNames) ? fcc.allowedFunctionNames : [];
  const wantsTool = decls.length > 0 && fcc.mode !== 'NONE' && toolOutput === undefined && (fcc.mode === 'ANY' || /\btool\b/i.test(prompt));
  const parts: Part[] = [];
  if (thinking?.includeThoughts === true) parts.push({ text: `The user wrote: ${prompt}`, thought: true, thoughtSignature: fakeSignature(`thought-${counter}`) });
  if (wantsTool) {
    const decl = decls.find((d) => allowed.includes(d.name)) ?? decls[0]!;
    parts.push({ functionCall: { name: decl.name, args: (sample(decl.parametersJsonSchema ?? decl.parameters) as Obj | null) ?? {} }, thoughtSignature: fakeSignature(`call-${counter}`) });
  } else if (fault?.finishReason !== 'SAFETY') {
    let text = fault?.text ?? (toolOutput !== undefined ? `Echo: tool result: ${toolOutput}` : `Echo: ${prompt}`);
    if (cfg.responseMimeType === 'application/json' && fault?.text === undefined) text = JSON.stringify(cfg.responseJsonSchema !== undefined ? sample(cfg.responseJsonSchema) : { echo: prompt });
    parts.push({ text });
  }
  const promptTokens = estimateTokens(JSON.stringify([body.systemInstruction ?? '', contents, body.tools ?? []]));
  const thoughts = parts.filter((p) => p.thought === true).reduce((n, p) => n + estimateTokens(String(p.text)), 0);
  const candidates = parts.filter((p) => p.thought !== true).reduce((n, p) => n + estimateTokens(JSON.stringify(p)), 0);
  const usage: GeminiUsage = fault?.usage ?? {
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidates,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    totalTokenCount: promptTokens + candidates + thoughts,
  };
  return { parts, finishReason: fault?.finishReason ?? 'STOP', usage };
}

function response(p: Plan, parts: Part[], finish: boolean, usage: GeminiUsage, model: string, id: string): Obj {
  return {
    candidates: [{ content: { parts, role: 'model' }, ...(finish ? { finishReason: p.finishReason } : {}), index: 0 }],
    usageMetadata: usage,
    modelVersion: model,
    responseId: id,
  };
}

/** The stream of a plan: text split at words, a thought or function call part whole, usage on every event. */
export function streamResponses(p: Plan, model: string, id: string): Obj[] {
  const pieces: Part[] = [];
  for (const part of p.parts) {
    if (typeof part.text === 'string' && part.thought !== true) for (const w of part.text.match(/\S+\s*|\s+/g) ?? ['']) pieces.push({ text: w });
    else pieces.push(part);
  }
  const early: GeminiUsage = { promptTokenCount: p.usage.promptTokenCount ?? 0, totalTokenCount: p.usage.promptTokenCount ?? 0 };
  if (pieces.length === 0) return [response(p, [], true, p.usage, model, id)];
  return pieces.map((piece, i) => (i === pieces.length - 1 ? response(p, [piece], true, p.usage, model, id) : response(p, [piece], false, early, model, id)));
}

/** A deterministic vector of `dims` numbers in [0, 1) for a text (an FNV-1a hash of the text and the dimension). */
export function fakeVector(text: string, dims = 8): number[] {
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    let h = 0x811c9dc5 ^ i;
    for (let j = 0; j < text.length; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
    out.push((h >>> 0) / 2 ** 32);
  }
  return out;
}

export async function startFakeGemini(opts: { apiKey?: string } = {}): Promise<FakeGemini> {
  const apiKey = opts.apiKey ?? 'AIzaFakeGeminiKey-0123456789abcdefghij';
  const requests: RecordedGeminiRequest[] = [];
  const issuedSignatures: string[] = [];
  let fault: GeminiFault | ((req: RecordedGeminiRequest) => GeminiFault | undefined) | undefined;
  let counter = 0;

  function sendError(res: ServerResponse, code: number, status: string, message: string, details: Obj[] = [], headers: Readonly<Record<string, string>> = {}): void {
    res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', ...headers });
    res.end(JSON.stringify({ error: { code, message, status, ...(details.length > 0 ? { details } : {}) } }, null, 2));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const { rawBody, body } = await readJsonBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/v1beta\/models\/([^/:]+):([A-Za-z]+)$/.exec(url.pathname);
    const model = m === null ? '' : decodeURIComponent(m[1] ?? '');
    const action = m?.[2] ?? '';
    const rec: RecordedGeminiRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, model, action, headers: req.headers, rawBody, body };
    requests.push(rec);
    if (req.method !== 'POST' || m === null) return sendError(res, 404, 'NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`);
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (key !== apiKey) {
      return sendError(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      ]);
    }
    const f = typeof fault === 'function' ? fault(rec) : fault;
    if (f?.status !== undefined) {
      const details = f.retryDelay === undefined ? [] : [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: f.retryDelay },
      ];
      return sendError(res, f.status, f.statusName ?? STATUS_NAME_BY_CODE[f.status] ?? 'UNKNOWN', f.message ?? `fake error ${f.status}`, details, f.headers);
    }
    if (!isObj(body)) return sendError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    if (action === 'embedContent' || action === 'batchEmbedContents') return embed(res, action, model, body);
    if (action !== 'generateContent' && action !== 'streamGenerateContent') return sendError(res, 404, 'NOT_FOUND', `Unknown method ${action}.`);
    if (!Array.isArray(body.contents) || body.contents.length === 0) return sendError(res, 400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified');
    const contents = body.contents.filter(isObj);
    const missing = /(^|\/)gemini-[3-9]/.test(model) ? missingSignature(contents) : -1;
    if (missing >= 0) return sendError(res, 400, 'INVALID_ARGUMENT', `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:x\` , position ${missing + 1}.`);
    const id = `fake-resp-${counter}`;
    if (f?.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': f.rawContentType ?? 'application/json; charset=UTF-8' });
      return void res.end(f.rawBody);
    }
    const p = plan(body, f, counter);
    for (const part of p.parts) if (isObj(part.functionCall) && typeof part.thoughtSignature === 'string') issuedSignatures.push(part.thoughtSignature);
    const blocked = f?.blockReason === undefined ? null : { promptFeedback: { blockReason: f.blockReason }, usageMetadata: { promptTokenCount: p.usage.promptTokenCount, totalTokenCount: p.usage.promptTokenCount }, modelVersion: model, responseId: id };
    if (action === 'generateContent') {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      return void res.end(JSON.stringify(blocked ?? response(p, p.parts, true, p.usage, model, id)));
    }
    let events: Obj[] = blocked !== null ? [blocked] : streamResponses(p, model, id);
    if (f?.errorBeforeContent === true) {
      events = [
        { candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: p.usage.promptTokenCount }, modelVersion: model, responseId: id },
        { error: { code: 503, message: f.message ?? 'The model is overloaded. Please try again later.', status: f.statusName ?? 'UNAVAILABLE' } },
      ];
    }
    if (url.searchParams.get('alt') !== 'sse') {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      return void res.end(JSON.stringify(events));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const lines = events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`);
    await sendEvents(res, lines, f);
  }

  function embed(res: ServerResponse, action: string, model: string, body: Obj): void {
    const reqs = action === 'embedContent' ? [body] : Array.isArray(body.requests) ? body.requests.filter(isObj) : [];
    if (reqs.length === 0) return sendError(res, 400, 'INVALID_ARGUMENT', '* BatchEmbedContentsRequest.requests: requests is not specified');
    const embeddings: Obj[] = [];
    for (const [i, r] of reqs.entries()) {
      if (action === 'batchEmbedContents' && r.model !== `models/${model}`) {
        return sendError(res, 400, 'INVALID_ARGUMENT', `* BatchEmbedContentsRequest.requests[${i}].model: model must match the model of the batch request (models/${model}).`);
      }
      const text = partsOf(r.content).map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
      const dims = typeof r.outputDimensionality === 'number' ? r.outputDimensionality : 8;
      embeddings.push({ values: fakeVector(`${String(r.taskType ?? '')}${text}`, dims) });
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(action === 'embedContent' ? { embedding: embeddings[0] } : { embeddings }));
  }

  const http = await startLoopbackServer(handle);
  const origin = http.origin;
  return {
    origin,
    url: `${origin}/v1beta`,
    apiKey,
    requests,
    issuedSignatures,
    setFault(next) {
      fault = next;
    },
    close() {
      return http.close();
    },
  };
}
