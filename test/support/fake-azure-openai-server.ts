// A fake Azure OpenAI resource on loopback: Azure's URLs and auth in front of the fake OpenAI upstream
// (fake-openai-server.ts), which produces the answers — so every behaviour and fault of that fake (setBehavior, the
// status-<code> / reset-after-<n> / … model names, here deployment names) works here too.
//   - classic URLs: POST /openai/deployments/{deployment}/chat/completions | /embeddings | /completions and
//     POST /openai/responses, all requiring ?api-version= (400 without, as Azure does);
//   - v1 URLs: POST /openai/v1/chat/completions | /embeddings | /responses | /completions, the deployment in `model`;
//   - auth: the `api-key` header, or `Authorization: Bearer <token>` for a token in `tokens` (Entra ID) or, on v1
//     paths, for the key itself (the plain OpenAI client sends it so); else 401;
//   - Azure's content filter: a prompt containing BLOCK_MARKER is refused with 400 code "content_filter" (innererror
//     ResponsibleAIPolicyViolation + content_filter_result); one containing FILTER_MARKER is answered and cut with
//     finish_reason "content_filter";
//   - Azure's annotations: chat answers carry prompt_filter_results and per-choice content_filter_results; streams
//     start with the annotation-only chunk (empty choices) Azure sends first;
//   - setFault answers an Azure-shaped error instead (e.g. 429 with retry-after and retry-after-ms).
// Requests are recorded as received (Azure path, query, headers, body) before the auth check.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, IncomingHttpHeaders, ServerResponse } from 'node:http';
import { readJsonBody, readBody, startLoopbackServer } from './fake-http.ts';
import { startFakeOpenAI } from './fake-openai-server.ts';
import type { BehaviorFn, FakeOpenAI } from './fake-openai-server.ts';
import { isObj, textOf } from './message-text.ts';
import type { Obj } from './message-text.ts';

export const BLOCK_MARKER = 'BLOCKME';
export const FILTER_MARKER = 'FILTERME';

export interface AzureRecordedRequest {
  readonly method: string;
  /** Path without the query. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly rawBody: string;
  /** 'classic' (/openai/deployments/…, /openai/responses) or 'v1' (/openai/v1/…); undefined for unknown paths. */
  readonly style?: 'classic' | 'v1';
  /** The deployment: from the path (classic) or the body's model. */
  readonly deployment?: string;
}

export interface AzureFault {
  readonly status: number;
  /** Error body (object → JSON). Default: Azure's `{error:{code,message}}` for the status. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface FakeAzureOpenAI {
  /** The resource endpoint, e.g. http://127.0.0.1:PORT (what spec.baseURL and the SDK's `endpoint` take). */
  readonly endpoint: string;
  readonly apiKey: string;
  /** Bearer tokens accepted (Entra ID access tokens); add the ones the fake Entra server issues. */
  readonly tokens: Set<string>;
  readonly requests: AzureRecordedRequest[];
  /** The fake OpenAI upstream that answers behind the Azure front. */
  readonly inner: FakeOpenAI;
  /** Behaviour of the inner fake (it sees OpenAI paths: /v1/chat/completions with model = the deployment). */
  setBehavior(fn: BehaviorFn | undefined): void;
  setFault(fn: ((req: AzureRecordedRequest) => AzureFault | undefined) | undefined): void;
  close(): Promise<void>;
}

/** Azure's error body: `{error:{code,message}}` (plus type/param/innererror where Azure sends them). */
export function azureError(code: string, message: string, extra: Obj = {}): Obj {
  return { error: { code, message, ...extra } };
}

