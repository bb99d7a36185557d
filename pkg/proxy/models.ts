// GET /v1/models: the client-facing names (route models and aliases) the caller may use. Two shapes:
//   OpenAI (default)      {object:"list", data:[{id, object:"model", created, owned_by}]}
//   Anthropic             {data:[{type:"model", id, display_name, created_at}], has_more:false, first_id, last_id}
//                         for requests carrying `anthropic-version` (the official Anthropic SDK always sends it);
//                         one page holds every model, so has_more is false and paging parameters are ignored.
// Bodies are cached per shape and principal on the runtime table (immutable), so a listing is built once per key
// per load.
import type { IncomingHttpHeaders } from 'node:http';
import { mayUse } from './auth.ts';
import type { RuntimePrincipal, RuntimeTable } from './runtime-table.ts';

export type ModelsShape = 'openai' | 'anthropic';

/** Anthropic clients announce themselves with anthropic-version. */
export function modelsShape(headers: IncomingHttpHeaders): ModelsShape {
  return headers['anthropic-version'] === undefined ? 'openai' : 'anthropic';
}

function modelObject(shape: ModelsShape, id: string, createdSec: number): Record<string, unknown> {
  if (shape === 'anthropic') return { type: 'model', id, display_name: id, created_at: new Date(createdSec * 1000).toISOString() };
  return { id, object: 'model', created: createdSec, owned_by: 'switchyard' };
}

function usableNames(rt: RuntimeTable, principal: RuntimePrincipal | null): string[] {
  const out: string[] = [];
  for (const name of [...rt.routes.keys()].sort()) {
    const route = rt.routes.get(name);
    if (route !== undefined && mayUse(principal, name, route)) out.push(name);
  }
  return out;
}

export function modelListBody(rt: RuntimeTable, principal: RuntimePrincipal | null, shape: ModelsShape = 'openai'): string {
  // JWT principals (claims set) are not cached: one entry per token subject would grow without bound.
  if (principal?.claims !== undefined) return listBody(shape, usableNames(rt, principal), rt.createdSec);
  const cacheKey = `${shape}\0${principal === null ? '' : principal.principal.id}`;
  const cached = rt.modelListCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const body = listBody(shape, usableNames(rt, principal), rt.createdSec);
  rt.modelListCache.set(cacheKey, body);
  return body;
}

function listBody(shape: ModelsShape, names: readonly string[], createdSec: number): string {
  const data = names.map((n) => modelObject(shape, n, createdSec));
  return shape === 'openai'
    ? JSON.stringify({ object: 'list', data })
    : JSON.stringify({ data, has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null });
}

/** One model, or null when it does not exist or the caller may not use it (same 404 either way). */
export function modelBody(rt: RuntimeTable, principal: RuntimePrincipal | null, name: string, shape: ModelsShape = 'openai'): string | null {
  const route = rt.routes.get(name);
  if (route === undefined || !mayUse(principal, name, route)) return null;
  return JSON.stringify(modelObject(shape, name, rt.createdSec));
}
