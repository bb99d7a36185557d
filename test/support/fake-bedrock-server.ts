// A fake Amazon Bedrock runtime on a real loopback HTTP server, speaking Converse and ConverseStream as the Bedrock
// API Reference describes them: POST /model/{modelId}/converse (JSON) and /model/{modelId}/converse-stream (the AWS
// event-stream binary framing, written with the official @smithy/eventstream-codec), and InvokeModel for the
// embeddings models (POST /model/{modelId}/invoke: Amazon Titan Text Embeddings {inputText, dimensions, normalize} →
// {embedding, inputTextTokenCount, embeddingsByType}; Cohere Embed v3 / v4 {texts, input_type, embedding_types,
// output_dimension} → {id, embeddings, response_type, texts} with the X-Amzn-Bedrock-Input-Token-Count header), REST-JSON
// errors (the exception name in x-amzn-errortype, a {message} body). Every request's SigV4 signature is verified with the official signer
// (@smithy/signature-v4): the request is signed again from the known credentials over the headers it names as
// signed, at the date it names, and the Authorization headers must be equal; otherwise 403 InvalidSignatureException
// (UnrecognizedClientException for an unknown access key, 403 for a date more than 15 minutes off).
// test/providers/fake-bedrock-server.test.ts proves the wire format with the official @aws-sdk/client-bedrock-runtime.
//
// Deterministic answers: text "Echo: <last user text>"; a toolUse block of the first tool (or the forced one) when
// tools are given and the prompt mentions "tool" (or toolChoice is any/tool), unless the last user turn holds tool
// results; a reasoning block first when additionalModelRequestFields.thinking is enabled. Usage counts ~4 characters
// a token; a request with a cachePoint reports its prefix as a cache write the first time and a cache read afterwards.
// Embeddings are deterministic vectors of the model's default size (titanVector / cohereVector), checked like Bedrock
// checks them: one inputText for Titan, 1..96 texts and a required input_type for Cohere, dimensions among the documented
// values, unknown keys refused (ValidationException "extraneous key").
import { Sha256 } from '@aws-crypto/sha256-js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, readBody, sendEvents, startLoopbackServer } from './fake-http.ts';
import { estimateTokens, isObj, sampleInput } from './message-text.ts';
import type { Obj } from './message-text.ts';

export { estimateTokens } from './message-text.ts';

export interface FakeAwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface RecordedBedrockRequest {
  readonly method: string;
  /** The raw path as received (model id percent-encoded). */
  readonly path: string;
  /** The model id, decoded. */
  readonly modelId: string;
  readonly stream: boolean;
  /** converse, converse-stream or invoke (InvokeModel: embeddings). */
  readonly action: 'converse' | 'converse-stream' | 'invoke';
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: string;
  readonly body: unknown;
  /** The access key id the request was signed with (when the signature verified). */
  readonly accessKeyId?: string;
}

export interface BedrockFault {
  /** Answer with this status and exception (x-amzn-errortype) and a {message} body. */
  readonly status?: number;
  readonly exception?: string;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Stream only: after this many events (default 1: after messageStart, before any content), send this in-stream exception and end. */
  readonly streamException?: { readonly type: string; readonly message?: string; readonly afterEvents?: number };
  /** Report this usage instead of the estimate. */
  readonly usage?: Usage;
  /** Stream only: stop after this many events; `end` closes cleanly, `destroy` resets the socket. */
  readonly cutAfterEvents?: number;
  readonly cutMode?: 'end' | 'destroy';
  /** Stream only: write the bytes in pieces of this many bytes. */
  readonly splitEvery?: number;
  /** Answer with this stop reason (e.g. guardrail_intervened). */
  readonly stopReason?: string;
  /** Answer 200 with exactly these bytes and content type instead of a planned answer (B9). */
  readonly raw?: { readonly body: string | Uint8Array; readonly contentType: string };
  /** Stream only: flip a byte of the payload of the frame at this index (its message CRC no longer matches). */
  readonly corruptFrame?: number;
}

