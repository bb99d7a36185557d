// Type checks on the request fields the gateway itself reads (A13). Unknown fields are not checked here: they are
// forwarded to the provider as-is (the adapter patches `model` and `stream_options` only). The parsed body is used
// unchanged; zod's output copy is discarded so key order and unknown fields survive.
import { z } from 'zod';
import { GatewayError } from '../../errors/errors.ts';
import type { Operation } from '../../providers/types.ts';

const StreamOptions = z.looseObject({ include_usage: z.boolean().optional() });

const ChatRequest = z.looseObject({
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

const EmbeddingsRequest = z.looseObject({
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

/** Validates a parsed body for `op`; throws GatewayError invalid_request (param = the offending field). */
export function validateInference(op: Operation, body: unknown): InferenceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  const result = (op === 'chat' ? ChatRequest : EmbeddingsRequest).safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue === undefined ? null : pathOf(issue.path);
    const what = issue !== undefined && valueAt(body, issue.path) === undefined ? 'is required' : 'has an invalid type or value';
    throw new GatewayError('invalid_request', { message: `'${param ?? 'body'}' ${what}.`, param });
  }
  const obj = body as Record<string, unknown>;
  const stream = op === 'chat' && obj.stream === true;
  const so = obj.stream_options;
  const clientWantsUsage = stream && typeof so === 'object' && so !== null && (so as Record<string, unknown>).include_usage === true;
  return { body: obj, model: obj.model as string, stream, clientWantsUsage };
}
