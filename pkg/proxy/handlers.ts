// The data-plane hooks and handlers. Order per request: initRequest (every request, also 404s) → authenticate
// (every data route) → readJsonBody (POST routes, via the content-type parser) → handler (validation, model lookup,
// access, dispatch). Hooks are callback-style so the common path allocates no promises.
import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { GatewayError } from '../errors/errors.ts';
import type { ClientApi } from '../canonical/types.ts';
import { ANTHROPIC_ERRORS } from '../ingress/anthropic-messages/envelope.ts';
import { COUNT_TOKENS_ONLY_ANTHROPIC } from '../ingress/anthropic-messages/count-tokens.ts';
import type { Ingress } from '../ingress/types.ts';
import { authenticate, mayUse } from './auth.ts';
import { noTranslationMessage, unsupportedApiMessage, unsupportedMessage } from './capabilities.ts';
import { isJsonContentType } from './body/content-type.ts';
import { parseJsonBody } from './body/json-guard.ts';
import { parseContentEncoding, readEncodedBody } from './body/decode.ts';
import { readBody } from './body/read-body.ts';
import type { BodyCallback } from './body/read-body.ts';
import type { ProxyCore } from './core.ts';
import { dispatchInference } from './dispatch/dispatch.ts';
import { modelBody, modelListBody, modelsShape } from './models.ts';
import { RequestState } from './request-state.ts';
import type { Endpoint } from './request-state.ts';
import type { RuntimeRoute } from './runtime-table.ts';
import { startRequestSpan } from './tracing.ts';

/** Open mode: an anonymous caller asked for a route with access rules (403, ADR 0013). */
export const ANONYMOUS_NOT_ALLOWED = 'This model is restricted by access rules: send an API key that they allow ("Authorization: Bearer <key>").';

/** Request state lives on the Fastify request under this decorator. */
export const STATE_KEY = 'switchyard';

export function stateOf(request: FastifyRequest): RequestState {
  const st = (request as unknown as Record<typeof STATE_KEY, RequestState | null>)[STATE_KEY];
  if (st === null) throw new Error('request state missing');
  return st;
}

export function createInitHook(core: ProxyCore) {
  return function initRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    // x-request-id is added by every writer (never res.setHeader: it would push writeHead onto Node's slow path).
    (request as unknown as Record<typeof STATE_KEY, RequestState>)[STATE_KEY] = new RequestState(core, request, reply.raw);
    done();
  };
}

/**
 * One per data route: records the canonical path, endpoint and ingress (from here on errors are in its dialect),
 * then authenticates (fail closed without a table).
 */
export function createAuthHook(core: ProxyCore, path: string, endpoint: Endpoint, ingress: Ingress | null = null) {
  return function authenticateRequest(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const st = stateOf(request);
    st.path = path;
    st.endpoint = endpoint;
    if (ingress !== null) {
      st.ingress = ingress;
      st.dialect = ingress;
    } else if (endpoint === 'models' && modelsShape(request.headers) === 'anthropic') {
      st.dialect = ANTHROPIC_ERRORS;
    }
    const rt = st.rt;
    if (rt === null) {
      done(new GatewayError('not_ready'));
      return;
    }
    const principal = authenticate(core.authMode, rt, request.headers, core.now(), core.identity);
    if (principal instanceof Promise) {
      // A JWT bearer (ADR 0017): verified against keys already in memory; the promise never rejects.
      void principal.then((p) => {
        if (p instanceof GatewayError) {
          done(p);
          return;
        }
        st.principal = p;
        done(ingress === null ? undefined : admit(core, st));
      });
      return;
    }
    if (principal instanceof GatewayError) {
      done(principal);
      return;
    }
    st.principal = principal;
    done(ingress === null ? undefined : admit(core, st));
  };
}

/**
 * Overload admission of an authenticated inference request, before its body is read (pkg/proxy/overload): the
 * refusal, or undefined once counted (the state releases it when it closes).
 */
function admit(core: ProxyCore, st: RequestState): GatewayError | undefined {
  const admission = core.admission;
  if (admission === null) return undefined;
  const p = st.principal?.principal;
  const refused = admission.admit(p?.id ?? null, p?.team ?? null);
  if (refused !== null) return refused;
  st.admitted = true;
  return undefined;
}

/**
 * The only body parser: JSON by our rules (content type, content coding, size of the decoded bytes, UTF-8, depth,
 * forbidden keys).
 */