export interface FakeBedrock {
  /** Base URL, e.g. http://127.0.0.1:1234 (what a Provider's spec.baseURL and the SDK's endpoint take). */
  readonly url: string;
  readonly region: string;
  /** The static credentials the fake accepts by default. */
  readonly credentials: FakeAwsCredentials;
  readonly requests: RecordedBedrockRequest[];
  /** Requests refused for their signature (kept apart from `requests`). */
  readonly rejected: { readonly path: string; readonly reason: string }[];
  /** Accept another set of credentials (e.g. keys a fake STS issued). */
  addCredentials(c: FakeAwsCredentials): void;
  /** Applies to every following request (undefined clears it); a model fault wins over it for that model id. */
  setFault(fault: BedrockFault | undefined): void;
  setModelFault(modelId: string, fault: BedrockFault | undefined): void;
  close(): Promise<void>;
}

interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly totalTokens: number;
  readonly cacheReadInputTokens?: number;
  readonly cacheWriteInputTokens?: number;
}

export const FAKE_AWS_CREDENTIALS: FakeAwsCredentials = { accessKeyId: 'AKIAFAKEBEDROCK00001', secretAccessKey: 'fake/Bedrock+Secret0000000000000000000001' };

export const STATUS_BY_EXCEPTION: Readonly<Record<string, number>> = {
  ThrottlingException: 429, ModelNotReadyException: 429, ValidationException: 400, AccessDeniedException: 403, ResourceNotFoundException: 404,
  ServiceUnavailableException: 503, InternalServerException: 500, ModelTimeoutException: 408, ModelErrorException: 424, ServiceQuotaExceededException: 400,
};

/** A deterministic vector for `seed` (FNV-1a per dimension), in [-1, 1). */
function seededVector(seed: string, dims: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < dims; i++) {
    let h = 0x811c9dc5 ^ i;
    for (let j = 0; j < seed.length; j++) h = Math.imul(h ^ seed.charCodeAt(j), 0x01000193);
    out.push((h >>> 0) / 2 ** 31 - 1);
  }
  return out;
}

/** What the fake Titan Text Embeddings answers for `text` (unit length unless normalize is false). */
export function titanVector(text: string, dims = 1024, normalize = true): number[] {
  const v = seededVector(`titan:${text}`, dims);
  if (!normalize) return v;
  const norm = Math.sqrt(v.reduce((n, x) => n + x * x, 0));
  return v.map((x) => x / norm);
}

/** What the fake Cohere Embed on Bedrock answers for `text` with `inputType` (v3: 1024 dimensions, v4: 1536 by default). */
export function cohereVector(text: string, inputType: string, dims = 1024): number[] {
  return seededVector(`cohere:${inputType}:${text}`, dims);
}

function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((b: unknown) => {
      if (!isObj(b)) return '';
      if (typeof b.text === 'string') return b.text;
      if (isObj(b.toolResult)) return `tool result: ${textOf(b.toolResult.content)}`;
      return '';
    })
    .filter((s) => s !== '')
    .join(' ');
}

function hasCachePoint(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasCachePoint);
  if (!isObj(v)) return false;
  return v.cachePoint !== undefined || Object.values(v).some(hasCachePoint);
}

interface Plan {
  readonly blocks: Obj[];
  readonly stopReason: string;
  readonly usage: Usage;
}

