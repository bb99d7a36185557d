// Type checks on the request fields the gateway itself reads (A13). Unknown fields are not checked here: they are
// forwarded to the provider as-is (the adapter patches `model` and `stream_options` only). The parsed body is used
// unchanged; zod's output copy is discarded so key order and unknown fields survive.
import { z } from 'zod';
import { GatewayError } from '../../errors/errors.ts';
import type { Operation } from '../../providers/types.ts';

const StreamOptions = z.looseObject({ include_usage: z.boolean().optional() });

export const ChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullable().optional(),
  stream_options: StreamOptions.nullable().optional(),
});

const EmbeddingsInput = z.union([
  z.string(),
  z.array(z.string()).min(1),
  z.array(z.number()).min(1),
  z.array(z.array(z.number()).min(1)).min(1),
]);

export const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1),
  input: EmbeddingsInput,
});

export interface InferenceRequest {
  readonly body: Readonly<Record<string, unknown>>;
  readonly model: string;
  readonly stream: boolean;
  readonly clientWantsUsage: boolean;
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isOptionalBoolean(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'boolean';
}

function isStringArray(v: readonly unknown[]): boolean {
  for (const x of v) if (typeof x !== 'string') return false;
  return true;
}

/**
 * The hot path's pre-check: true only for bodies the zod schemas above certainly accept (it is narrower, never
 * wider; a property test checks that). Anything it does not recognise goes to zod, which also words the error.
 */
export function obviouslyValid(op: Operation, b: Record<string, unknown>): boolean {
  if (typeof b.model !== 'string' || b.model === '') return false;
  if (op === 'embeddings') {
    const input = b.input;
    return typeof input === 'string' || (Array.isArray(input) && input.length > 0 && isStringArray(input));
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0 || !isOptionalBoolean(b.stream)) return false;
  const so = b.stream_options;
  return so === undefined || so === null || (isPlainObject(so) && (so.include_usage === undefined || typeof so.include_usage === 'boolean'));
}

/** Validates a parsed body for `op`; throws GatewayError invalid_request (param = the offending field). */
export function validateInference(op: Operation, body: unknown): InferenceRequest {
  if (!isPlainObject(body)) {
    throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  const result = obviouslyValid(op, body) ? null : (op === 'chat' ? ChatRequest : EmbeddingsRequest).safeParse(body);
  if (result !== null && !result.success) {
    const issue = result.error.issues[0];
    const param = issue === undefined ? null : pathOf(issue.path);
    const what = issue !== undefined && valueAt(body, issue.path) === undefined ? 'is required' : 'has an invalid type or value';
    throw new GatewayError('invalid_request', { message: `'${param ?? 'body'}' ${what}.`, param });
  }
  const obj = body;
  const stream = op === 'chat' && obj.stream === true;
  const so = obj.stream_options;
  const clientWantsUsage = stream && typeof so === 'object' && so !== null && (so as Record<string, unknown>).include_usage === true;
  return { body: obj, model: obj.model as string, stream, clientWantsUsage };
}
