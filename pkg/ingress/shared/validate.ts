// Shared validation helpers for the ingresses: a zod issue becomes GatewayError invalid_request with `param` set to
// the offending field and a message that says whether it is missing or malformed (tests pin the wording).
import type { ZodType } from 'zod';
import { GatewayError } from '../../errors/errors.ts';

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pathOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The body must be a JSON object; throws invalid_request otherwise. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  return body;
}

/** Checks `body` against `schema` (the parsed body is kept; zod's copy is discarded); throws invalid_request. */
export function checkSchema(schema: ZodType, body: Record<string, unknown>): void {
  const result = schema.safeParse(body);
  if (result.success) return;
  const issue = result.error.issues[0];
  const param = issue === undefined ? null : pathOf(issue.path);
  const what = issue !== undefined && valueAt(body, issue.path) === undefined ? 'is required' : 'has an invalid type or value';
  throw new GatewayError('invalid_request', { message: `'${param ?? 'body'}' ${what}.`, param });
}

/** OpenAI stream_options.include_usage === true. */
export function includeUsage(so: unknown): boolean {
  return isPlainObject(so) && so.include_usage === true;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The listed client headers (lower-case names) that are present, joined when repeated; a shared empty object when none. */
export function pickHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, names: readonly string[]): Readonly<Record<string, string>> {
  let out: Record<string, string> | null = null;
  for (const n of names) {
    const v = headers[n];
    if (v === undefined) continue;
    out ??= {};
    out[n] = Array.isArray(v) ? v.join(',') : v;
  }
  return out ?? NO_HEADERS;
}

export { NO_HEADERS };
