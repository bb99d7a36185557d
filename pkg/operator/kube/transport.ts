// A thin Kubernetes REST transport on top of a KubeConfig: the kubeconfig's credentials and TLS settings
// (client-node applies them, including in-cluster token refresh), one long-lived undici dispatcher, plain JSON in and
// out, and a line stream for watches. Plain JSON keeps every object exactly as the API server sent it (the compiler
// wants the raw manifests; client-node's typed models would turn timestamps into Date objects).
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { fetch } from 'undici';
import type { Dispatcher } from 'undici';

export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  readonly body: unknown;
}

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. "/apis/coordination.k8s.io/v1/namespaces/ns/leases/x". */
  readonly path: string;
  readonly body?: unknown;
  /** Default application/json. */
  readonly contentType?: string;
  /** Default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface KubeTransport {
  /** https://host:port of the current cluster. */
  readonly server: string;
  /** One request; network failures reject with KubeNetworkError, HTTP errors resolve with their status. */
  request(req: KubeRequest): Promise<KubeResponse>;
  /**
   * GET a streaming endpoint (a watch) and call onLine for every line as it arrives. Resolves when the server ends
   * the response, rejects on a network error or abort; a non-200 answer rejects with KubeHttpError.
   */
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** The API server answered with an error status (Status.message only: never headers or credentials). */
export class KubeHttpError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeHttpError';
    this.status = status;
    this.reason = reason;
  }
}

/** The API server could not be reached (connection refused, reset, timeout). */
export class KubeNetworkError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'KubeNetworkError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** "Status" bodies: the reason and message of a failed call. */
export function statusOf(res: KubeResponse): { reason: string; message: string } {
  const b = res.body;
  if (isRecord(b)) {
    return { reason: typeof b.reason === 'string' ? b.reason : '', message: typeof b.message === 'string' ? b.message : `HTTP ${res.status}` };
  }
  return { reason: '', message: `HTTP ${res.status}` };
}

export function httpError(res: KubeResponse, what: string): KubeHttpError {
  const s = statusOf(res);
  return new KubeHttpError(res.status, s.reason, `${what}: HTTP ${res.status}${s.reason ? ` ${s.reason}` : ''}: ${s.message}`);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createKubeTransport(kc: KubeConfig): KubeTransport {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/+$/, '');
  let dispatcher: Dispatcher | undefined;
  let dispatcherSet = false;

  /** Headers from the kubeconfig (token files are re-read by client-node as they rotate). */
  async function authenticate(url: string, method: string): Promise<Record<string, string>> {
    const ctx = new RequestContext(url, method as HttpMethod);
    await kc.applySecurityAuthentication(ctx);
    if (!dispatcherSet) {
      dispatcher = ctx.getDispatcher();
      dispatcherSet = true;
    }
    return { ...ctx.getHeaders() };
  }

  async function request(req: KubeRequest): Promise<KubeResponse> {
    const url = `${server}${req.path}`;
    const headers = await authenticate(url, req.method);
    headers['accept'] = 'application/json';
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    }
    const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(req.timeoutMs ?? 30_000)));
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, { method: req.method, headers, body, signal, ...(dispatcher ? { dispatcher } : {}) });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new KubeNetworkError(`${req.method} ${req.path.split('?')[0] ?? ''}: ${describe(err)}`, err);
    }
    return { status, body: parseBody(text) };
  }

  async function stream(path: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    const url = `${server}${path}`;
    const headers = await authenticate(url, HttpMethod.GET);
    headers['accept'] = 'application/json';
    let res;
    try {
      res = await fetch(url, { method: 'GET', headers, signal, ...(dispatcher ? { dispatcher } : {}) });
    } catch (err) {
      throw new KubeNetworkError(`GET ${path.split('?')[0] ?? ''}: ${describe(err)}`, err);
    }
    if (res.status !== 200 || res.body === null) {
      const text = await res.text().catch(() => '');
      throw httpError({ status: res.status, body: parseBody(text) }, `watch ${path.split('?')[0] ?? ''}`);
    }
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of res.body) {
        pending += decoder.decode(chunk, { stream: true });
        let nl = pending.indexOf('\n');
        while (nl >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim() !== '') onLine(line);
          nl = pending.indexOf('\n');
        }
      }
    } catch (err) {
      throw new KubeNetworkError(`watch ${path.split('?')[0] ?? ''} broke: ${describe(err)}`, err);
    }
    if (pending.trim() !== '') onLine(pending);
  }

  return {
    server,
    request,
    stream,
    close: async () => {
      const d = dispatcher as (Dispatcher & { close?: () => Promise<void> }) | undefined;
      dispatcher = undefined;
      if (d && typeof d.close === 'function') await d.close().catch(() => undefined);
    },
  };
}
