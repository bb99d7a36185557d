// Validation of Anthropic Messages bodies, worded as Anthropic words it ("max_tokens: Field required"), so clients
// written against Anthropic see familiar messages. Only the fields the gateway reads are checked; the rest is the
// upstream's (passthrough) or the codec's (translation) business.
import { GatewayError } from '../../errors/errors.ts';
import { isPlainObject } from '../shared/validate.ts';

function invalid(param: string, what: string): GatewayError {
  return new GatewayError('invalid_request', { param, message: `${param}: ${what}` });
}

export function requireAnthropicObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  return body;
}

export function checkModel(b: Record<string, unknown>): string {
  const m = b.model;
  if (m === undefined || m === null) throw invalid('model', 'Field required');
  if (typeof m !== 'string') throw invalid('model', 'Input should be a valid string');
  if (m === '') throw invalid('model', 'String should have at least 1 character');
  return m;
}

export function checkMessages(b: Record<string, unknown>): void {
  const m = b.messages;
  if (m === undefined || m === null) throw invalid('messages', 'Field required');
  if (!Array.isArray(m)) throw invalid('messages', 'Input should be a valid list');
  if (m.length === 0) throw invalid('messages', 'at least one message is required');
}

export function checkMaxTokens(b: Record<string, unknown>): void {
  const t = b.max_tokens;
  if (t === undefined || t === null) throw invalid('max_tokens', 'Field required');
  if (typeof t !== 'number' || !Number.isInteger(t)) throw invalid('max_tokens', 'Input should be a valid integer');
  if (t < 1) throw invalid('max_tokens', 'Input should be greater than or equal to 1');
}

export function checkStream(b: Record<string, unknown>): boolean {
  const s = b.stream;
  if (s === undefined || s === null) return false;
  if (typeof s !== 'boolean') throw invalid('stream', 'Input should be a valid boolean');
  return s;
}

/** Client headers a native passthrough forwards to Anthropic-family upstreams. */
export const ANTHROPIC_FORWARD_HEADERS: readonly string[] = ['anthropic-version', 'anthropic-beta'];
