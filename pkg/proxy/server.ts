// The data-plane server factory. The data port exposes exactly the documented routes (E9), one ingress per client
// API: POST /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses (OpenAI dialect), POST
// /v1/messages and /v1/messages/count_tokens (Anthropic dialect), GET /v1/models and /v1/models/:model. No HEAD
// twins, no health or admin routes (those live on the admin port), case-sensitive paths without slash or dot
// normalisation (E7), no method-override headers, no trusted proxies by default (E8). Every response carries
// x-request-id; every error is in the dialect of the route that was hit (the OpenAI envelope before a route
// matched: unknown paths, router errors). The caller listens.
import { TextDecoder } from 'node:util';
import type { Tracer } from '@opentelemetry/api';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { createIngresses } from '../ingress/index.ts';
import { OPENAI_ERRORS } from '../ingress/shared/openai-envelope.ts';
import { ANTHROPIC_ERRORS } from '../ingress/anthropic-messages/envelope.ts';
import type { ErrorDialect, Ingress } from '../ingress/types.ts';
import type { IdentityVerifier } from '../identity/verifier.ts';
import type { GatewayMetrics } from '../telemetry/types.ts';
import { createClientErrorHandler } from './client-error.ts';
import { resolveOptions } from './core.ts';
import type { ProxyCore, ProxyOptions, ResolvedOptions } from './core.ts';
import { Admission, SHED_RETRY_AFTER_S, anyLimit } from './overload/admission.ts';
import { LoopDelayMonitor } from './overload/loop-delay.ts';
import { errorOut, retryAfterHeader, toErrorOut } from './error-reply.ts';
import { FailureLogLimiter } from './failure-limiter.ts';
import type { ErrorOut } from './error-reply.ts';
import {
  STATE_KEY, createAuthHook, createBodyParser, createInferenceHandler, createInitHook, createModelHandler, createModelsHandler,
} from './handlers.ts';
import { modelsShape } from './models.ts';
import type { Endpoint, RequestState } from './request-state.ts';
import { requestIdFor } from './request-id.ts';
import { ProxySignals } from './routing/target-stats.ts';
import type { HealthSignals } from './routing/types.ts';
import type { TableHolder } from './table-holder.ts';
import { UpstreamFailureLog } from './upstream-failure-log.ts';

export interface ProxyServerDeps {
  readonly holder: TableHolder;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly tracer?: Tracer | null;
  readonly options?: ProxyOptions;
  /** [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Wall clock, epoch ms; default Date.now. */
  readonly now?: () => number;
  /** JWT bearer verification (ADR 0017); default none. */
  readonly identity?: IdentityVerifier | null;
  /** Target ejection and pool saturation for the pickers (pkg/proxy/routing/types.ts); default: none ejected or saturated. */
  readonly health?: HealthSignals;
  /** The pickers' signals, when the caller shares them (the data plane's /debug/explain); default: new ones over `health`. */
  readonly signals?: ProxySignals;
}

/** Canonical data routes: path → method. Used for 405 answers; the route inventory test pins it (E9). */
export const DATA_ROUTES: ReadonlyMap<string, string> = new Map([
  ['/v1/chat/completions', 'POST'],
  ['/v1/completions', 'POST'],
  ['/v1/embeddings', 'POST'],
  ['/v1/responses', 'POST'],
  ['/v1/messages', 'POST'],
  ['/v1/messages/count_tokens', 'POST'],
  ['/v1/models', 'GET'],
]);

/** Paths whose errors (405 included) are in Anthropic's dialect. */
const ANTHROPIC_PATHS: ReadonlySet<string> = new Set(['/v1/messages', '/v1/messages/count_tokens']);

function noop(): void {}

/** An error before dispatch, in the dialect of the route that was hit (OpenAI before a route matched). */
function sendError(request: FastifyRequest, reply: FastifyReply, e: ErrorOut, dialect?: ErrorDialect): void {
  const st = (request as unknown as Record<typeof STATE_KEY, RequestState | null>)[STATE_KEY];
  if (st !== null && st !== undefined) st.code = e.code;
  const { body, headers } = (dialect ?? st?.dialect ?? OPENAI_ERRORS).errorResponse(e, request.id);
  reply.code(e.status).header('x-request-id', request.id).headers(headers).header('content-type', 'application/json; charset=utf-8');
  if (e.retryAfter !== undefined) reply.header('retry-after', retryAfterHeader(e.retryAfter));
  reply.send(body);
}

function registerRoutes(app: FastifyInstance, core: ProxyCore): void {
  const ing = createIngresses();
  const inference: readonly [Ingress, Endpoint][] = [
    [ing.chat, 'chat'], [ing.completions, 'completions'], [ing.embeddings, 'embeddings'], [ing.responses, 'responses'],
    [ing.messages, 'messages'], [ing.countTokens, 'count_tokens'],
  ];
  for (const [ingress, endpoint] of inference) {
    app.post(ingress.path, { onRequest: createAuthHook(core, ingress.path, endpoint, ingress) }, createInferenceHandler(core, ingress));
  }
  app.get('/v1/models', { onRequest: createAuthHook(core, '/v1/models', 'models') }, createModelsHandler());
  app.get<{ Params: { model: string } }>('/v1/models/:model', { onRequest: createAuthHook(core, '/v1/models/:model', 'models') }, createModelHandler());
}