function plan(body: Obj, seenPrefixes: Set<string>): Plan {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]).filter(isObj) : [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  const prompt = last === undefined ? '' : textOf(last.content);
  const toolConfig = isObj(body.toolConfig) ? body.toolConfig : {};
  const tools = (Array.isArray(toolConfig.tools) ? (toolConfig.tools as unknown[]) : []).filter(isObj).map((t) => t.toolSpec).filter(isObj);
  const choice = isObj(toolConfig.toolChoice) ? toolConfig.toolChoice : undefined;
  const isToolResult = Array.isArray(last?.content) && last.content.some((b: unknown) => isObj(b) && b.toolResult !== undefined);
  const forced = choice?.any !== undefined || choice?.tool !== undefined;
  const wantsTool = tools.length > 0 && !isToolResult && (forced || /\btool\b/i.test(prompt));
  const blocks: Obj[] = [];
  const extra = isObj(body.additionalModelRequestFields) ? body.additionalModelRequestFields : {};
  if (isObj(extra.thinking) && extra.thinking.type === 'enabled') {
    blocks.push({ reasoningContent: { reasoningText: { text: `The user wrote: ${prompt}`, signature: `sig-${Buffer.from(prompt).toString('base64').slice(0, 16)}` } } });
  }
  if (wantsTool) {
    const named = isObj(choice?.tool) ? choice.tool.name : undefined;
    const tool = tools.find((t) => t.name === named) ?? tools[0]!;
    const schema = isObj(tool.inputSchema) ? tool.inputSchema.json : undefined;
    blocks.push({ toolUse: { toolUseId: `tooluse_fake_${String(tool.name)}`, name: tool.name, input: sampleInput(schema) } });
  } else {
    blocks.push({ text: `Echo: ${prompt}` });
  }
  const total = estimateTokens(JSON.stringify([body.system ?? [], messages, tools]));
  let cacheWrite = 0;
  let cacheRead = 0;
  if (hasCachePoint([body.system, toolConfig.tools, messages])) {
    const prefix = JSON.stringify([body.system ?? [], toolConfig.tools ?? []]);
    const cached = Math.min(total - 1, estimateTokens(prefix));
    if (seenPrefixes.has(prefix)) cacheRead = cached;
    else cacheWrite = cached;
    seenPrefixes.add(prefix);
  }
  const output = blocks.reduce((n, b) => n + estimateTokens(JSON.stringify(b)), 0);
  const input = total - cacheWrite - cacheRead;
  return {
    blocks,
    stopReason: wantsTool ? 'tool_use' : 'end_turn',
    usage: {
      inputTokens: input, outputTokens: output, totalTokens: input + output + cacheRead + cacheWrite,
      ...(cacheRead > 0 ? { cacheReadInputTokens: cacheRead } : {}), ...(cacheWrite > 0 ? { cacheWriteInputTokens: cacheWrite } : {}),
    },
  };
}