const STATUS_ERRORS: Record<number, Obj> = {
  400: azureError('BadRequest', 'The request is invalid.'),
  401: azureError('401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'),
  404: azureError('404', 'Resource not found'),
  429: azureError('429', 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 2 seconds.'),
  500: azureError('InternalServerError', 'The server had an error while processing your request.'),
};

const SAFE = { filtered: false, severity: 'safe' };
const CATEGORY_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const PROMPT_FILTER_RESULTS = [{ prompt_index: 0, content_filter_results: { ...CATEGORY_RESULTS, jailbreak: { filtered: false, detected: false } } }];

/** The 400 Azure answers for a prompt its content filter blocks. */
export function contentFilterBody(): Obj {
  return azureError(
    'content_filter',
    'The response was filtered due to the prompt triggering Azure OpenAI\'s content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766',
    {
      param: 'prompt', status: 400,
      innererror: { code: 'ResponsibleAIPolicyViolation', content_filter_result: { ...CATEGORY_RESULTS, hate: { filtered: true, severity: 'high' }, jailbreak: { filtered: true, detected: true } } },
    },
  );
}

interface Routed {
  readonly style: 'classic' | 'v1';
  /** The inner fake's path. */
  readonly innerPath: string;
  /** Deployment from the path (classic deployment-scoped routes). */
  readonly deployment?: string;
  readonly needsVersion: boolean;
}

const V1 = /^\/openai\/v1\/(chat\/completions|embeddings|responses|completions)$/;
const DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings|completions)$/;

function route(path: string): Routed | undefined {
  let m = V1.exec(path);
  if (m) return { style: 'v1', innerPath: `/v1/${m[1] ?? ''}`, needsVersion: false };
  m = DEPLOYMENT.exec(path);
  if (m) return { style: 'classic', innerPath: `/v1/${m[2] ?? ''}`, deployment: decodeURIComponent(m[1] ?? ''), needsVersion: true };
  if (path === '/openai/responses') return { style: 'classic', innerPath: '/v1/responses', needsVersion: true };
  return undefined;
}

/** All the prompt text of a chat, completions, responses or embeddings body (for the content-filter markers). */
function promptText(body: Obj): string {
  const parts: string[] = [];
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isObj(m)) parts.push(textOf(m.content));
  if (typeof body.input === 'string') parts.push(body.input);
  else if (Array.isArray(body.input)) for (const i of body.input) parts.push(typeof i === 'string' ? i : isObj(i) ? textOf(i.content) : '');
  if (typeof body.prompt === 'string') parts.push(body.prompt);
  return parts.join('\n');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'apim-request-id': 'fake-apim-1', ...headers }).end(JSON.stringify(body));
}

/** A chat answer with Azure's annotations added. */
function annotateChat(text: string): string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  if (!isObj(v) || !Array.isArray(v.choices)) return text;
  const choices = v.choices.map((c: unknown) => (isObj(c) ? { ...c, content_filter_results: c.finish_reason === 'content_filter' ? { ...CATEGORY_RESULTS, violence: { filtered: true, severity: 'medium' } } : CATEGORY_RESULTS } : c));
  return JSON.stringify({ ...v, choices, prompt_filter_results: PROMPT_FILTER_RESULTS });
}

/** One SSE event of a chat stream with Azure's per-choice annotations added. */
function annotateChunk(event: string): string {
  const m = /^data: (.*)$/s.exec(event.trimEnd());
  if (m === null || m[1] === '[DONE]') return event;
  let v: unknown;
  try {
    v = JSON.parse(m[1] ?? '');
  } catch {
    return event;
  }
  if (!isObj(v) || !Array.isArray(v.choices) || v.choices.length === 0) return event;
  const choices = v.choices.map((c: unknown) => (isObj(c) ? { ...c, content_filter_results: c.finish_reason === 'content_filter' ? { violence: { filtered: true, severity: 'medium' } } : CATEGORY_RESULTS } : c));
  return `data: ${JSON.stringify({ ...v, choices })}\n\n`;
}

/** The annotation-only chunk Azure sends before a chat stream's first choice. */
const PROMPT_ANNOTATION_CHUNK = `data: ${JSON.stringify({ choices: [], created: 0, id: '', model: '', object: '', prompt_filter_results: PROMPT_FILTER_RESULTS })}\n\n`;