function registerErrorHandlers(app: FastifyInstance, core: ProxyCore): void {
  app.setNotFoundHandler(function notFound(request, reply) {
    const path = request.url.split('?', 1)[0] ?? '';
    const allowed = DATA_ROUTES.get(path);
    if (allowed !== undefined) {
      reply.header('allow', allowed);
      const anthropic = ANTHROPIC_PATHS.has(path) || (path === '/v1/models' && modelsShape(request.headers) === 'anthropic');
      sendError(request, reply, errorOut('method_not_allowed'), anthropic ? ANTHROPIC_ERRORS : OPENAI_ERRORS);
      return;
    }
    sendError(request, reply, errorOut('not_found'));
  });
  app.setErrorHandler(function onError(err: FastifyError, request, reply) {
    const { out, internal } = toErrorOut(err);
    if (internal) {
      core.logger.error({ requestId: request.id, err: { name: err.name, code: err.code, message: String(err.message).slice(0, 500), stack: err.stack?.slice(0, 4000) } }, 'internal error');
    }
    sendError(request, reply, out);
  });
}

/** What the data plane's drain needs of a proxy server it did not build the core of. */
export interface DrainHandle {
  /** Requests whose dispatch is still running. */
  readonly active: number;
  /**
   * Ends every running request with 503 shutting_down: an error response before its head, the dialect's terminal
   * error event after it (D8: never a silent close). Returns how many were ended.
   */
  endActive(): number;
}

const drainHandles = new WeakMap<FastifyInstance, DrainHandle>();

export function drainHandleOf(app: FastifyInstance): DrainHandle | undefined {
  return drainHandles.get(app);
}

function createAdmission(options: ResolvedOptions): { admission: Admission | null; loop: LoopDelayMonitor | null } {
  const limits = {
    maxInflight: options.maxInflight, maxInflightPerKey: options.maxInflightPerKey,
    maxInflightPerTeam: options.maxInflightPerTeam, maxEventLoopDelayMs: options.maxEventLoopDelayMs,
  };
  if (!anyLimit(limits)) return { admission: null, loop: null };
  const loop = limits.maxEventLoopDelayMs > 0 ? new LoopDelayMonitor(limits.maxEventLoopDelayMs) : null;
  return { admission: new Admission(limits, loop), loop };
}

export function createProxyServer(deps: ProxyServerDeps): FastifyInstance {
  const options = resolveOptions(deps.options);
  const { admission, loop } = createAdmission(options);
  const core: ProxyCore = {
    holder: deps.holder,
    authMode: deps.holder.authMode,
    identity: deps.identity ?? null,
    logger: deps.logger,
    accessLogger: deps.logger.child({}, { redact: { paths: [] } }),
    metrics: deps.metrics,
    upstreamFailures: new UpstreamFailureLog(deps.logger, new FailureLogLimiter(options.failureLogIntervalMs, deps.now ?? Date.now)),
    tracer: deps.tracer ?? null,
    options,
    random: deps.random ?? Math.random,
    now: deps.now ?? Date.now,
    decoder: new TextDecoder('utf-8', { fatal: true }),
    signals: deps.signals ?? new ProxySignals(deps.health),
    admission,
    active: new Set(),
  };
  const initHook = createInitHook(core);
  // No bodyLimit, onProtoPoisoning or onConstructorPoisoning: they only configure Fastify's own body parsers, all
  // removed below; the one parser (createBodyParser) enforces maxBodyBytes, depth and forbidden keys itself.
  const app = Fastify({
    logger: false,
    requestTimeout: options.requestTimeoutMs,
    keepAliveTimeout: options.keepAliveTimeoutMs,
    trustProxy: options.trustProxy,
    exposeHeadRoutes: false,
    requestIdHeader: false,
    genReqId: requestIdFor,
    return503OnClosing: true,
    clientErrorHandler: createClientErrorHandler(core.accessLogger),
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 256 },
    // Router-level errors (malformed percent-encoding, over-long :model) skip the hooks: set up the request here.
    frameworkErrors(err, request, reply) {
      initHook(request, reply, noop);
      sendError(request, reply, errorOut(err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'model_not_found' : 'bad_request'));
    },
  });
  app.server.headersTimeout = options.headersTimeoutMs;
  app.decorateRequest(STATE_KEY, null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', createBodyParser(core));
  app.addHook('onRequest', initHook);
  registerRoutes(app, core);
  registerErrorHandlers(app, core);
  if (loop !== null) app.addHook('onClose', (_app, done) => {
    loop.stop();
    done();
  });
  drainHandles.set(app, {
    get active() {
      return core.active.size;
    },
    endActive() {
      const e = errorOut('shutting_down', { retryAfter: SHED_RETRY_AFTER_S });
      const running = [...core.active];
      for (const st of running) st.endForDrain(e);
      return running.length;
    },
  });
  return app;
}