export function createBodyParser(core: ProxyCore) {
  const { maxBodyBytes, maxJsonDepth } = core.options;
  return function readJsonBody(request: FastifyRequest, payload: NodeJS.ReadableStream, done: (err: Error | null, body?: unknown) => void): void {
    if (!isJsonContentType(request.headers['content-type'])) {
      done(new GatewayError('unsupported_media_type'));
      return;
    }
    const coding = parseContentEncoding(request.headers['content-encoding']);
    if (coding instanceof GatewayError) {
      done(coding);
      return;
    }
    const onBody: BodyCallback = (err, buf) => {
      if (err !== null || buf === null) {
        done(err ?? new GatewayError('bad_request'));
        return;
      }
      try {
        const body = parseJsonBody(buf, core.decoder, maxJsonDepth);
        stateOf(request).rawBody = buf;
        done(null, body);
      } catch (e) {
        done(e instanceof Error ? e : new GatewayError('invalid_json'));
      }
    };
    if (coding === null) readBody(payload as Readable, request.headers['content-length'], maxBodyBytes, onBody);
    else readEncodedBody(payload as Readable, request.headers['content-length'], coding, maxBodyBytes, onBody);
  };
}

export function createInferenceHandler(core: ProxyCore, ingress: Ingress) {
  return function inferenceHandler(request: FastifyRequest, reply: FastifyReply): void {
    const st = stateOf(request);
    if (request.body === undefined) {
      throw new GatewayError(isJsonContentType(request.headers['content-type']) ? 'invalid_json' : 'unsupported_media_type');
    }
    const parsed = ingress.parse(request.body, request.headers);
    // The raw bytes go along only when the ingress kept the parsed body itself (so they are what `body` holds).
    const raw = st.rawBody;
    const req = raw !== null && parsed.body === request.body ? { ...parsed, rawBody: raw } : parsed;
    const rt = st.rt;
    if (rt === null) throw new GatewayError('not_ready');
    st.request = req;
    st.stream = req.stream;
    const op = req.op;
    if (core.tracer !== null) st.span = startRequestSpan(core.tracer, op, req.model);
    const route = rt.routes.get(req.model);
    if (route === undefined) throw new GatewayError('model_not_found', { param: 'model' });
    st.route = route;
    if (!mayUse(st.principal, req.model, route)) {
      throw new GatewayError('model_not_allowed', { param: 'model', ...(st.principal === null ? { message: ANONYMOUS_NOT_ALLOWED } : {}) });
    }
    const view = servingView(route, req.model, ingress, req.countTokens === true);
    reply.hijack();
    dispatchInference(st, req, ingress, route, view);
  };
}

/** True when every target of `view` serves `api` by passthrough (no translation needed). */
function allNative(view: RuntimeRoute, api: ClientApi): boolean {
  for (const level of view.levels) for (const t of level.targets) if (t.apis[api] !== 'native') return false;
  for (const t of view.fallback) if (t.apis[api] !== 'native') return false;
  return true;
}

/**
 * The route restricted to the targets that can serve this request, or a 400 before anything goes upstream:
 * declared capabilities (issue 6 point 4: no target serves the operation), then the client API (issue 7 point 4:
 * no target serves the ingress's API natively or through translation), then translation the gateway does not
 * have (an ingress without a codec; count_tokens, which only Anthropic-family upstreams answer).
 */
function servingView(route: RuntimeRoute, model: string, ingress: Ingress, countTokens: boolean): RuntimeRoute {
  const op = ingress.op;
  if (route.byOperation[op] === null) throw new GatewayError('unsupported_operation', { param: 'model', message: unsupportedMessage(model, op, route.capabilities) });
  const view = route.byApi[ingress.api];
  if (view === null) throw new GatewayError('unsupported_operation', { param: 'model', message: unsupportedApiMessage(model, ingress.api, route.providerTypes) });
  if (ingress.codec === null && ingress.embeddingsCodec === undefined && !allNative(view, ingress.api)) {
    if (countTokens) throw new GatewayError('invalid_request', { param: 'model', message: COUNT_TOKENS_ONLY_ANTHROPIC });
    throw new GatewayError('unsupported_operation', { param: 'model', message: noTranslationMessage(model, ingress.api) });
  }
  return view;
}

export function createModelsHandler() {
  return function listModels(request: FastifyRequest, reply: FastifyReply): void {
    const st = stateOf(request);
    const rt = st.rt;
    if (rt === null) throw new GatewayError('not_ready');
    reply.header('x-request-id', st.id).header('content-type', 'application/json').send(modelListBody(rt, st.principal, modelsShape(request.headers)));
  };
}

export function createModelHandler() {
  return function getModel(request: FastifyRequest<{ Params: { model: string } }>, reply: FastifyReply): void {
    const st = stateOf(request);
    const rt = st.rt;
    if (rt === null) throw new GatewayError('not_ready');
    const body = modelBody(rt, st.principal, request.params.model, modelsShape(request.headers));
    if (body === null) throw new GatewayError('model_not_found', { param: 'model' });
    reply.header('x-request-id', st.id).header('content-type', 'application/json').send(body);
  };
}
