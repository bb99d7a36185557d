// GET /v1/models: the client-facing names (route models and aliases) the caller may use, in OpenAI list format.
// Bodies are cached per principal on the runtime table (immutable), so a listing is built once per key per load.
import { mayUse } from './auth.ts';
import type { RuntimePrincipal, RuntimeTable } from './runtime-table.ts';

function modelObject(id: string, created: number): { id: string; object: 'model'; created: number; owned_by: 'switchyard' } {
  return { id, object: 'model', created, owned_by: 'switchyard' };
}

export function modelListBody(rt: RuntimeTable, principal: RuntimePrincipal | null): string {
  const cacheKey = principal === null ? '' : principal.principal.id;
  const cached = rt.modelListCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const data: ReturnType<typeof modelObject>[] = [];
  const names = [...rt.routes.keys()].sort();
  for (const name of names) {
    const route = rt.routes.get(name);
    if (route !== undefined && mayUse(principal, name, route)) data.push(modelObject(name, rt.createdSec));
  }
  const body = JSON.stringify({ object: 'list', data });
  rt.modelListCache.set(cacheKey, body);
  return body;
}

/** One model, or null when it does not exist or the caller may not use it (same 404 either way). */
export function modelBody(rt: RuntimeTable, principal: RuntimePrincipal | null, name: string): string | null {
  const route = rt.routes.get(name);
  if (route === undefined || !mayUse(principal, name, route)) return null;
  return JSON.stringify(modelObject(name, rt.createdSec));
}