/** The ConverseStream events of a planned answer, as [event type, payload] in the documented order. */
export function streamEvents(p: Plan): [string, Obj][] {
  const events: [string, Obj][] = [['messageStart', { role: 'assistant' }]];
  p.blocks.forEach((b, contentBlockIndex) => {
    if (typeof b.text === 'string') {
      for (const piece of b.text.match(/\S+\s*|\s+/g) ?? []) events.push(['contentBlockDelta', { contentBlockIndex, delta: { text: piece } }]);
    } else if (isObj(b.reasoningContent) && isObj(b.reasoningContent.reasoningText)) {
      const rt = b.reasoningContent.reasoningText;
      events.push(['contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { text: rt.text } } }]);
      events.push(['contentBlockDelta', { contentBlockIndex, delta: { reasoningContent: { signature: rt.signature } } }]);
    } else if (isObj(b.toolUse)) {
      const tu = b.toolUse;
      events.push(['contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: tu.toolUseId, name: tu.name } } }]);
      const json = JSON.stringify(tu.input);
      const half = Math.floor(json.length / 2);
      events.push(['contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: json.slice(0, half) } } }]);
      events.push(['contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: json.slice(half) } } }]);
    }
    events.push(['contentBlockStop', { contentBlockIndex }]);
  });
  events.push(['messageStop', { stopReason: p.stopReason }]);
  events.push(['metadata', { usage: p.usage, metrics: { latencyMs: 42 } }]);
  return events;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function str(value: string): { type: 'string'; value: string } {
  return { type: 'string', value };
}

/** One event-stream message for a ConverseStream event (with the service's length-padding member `p`). */
export function eventFrame(type: string, payload: Obj): Uint8Array {
  return codec.encode({
    headers: { ':event-type': str(type), ':content-type': str('application/json'), ':message-type': str('event') },
    body: fromUtf8(JSON.stringify({ ...payload, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0'.slice(0, 4 + (type.length % 20)) })),
  });
}

/** One event-stream message for an in-stream exception. */
export function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: { ':exception-type': str(type), ':content-type': str('application/json'), ':message-type': str('exception') },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** "20260101T000000Z" → Date. */
function amzDate(v: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  return m === null ? null : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

type Verdict = { ok: true; accessKeyId: string } | { ok: false; exception: string; message: string };

/** Verifies a request's SigV4 signature by signing it again with the official signer (see the header comment). */
export async function verifySigV4(
  req: { method: string; path: string; headers: Readonly<Record<string, string | string[] | undefined>>; body: Uint8Array },
  known: ReadonlyMap<string, FakeAwsCredentials>,
  region: string,
  service: string,
  nowMs: number,
): Promise<Verdict> {
  const auth = first(req.headers.authorization) ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (m === null) return { ok: false, exception: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const [, keyId, , scopeRegion, scopeService, signedList] = m as unknown as [string, string, string, string, string, string];
  const creds = known.get(keyId);
  if (creds === undefined) return { ok: false, exception: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (scopeRegion !== region || scopeService !== service) return { ok: false, exception: 'InvalidSignatureException', message: `Credential should be scoped to a valid region and service ${service}.` };
  const date = amzDate(first(req.headers['x-amz-date']) ?? '');
  if (date === null) return { ok: false, exception: 'IncompleteSignatureException', message: 'x-amz-date is missing or malformed.' };
  if (Math.abs(date.getTime() - nowMs) > 15 * 60_000) return { ok: false, exception: 'InvalidSignatureException', message: 'Signature expired: the request time is more than 15 minutes off.' };
  if (creds.sessionToken !== undefined && first(req.headers['x-amz-security-token']) !== creds.sessionToken) {
    return { ok: false, exception: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  }
  const signed = signedList.split(';');
  if (!signed.includes('host')) return { ok: false, exception: 'InvalidSignatureException', message: 'The host header must be signed.' };
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = req.headers[name];
    if (v === undefined) return { ok: false, exception: 'InvalidSignatureException', message: `Signed header ${name} is missing.` };
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const q = req.path.indexOf('?');
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(req.path.slice(q + 1))) query[k] = v;
  const host = headers.host ?? '';
  const signer = new SignatureV4({
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken === undefined ? {} : { sessionToken: creds.sessionToken }) },
    region, service, sha256: Sha256, uriEscapePath: true, applyChecksum: false,
  });
  const again = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: host.split(':')[0] ?? '', path: q >= 0 ? req.path.slice(0, q) : req.path, query, headers, body: req.body },
    { signingDate: date, signingRegion: region, signingService: service },
  );
  if (again.headers.authorization !== auth) {
    return { ok: false, exception: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.' };
  }
  return { ok: true, accessKeyId: keyId };
}

export async function startFakeBedrock(opts: { region?: string; credentials?: FakeAwsCredentials } = {}): Promise<FakeBedrock> {
  const region = opts.region ?? 'us-east-1';
  const credentials = opts.credentials ?? FAKE_AWS_CREDENTIALS;
  const known = new Map<string, FakeAwsCredentials>([[credentials.accessKeyId, credentials]]);
  const requests: RecordedBedrockRequest[] = [];
  const rejected: { path: string; reason: string }[] = [];
  const seenPrefixes = new Set<string>();
  const modelFaults = new Map<string, BedrockFault>();
  let fault: BedrockFault | undefined;
  let counter = 0;

  function sendError(res: ServerResponse, status: number, exception: string, message: string, headers: Readonly<Record<string, string>> = {}): void {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': `fake-${counter}`,
      'x-amzn-errortype': `${exception}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      ...headers,
    });
    res.end(JSON.stringify({ message }));
  }

  /** InvokeModel for the embeddings families; any other model is not served by this fake's InvokeModel. */
  function invokeEmbeddings(res: ServerResponse, modelId: string, body: unknown): void {
    const bad = (message: string): void => sendError(res, 400, 'ValidationException', `Malformed input request: ${message}, please reformat your input and try again.`);
    const extraneous = (o: Obj, allowed: readonly string[]): string | undefined => Object.keys(o).find((k) => !allowed.includes(k));
    if (!isObj(body)) return bad('#: expected type: JSONObject');
    const id = modelId.toLowerCase();
    const ok = (payload: Obj, tokens?: number): void => {
      res.writeHead(200, {
        'content-type': 'application/json', 'x-amzn-requestid': `fake-${counter}`,
        ...(tokens === undefined ? {} : { 'x-amzn-bedrock-input-token-count': String(tokens) }),
      });
      res.end(JSON.stringify(payload));
    };
    if (id.includes('amazon.titan-embed-text-v2')) {
      const extra = extraneous(body, ['inputText', 'dimensions', 'normalize', 'embeddingTypes']);
      if (extra !== undefined) return bad(`#: extraneous key [${extra}] is not permitted`);
      if (typeof body.inputText !== 'string' || body.inputText === '') return bad('#/inputText: expected minLength: 1');
      const dims = body.dimensions ?? 1024;
      if (dims !== 256 && dims !== 512 && dims !== 1024) return bad(`#/dimensions: ${String(dims)} is not a valid enum value`);
      if (body.normalize !== undefined && typeof body.normalize !== 'boolean') return bad('#/normalize: expected type: Boolean');
      const tokens = estimateTokens(body.inputText);
      if (tokens > 8192) return sendError(res, 400, 'ValidationException', `400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token count: ${tokens}`);
      const embedding = titanVector(body.inputText, dims, body.normalize !== false);
      return ok({ embedding, inputTextTokenCount: tokens, embeddingsByType: { float: embedding } }, tokens);
    }
    const v4 = id.includes('cohere.embed-v4');
    if (v4 || id.includes('cohere.embed-english-v3') || id.includes('cohere.embed-multilingual-v3')) {
      const extra = extraneous(body, ['texts', 'images', 'input_type', 'truncate', 'embedding_types', ...(v4 ? ['inputs', 'output_dimension', 'max_tokens'] : [])]);
      if (extra !== undefined) return bad(`#: extraneous key [${extra}] is not permitted`);
      const texts = body.texts;
      if (!Array.isArray(texts) || texts.length === 0 || texts.length > 96 || !texts.every((t) => typeof t === 'string' && t !== '')) {
        return bad('#/texts: expected 1 to 96 non-empty strings');
      }
      const inputType = body.input_type;
      if (typeof inputType !== 'string' || !['search_document', 'search_query', 'classification', 'clustering'].includes(inputType)) {
        return bad('#/input_type: expected one of search_document, search_query, classification, clustering');
      }
      const dims = body.output_dimension ?? (v4 ? 1536 : 1024);
      if (v4 && ![256, 512, 1024, 1536].includes(dims as number)) return bad(`#/output_dimension: ${String(dims)} is not a valid enum value`);
      const types = body.embedding_types;
      if (types !== undefined && (!Array.isArray(types) || !types.every((t) => typeof t === 'string'))) return bad('#/embedding_types: expected an array of strings');
      const floats = (texts as string[]).map((t) => cohereVector(t, inputType, dims as number));
      const tokens = (texts as string[]).reduce((n, t) => n + estimateTokens(t), 0);
      const embeddings = types === undefined ? floats : Object.fromEntries((types as string[]).map((t) => [t, t === 'float' ? floats : floats.map((v) => v.map((x) => Math.round(x * 127)))]));
      return ok({ id: `fake-embed-${counter}`, embeddings, response_type: types === undefined ? 'embeddings_floats' : 'embeddings_by_type', texts }, tokens);
    }
    return sendError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counter += 1;
    const raw = await readBody(req);
    const path = req.url ?? '';
    const route = /^\/model\/([^/?]+)\/(converse|converse-stream|invoke)$/.exec(path.split('?')[0] ?? '');
    if (req.method !== 'POST' || route === null) return sendError(res, 404, 'UnknownOperationException', 'Unknown operation');
    const verdict = await verifySigV4({ method: req.method, path, headers: req.headers, body: raw }, known, region, 'bedrock', Date.now());
    if (!verdict.ok) {
      rejected.push({ path, reason: `${verdict.exception}: ${verdict.message}` });
      return sendError(res, 403, verdict.exception, verdict.message);
    }
    const modelId = decodeURIComponent(route[1]!);
    const action = route[2] as RecordedBedrockRequest['action'];
    const stream = action === 'converse-stream';
    const rawBody = raw.toString('utf8');
    const body = parseJson(rawBody);
    requests.push({ method: req.method, path, modelId, stream, action, headers: req.headers, rawBody, body, accessKeyId: verdict.accessKeyId });
    const f = modelFaults.get(modelId) ?? fault;
    if (f?.status !== undefined) {
      const exception = f.exception ?? Object.keys(STATUS_BY_EXCEPTION).find((k) => STATUS_BY_EXCEPTION[k] === f.status) ?? 'InternalServerException';
      return sendError(res, f.status, exception, f.message ?? `fake ${exception}`, f.headers);
    }
    if (action === 'invoke') {
      if (f?.raw === undefined) return invokeEmbeddings(res, modelId, body);
      res.writeHead(200, { 'content-type': f.raw.contentType, 'x-amzn-requestid': `fake-${counter}` });
      return void res.end(f.raw.body);
    }
    if (!isObj(body) || !Array.isArray(body.messages) || body.messages.length === 0) return sendError(res, 400, 'ValidationException', 'The messages field is required.');
    if (body.model !== undefined) return sendError(res, 400, 'ValidationException', 'Unknown field: model.');
    if (f?.raw !== undefined) {
      res.writeHead(200, { 'content-type': f.raw.contentType, 'x-amzn-requestid': `fake-${counter}` });
      return void res.end(f.raw.body);
    }
    const planned = plan(body, seenPrefixes);
    const p: Plan = { ...planned, ...(f?.usage === undefined ? {} : { usage: f.usage }), ...(f?.stopReason === undefined ? {} : { stopReason: f.stopReason }) };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': `fake-${counter}` });
      return void res.end(JSON.stringify({ output: { message: { role: 'assistant', content: p.blocks } }, stopReason: p.stopReason, usage: p.usage, metrics: { latencyMs: 42 } }));
    }
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': `fake-${counter}` });
    let frames = streamEvents(p).map(([type, payload]) => eventFrame(type, payload));
    if (f?.streamException !== undefined) {
      const at = f.streamException.afterEvents ?? 1;
      frames = [...frames.slice(0, at), exceptionFrame(f.streamException.type, f.streamException.message ?? `fake ${f.streamException.type}`)];
    }
    if (f?.corruptFrame !== undefined && frames[f.corruptFrame] !== undefined) {
      const bad = Uint8Array.from(frames[f.corruptFrame]!);
      bad[bad.length - 6] = (bad[bad.length - 6] ?? 0) ^ 0xff;
      frames[f.corruptFrame] = bad;
    }
    await sendEvents(res, frames, f);
  }

  const http = await startLoopbackServer(handle);
  const url = http.origin;
  return {
    url,
    region,
    credentials,
    requests,
    rejected,
    addCredentials(c) {
      known.set(c.accessKeyId, c);
    },
    setFault(f) {
      fault = f;
    },
    setModelFault(modelId, f) {
      if (f === undefined) modelFaults.delete(modelId);
      else modelFaults.set(modelId, f);
    },
    close() {
      return http.close();
    },
  };
}
