// A fake Vertex AI upstream on a real loopback HTTP server, for both publishers a vertex-ai Provider reaches:
//   POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict | :streamRawPredict
//   POST /v1/projects/{p}/locations/{l}/publishers/anthropic/models/count-tokens:rawPredict
//   POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent | :streamGenerateContent?alt=sse
//   POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:predict (text embeddings: {instances:
//        [{content, task_type?, title?}], parameters?: {outputDimensionality, autoTruncate}} → {predictions:
//        [{embeddings: {values, statistics: {token_count, truncated}}}], metadata: {billableCharacterCount}})
// Vertex's own layer is checked here: the bearer token (only live tokens of the fake Google token server are
// accepted), the project and location in the path, and for Anthropic the body shape rawPredict takes (no `model`,
// `anthropic_version: "vertex-2023-10-16"`). Refusals are google.rpc error JSON ({error:{code,message,status}}), as
// Vertex answers them. The model's answer itself comes from the existing fakes, reused rather than copied: each
// publisher's request is forwarded to an in-process fake of that API (fake-anthropic-server.ts for Anthropic,
// fake-gemini-server.ts for Google), so their behaviour and faults apply unchanged. Embeddings (:predict) are
// answered here: the Gemini fake's vector of task type + text (fakeVector), so a model gives the same vectors through
// the Gemini API and through Vertex, at the model's default size (gemini-embedding-001 3072, others 768); the limits
// Vertex documents are checked (gemini-embedding-001 one instance, others up to 250).
// test/providers/fake-vertex-server.test.ts proves the wire format with the official SDKs.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeAnthropic } from './fake-anthropic-server.ts';
import type { FakeAnthropic } from './fake-anthropic-server.ts';
import { fakeVector, startFakeGemini } from './fake-gemini-server.ts';
import type { FakeGemini } from './fake-gemini-server.ts';
import { readJsonBody, startLoopbackServer } from './fake-http.ts';
import { isObj } from './message-text.ts';
import type { Obj } from './message-text.ts';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export interface RecordedVertexRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: string;
  readonly publisher: string;
  readonly model: string;
  readonly action: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: string;
  readonly body: unknown;
}

/** A Vertex-level refusal (before the publisher's fake sees the request), e.g. a 429 RESOURCE_EXHAUSTED quota error. */
export interface VertexFault {
  readonly status: number;
  /** google.rpc status name; defaults by HTTP status. */
  readonly rpcStatus?: string;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** google.rpc details (e.g. a RetryInfo {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}). */
  readonly details?: readonly unknown[];
  /** Only requests to this publisher. */
  readonly publisher?: 'anthropic' | 'google';
}

export interface FakeVertexOptions {
  readonly project?: string;
  readonly location?: string;
  /** Accepts a bearer token (e.g. the fake token server's isValid). Default: any non-empty token. */
  readonly checkToken?: (token: string) => boolean;
}

export interface FakeVertex {
  /** API root including /v1, e.g. http://127.0.0.1:1234/v1 (a vertex-ai Provider's spec.baseURL). */
  readonly url: string;
  readonly origin: string;
  readonly project: string;
  readonly location: string;
  readonly requests: RecordedVertexRequest[];
  /** The Anthropic fake behind the anthropic publisher (its faults apply). */
  readonly anthropic: FakeAnthropic;
  /** The Gemini fake behind the google publisher (its faults apply). */
  readonly gemini: FakeGemini;
  setFault(f: VertexFault | undefined): void;
  close(): Promise<void>;
}

const RPC_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED', 500: 'INTERNAL', 501: 'UNIMPLEMENTED', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;

export function rpcError(res: ServerResponse, status: number, message: string, o: { rpcStatus?: string; headers?: Readonly<Record<string, string>>; details?: readonly unknown[] } = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...o.headers });
  res.end(JSON.stringify({ error: { code: status, message, status: o.rpcStatus ?? RPC_STATUS[status] ?? 'UNKNOWN', ...(o.details ? { details: o.details } : {}) } }));
}