export async function startFakeAzureOpenAI(opts: { apiKey?: string; behavior?: BehaviorFn } = {}): Promise<FakeAzureOpenAI> {
  const apiKey = opts.apiKey ?? 'azure-key-0123456789abcdef';
  const inner = await startFakeOpenAI(opts.behavior === undefined ? {} : { behavior: opts.behavior });
  const requests: AzureRecordedRequest[] = [];
  const tokens = new Set<string>();
  let fault: ((req: AzureRecordedRequest) => AzureFault | undefined) | undefined;

  /** The api-key header anywhere; a bearer Entra token anywhere; the key as a bearer token on v1 paths (the OpenAI client's way). */
  function authorized(headers: IncomingHttpHeaders, style: 'classic' | 'v1' | undefined): boolean {
    if (headers['api-key'] === apiKey) return true;
    const auth = headers.authorization;
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) return false;
    const token = auth.slice('Bearer '.length);
    return tokens.has(token) || (style === 'v1' && token === apiKey);
  }

  async function forward(r: Routed, body: Obj, res: ServerResponse): Promise<void> {
    const payload = JSON.stringify(r.deployment === undefined ? body : { ...body, model: r.deployment });
    const chat = r.innerPath === '/v1/chat/completions';
    const filtered = chat && promptText(body).includes(FILTER_MARKER);
    const up = await new Promise<IncomingMessage>((resolve, reject) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
      if (filtered) headers['x-fake-filter'] = '1';
      const req = httpRequest(`${inner.url.replace(/\/v1$/, '')}${r.innerPath}`, { method: 'POST', headers }, resolve);
      req.on('error', reject);
      req.end(payload);
    });
    const headers: Record<string, string> = { 'apim-request-id': 'fake-apim-1' };
    for (const [k, v] of Object.entries(up.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    const status = up.statusCode ?? 502;
    const stream = String(up.headers['content-type'] ?? '').startsWith('text/event-stream');
    if (!chat || status !== 200) {
      res.writeHead(status, headers);
      for await (const c of up) res.write(c as Buffer);
      res.end();
      return;
    }
    if (!stream) {
      res.writeHead(status, headers).end(annotateChat((await readBody(up)).toString('utf8')));
      return;
    }
    res.writeHead(status, headers);
    res.write(PROMPT_ANNOTATION_CHUNK);
    let buf = '';
    for await (const c of up) {
      buf += (c as Buffer).toString('utf8');
      let at: number;
      while ((at = buf.indexOf('\n\n')) !== -1) {
        res.write(annotateChunk(buf.slice(0, at + 2)));
        buf = buf.slice(at + 2);
      }
    }
    res.end(buf);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { rawBody, body } = await readJsonBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const r = route(url.pathname);
    const obj = isObj(body) ? body : {};
    const deployment = r?.deployment ?? (typeof obj.model === 'string' ? obj.model : undefined);
    const rec: AzureRecordedRequest = {
      method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: { ...req.headers }, body, rawBody,
      ...(r === undefined ? {} : { style: r.style }), ...(deployment === undefined ? {} : { deployment }),
    };
    requests.push(rec);
    if (!authorized(req.headers, r?.style)) return sendJson(res, 401, STATUS_ERRORS[401]);
    if (req.method !== 'POST' || r === undefined) return sendJson(res, 404, STATUS_ERRORS[404]);
    if (r.needsVersion && (url.searchParams.get('api-version') ?? '') === '') {
      return sendJson(res, 400, azureError('BadRequest', 'Missing required query parameter: api-version'));
    }
    if (!isObj(body)) return sendJson(res, 400, azureError('BadRequest', 'The request body is not valid JSON.'));
    if (deployment === undefined) return sendJson(res, 400, azureError('BadRequest', 'The model (deployment name) is required.'));
    const f = fault?.(rec);
    if (f !== undefined) return sendJson(res, f.status, f.body ?? STATUS_ERRORS[f.status] ?? azureError(String(f.status), `Fake error ${f.status}.`), f.headers);
    if (promptText(obj).includes(BLOCK_MARKER)) return sendJson(res, 400, contentFilterBody());
    await forward(r, obj, res);
  }

  // Cut chat answers of FILTER_MARKER prompts with finish_reason content_filter, whatever else the inner behaviour does.
  inner.setBehavior(wrap(opts.behavior));
  function wrap(fn: BehaviorFn | undefined): BehaviorFn {
    return (req) => {
      const b = fn?.(req);
      if (req.headers['x-fake-filter'] !== '1') return b;
      const { toolCalls: _dropped, ...rest } = b ?? {};
      return { ...rest, content: ['I cannot'], finishReason: 'content_filter' };
    };
  }

  const http = await startLoopbackServer(handle);
  const endpoint = http.origin;

  return {
    endpoint, apiKey, tokens, requests, inner,
    setBehavior(fn) {
      inner.setBehavior(wrap(fn));
    },
    setFault(fn) {
      fault = fn;
    },
    async close() {
      await http.close();
      await inner.close();
    },
  };
}
