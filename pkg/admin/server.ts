// The admin listener (its own port, never the data port — E10): /metrics, /healthz, /readyz, /debug/table,
// /debug/explain. GET only; everything else is a JSON 404. Secrets are redacted from every response (E11).
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RoutingTable } from '../table/types.ts';
import type { AuthMode } from '../telemetry/types.ts';
import { explainModel } from './explain.ts';
import { explainRouting } from './explain-routing.ts';
import type { SignalLookup } from './explain-routing.ts';
import { redactTable } from './redact.ts';

/**
 * What the admin server needs from the table holder: the table in use, if any, and the data port's auth mode
 * (absent on the operator, which serves no data port: its proxies each have their own).
 */
export interface TableSource {
  readonly table: RoutingTable | null | undefined;
  readonly authMode?: AuthMode;
  /** OIDC issuers for bearer tokens (a table without keys is then not a lock-out). */
  readonly tokenIssuers?: number;
}

/** The auth state as /readyz and /debug/table report it (ADR 0013). */
export interface AuthState {
  readonly mode: AuthMode;
  readonly keys: number;
  /** OIDC issuers whose bearer tokens authenticate too. */
  readonly tokenIssuers: number;
  /** required mode with zero keys and no token issuer: every data request gets 401. */
  readonly lockedOut: boolean;
}

export function authState(mode: AuthMode | undefined, table: RoutingTable | null | undefined, tokenIssuers = 0): AuthState | undefined {
  if (mode === undefined) return undefined;
  const keys = table ? Object.keys(table.keys).length : 0;
  return { mode, keys, tokenIssuers, lockedOut: mode === 'required' && keys === 0 && tokenIssuers === 0 };
}

export interface AdminServerOptions {
  readonly registry: Registry;
  readonly holder: TableSource;
  readonly logger: Logger;
  /** True once the gateway can serve traffic (a table is loaded and it is not shutting down). */
  readonly ready: () => boolean;
  /** Extra /readyz fields that never gate readiness (e.g. OIDC key status, ADR 0017). */
  readonly readyDetails?: () => Record<string, unknown>;
  /** The data plane's live per-target signals for /debug/explain's routing section; absent: idle and healthy. */
  readonly routingSignals?: () => SignalLookup | null;
}

/** Repeatable `name:value` query parameters (header=, metadata=, claim=) as a map; a string on a bad one. */
function pairs(v: unknown, field: string): Record<string, string> | string | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  if (list.length > 32) return `Pass ${field} at most 32 times.`;
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = typeof item === 'string' ? item.indexOf(':') : -1;
    if (typeof item !== 'string' || i <= 0 || item.length > MAX_MODEL_CHARS) return `Pass ${field} as name:value, up to ${MAX_MODEL_CHARS} characters.`;
    out[field === 'header' ? item.slice(0, i).trim().toLowerCase() : item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return out;
}

const MAX_MODEL_CHARS = 256;

function notFound(reply: FastifyReply, message = 'Unknown admin endpoint.'): FastifyReply {
  return reply.code(404).send({ error: { message, type: 'not_found_error', param: null, code: 'not_found' } });
}

function badRequest(reply: FastifyReply, message: string, param: string): FastifyReply {
  return reply.code(400).send({ error: { message, type: 'invalid_request_error', param, code: 'invalid_request' } });
}

function notReady(reply: FastifyReply): FastifyReply {
  return reply.code(503).send({ error: { message: 'The gateway has no routing table loaded yet.', type: 'overloaded_error', param: null, code: 'not_ready' } });
}

function registerProbes(app: FastifyInstance, opts: AdminServerOptions): void {
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const table = opts.holder.table;
    const auth = authState(opts.holder.authMode, table, opts.holder.tokenIssuers);
    const extra = opts.readyDetails?.() ?? {};
    if (opts.ready() && table) return reply.send({ status: 'ready', version: table.version, hash: table.hash, auth, ...extra });
    const reason = table ? 'the gateway is shutting down' : 'no routing table loaded yet';
    return reply.code(503).send({ status: 'not ready', reason, auth, ...extra });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.registry.metrics();
    return reply.header('content-type', opts.registry.contentType).send(text);
  });
}

function registerDebug(app: FastifyInstance, opts: AdminServerOptions): void {
  app.get('/debug/table', async (_req, reply) => {
    const table = opts.holder.table;
    if (!table) return notReady(reply);
    return reply.header('cache-control', 'no-store').send({ ...redactTable(table), auth: authState(opts.holder.authMode, table, opts.holder.tokenIssuers) });
  });
  app.get('/debug/explain', async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const model = query['model'];
    if (typeof model !== 'string' || model === '') return badRequest(reply, 'Pass the model name: /debug/explain?model=<name>.', 'model');
    if (model.length > MAX_MODEL_CHARS) return badRequest(reply, `The model name is longer than ${MAX_MODEL_CHARS} characters.`, 'model');
    const caller: { key?: string; team?: string; user?: string } = {};
    for (const field of ['key', 'team', 'user'] as const) {
      const v = query[field];
      if (v === undefined) continue;
      if (typeof v !== 'string' || v === '' || v.length > MAX_MODEL_CHARS) return badRequest(reply, `Pass ${field} once, 1 to ${MAX_MODEL_CHARS} characters.`, field);
      caller[field] = v;
    }
    if (caller.key !== undefined && (caller.team !== undefined || caller.user !== undefined)) {
      return badRequest(reply, 'Pass either key (its Secret gives the team and user) or team and/or user.', 'key');
    }
    const facts: { headers?: Record<string, string>; metadata?: Record<string, string>; claims?: Record<string, string> } = {};
    for (const [field, to] of [['header', 'headers'], ['metadata', 'metadata'], ['claim', 'claims']] as const) {
      const p = pairs(query[field], field);
      if (typeof p === 'string') return badRequest(reply, p, field);
      if (p !== undefined) facts[to] = p;
    }
    const table = opts.holder.table;
    if (!table) return notReady(reply);
    const explained = explainModel(table, model, opts.holder.authMode ?? null, Object.keys(caller).length === 0 ? undefined : caller);
    if (explained === null) {
      const known = Object.keys(table.models).sort().slice(0, 100);
      return reply.code(404).send({
        error: { message: 'No route serves this model name.', type: 'not_found_error', param: 'model', code: 'model_not_found' },
        models: known,
      });
    }
    const route = table.routes.find((r) => r.id === explained.route.id);
    const routing = route === undefined
      ? null
      : explainRouting(table, route, { ...facts, ...caller }, opts.routingSignals?.() ?? undefined);
    return reply.header('cache-control', 'no-store').send({ ...explained, routing });
  });
}

export function createAdminServer(opts: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024, exposeHeadRoutes: false, return503OnClosing: false });
  const log = opts.logger.child({ component: 'admin' });
  registerProbes(app, opts);
  registerDebug(app, opts);
  app.setNotFoundHandler(async (_req, reply) => notFound(reply));
  app.setErrorHandler(async (err, _req, reply) => {
    const status = typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 500) log.error({ err: err instanceof Error ? err.message : 'unknown error' }, 'admin request failed');
    if (status === 404) return notFound(reply);
    return reply.code(status >= 400 && status < 600 ? status : 500)
      .send({ error: { message: status >= 500 ? 'Internal error.' : 'Bad request.', type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: status >= 500 ? 'internal_error' : 'bad_request' } });
  });
  return app;
}