/** Sends `body` to a backend fake and pipes its answer (status, content type, bytes as they come) back. */
function forward(res: ServerResponse, target: URL, headers: Record<string, string>, body: string): Promise<void> {
  return new Promise((resolve) => {
    const up = httpRequest(target, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } }, (r) => {
      const h: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding' && k !== 'content-length') h[k] = v;
      res.writeHead(r.statusCode ?? 502, h);
      r.on('data', (c: Buffer) => res.write(c));
      r.on('end', () => {
        res.end();
        resolve();
      });
      r.on('error', () => {
        res.destroy();
        resolve();
      });
    });
    up.on('error', () => {
      if (!res.headersSent) rpcError(res, 502, 'backend unreachable');
      else res.destroy();
      resolve();
    });
    up.end(body);
  });
}

const TASK_TYPES = ['RETRIEVAL_QUERY', 'RETRIEVAL_DOCUMENT', 'SEMANTIC_SIMILARITY', 'CLASSIFICATION', 'CLUSTERING', 'QUESTION_ANSWERING', 'FACT_VERIFICATION', 'CODE_RETRIEVAL_QUERY'];

/** The default output size of a text embedding model on Vertex. */
export function vertexEmbeddingDims(model: string): number {
  return /^gemini-embedding/.test(model) ? 3072 : 768;
}

/** What the fake answers for one instance: the Gemini fake's vector of task type + content. */
export function vertexVector(content: string, taskType = '', dims = 768): number[] {
  return fakeVector(`${taskType}${content}`, dims);
}

/** :predict for Google's text embedding models, as the text embeddings API documents it. */
function predictEmbeddings(res: ServerResponse, model: string, body: unknown): void {
  if (!isObj(body) || !Array.isArray(body.instances) || body.instances.length === 0) return rpcError(res, 400, 'instances: at least one instance is required.');
  const instances = body.instances as unknown[];
  const max = /^gemini-embedding-001(@|$)/.test(model) ? 1 : 250;
  if (instances.length > max) return rpcError(res, 400, `Model ${model} supports up to ${max} instances per prediction request; ${instances.length} were given.`);
  const params = isObj(body.parameters) ? body.parameters : {};
  const dims = params.outputDimensionality ?? vertexEmbeddingDims(model);
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1 || dims > vertexEmbeddingDims(model)) return rpcError(res, 400, `outputDimensionality must be between 1 and ${vertexEmbeddingDims(model)}.`);
  const predictions: Obj[] = [];
  let chars = 0;
  for (const [i, inst] of instances.entries()) {
    if (!isObj(inst) || typeof inst.content !== 'string') return rpcError(res, 400, `instances[${i}].content: a string is required.`);
    const task = inst.task_type;
    if (task !== undefined && (typeof task !== 'string' || !TASK_TYPES.includes(task))) return rpcError(res, 400, `instances[${i}].task_type: invalid value ${JSON.stringify(task)}.`);
    chars += inst.content.length;
    predictions.push({ embeddings: { values: vertexVector(inst.content, task ?? '', dims), statistics: { truncated: false, token_count: Math.max(1, Math.ceil(inst.content.length / 4)) } } });
  }
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ predictions, metadata: { billableCharacterCount: chars } }));
}

export async function startFakeVertex(opts: FakeVertexOptions = {}): Promise<FakeVertex> {
  const project = opts.project ?? 'switchyard-test';
  const location = opts.location ?? 'us-east5';
  const checkToken = opts.checkToken ?? ((t: string) => t !== '');
  const anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-behind-vertex' });
  const gemini = await startFakeGemini({ apiKey: 'AIza-behind-vertex-0123456789abcdefghij' });
  let fault: VertexFault | undefined;
  const requests: RecordedVertexRequest[] = [];

  async function anthropicPublisher(res: ServerResponse, req: IncomingMessage, model: string, action: string, body: unknown): Promise<void> {
    if (!isObj(body)) return rpcError(res, 400, 'Invalid JSON payload received.');
    const beta = req.headers['anthropic-beta'];
    const headers: Record<string, string> = {
      'x-api-key': anthropic.apiKey,
      'anthropic-version': typeof req.headers['anthropic-version'] === 'string' ? req.headers['anthropic-version'] : '2023-06-01',
      ...(typeof beta === 'string' ? { 'anthropic-beta': beta } : {}),
    };
    if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) {
      return rpcError(res, 400, `anthropic_version: expected "${VERTEX_ANTHROPIC_VERSION}"`);
    }
    const { anthropic_version: _v, ...rest } = body;
    if (model === 'count-tokens' && action === 'rawPredict') {
      if (typeof rest.model !== 'string') return rpcError(res, 400, 'count-tokens: model is required in the body');
      return forward(res, new URL(`${anthropic.url}/messages/count_tokens`), headers, JSON.stringify(rest));
    }
    if (rest.model !== undefined) return rpcError(res, 400, 'model: Extra inputs are not permitted (the model is named in the URL)');
    const stream = action === 'streamRawPredict';
    if (!stream && action !== 'rawPredict') return rpcError(res, 404, `Method ${action} not found for an Anthropic model`);
    if (stream !== (rest.stream === true)) return rpcError(res, 400, `${action} needs "stream": ${String(stream)}`);
    return forward(res, new URL(`${anthropic.url}/messages`), headers, JSON.stringify({ ...rest, model }));
  }

  async function googlePublisher(res: ServerResponse, query: URLSearchParams, model: string, action: string, raw: string, body: unknown): Promise<void> {
    if (action === 'predict') return predictEmbeddings(res, model, body);
    if (action !== 'generateContent' && action !== 'streamGenerateContent') return rpcError(res, 404, `Method ${action} not found`);
    if (action === 'streamGenerateContent' && query.get('alt') !== 'sse') return rpcError(res, 400, 'this fake streams only with alt=sse');
    const to = new URL(`${gemini.origin}/v1beta/models/${encodeURIComponent(model)}:${action}`);
    if (action === 'streamGenerateContent') to.searchParams.set('alt', 'sse');
    return forward(res, to, { 'x-goog-api-key': gemini.apiKey }, raw);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { rawBody, body } = await readJsonBody(req);
    const [path = '', q = ''] = (req.url ?? '').split('?');
    const m = PATH.exec(path);
    const [, p = '', l = '', publisher = '', modelEnc = '', action = ''] = m ?? [];
    const model = decodeURIComponent(modelEnc);
    requests.push({ method: req.method ?? '', path, query: q, publisher, model, action, headers: req.headers, rawBody, body });
    if (req.method !== 'POST' || m === null) return rpcError(res, 404, 'The requested URL was not found on this server.');
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!checkToken(token)) {
      return rpcError(res, 401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (decodeURIComponent(p) !== project) return rpcError(res, 403, `Permission denied on resource project ${decodeURIComponent(p)}.`);
    if (decodeURIComponent(l) !== location) return rpcError(res, 404, `Publisher model not found in location ${decodeURIComponent(l)}.`);
    const f = fault;
    if (f !== undefined && (f.publisher === undefined || f.publisher === publisher)) {
      return rpcError(res, f.status, f.message ?? `fake Vertex error ${f.status}`, { ...(f.rpcStatus ? { rpcStatus: f.rpcStatus } : {}), ...(f.headers ? { headers: f.headers } : {}), ...(f.details ? { details: f.details } : {}) });
    }
    if (publisher === 'anthropic') return anthropicPublisher(res, req, model, action, body);
    if (publisher === 'google') return googlePublisher(res, new URLSearchParams(q), model, action, rawBody, body);
    return rpcError(res, 404, `Publisher ${publisher} not found.`);
  }

  const http = await startLoopbackServer(handle);
  const origin = http.origin;
  return {
    url: `${origin}/v1`, origin, project, location, requests, anthropic, gemini,
    setFault(f) {
      fault = f;
    },
    async close() {
      await http.close();
      await anthropic.close();
      await gemini.close();
    },
  };
}
