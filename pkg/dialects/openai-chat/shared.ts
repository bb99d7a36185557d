// Mappings both sides of the OpenAI chat dialect share: finish reasons, usage, data URLs, request errors.
import type { z } from 'zod';
import { GatewayError } from '../../errors/errors.ts';
import type { CanonicalUsage, MediaSource, StopReason } from '../../canonical/types.ts';
import type { WireFinishReason, WireUsage } from './schema.ts';

export function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', { param, message });
}

/** `messages[0].content[1]` from a zod path. */
export function paramOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out;
}

/** Parses `body` or throws invalid_request naming the first offending field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const param = issue === undefined ? '' : paramOf(issue.path);
  const what = issue === undefined ? 'invalid' : issue.message;
  throw invalid(param, param === '' ? `The request body is invalid: ${what}.` : `Invalid value for "${param}": ${what}.`);
}

export function finishReasonOf(stop: StopReason): WireFinishReason {
  switch (stop) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filter':
    case 'refusal':
      return 'content_filter';
    default: // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

/** Unknown or missing finish reasons (some servers send null or their own words) read as end_turn. */
export function stopReasonOf(finish: unknown): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

export function wireUsage(u: CanonicalUsage): WireUsage {
  const out: WireUsage = { prompt_tokens: u.inputTokens, completion_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens };
  out.prompt_tokens_details = { cached_tokens: u.cachedInputTokens ?? 0 };
  out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens ?? 0 };
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Canonical usage from an OpenAI `usage` object; null when absent or malformed. */
export function canonicalUsage(usage: unknown): CanonicalUsage | null {
  const input = num(field(usage, 'prompt_tokens'));
  if (input === undefined) return null;
  const out: { -readonly [K in keyof CanonicalUsage]: CanonicalUsage[K] } = { inputTokens: input, outputTokens: num(field(usage, 'completion_tokens')) ?? 0 };
  // DeepSeek reports cache hits as prompt_cache_hit_tokens.
  const cached = num(field(field(usage, 'prompt_tokens_details'), 'cached_tokens')) ?? num(field(usage, 'prompt_cache_hit_tokens'));
  const reasoning = num(field(field(usage, 'completion_tokens_details'), 'reasoning_tokens'));
  if (cached !== undefined && cached > 0) out.cachedInputTokens = cached;
  if (reasoning !== undefined && reasoning > 0) out.reasoningTokens = reasoning;
  return out;
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

/** `data:<type>;base64,<data>` → a base64 source; anything else is a URL source (or null when not a URL). */
export function sourceOfUrl(url: string): MediaSource | null {
  const m = DATA_URL.exec(url);
  if (m !== null) return { kind: 'base64', mediaType: m[1] ?? '', data: m[3] ?? '' };
  if (/^https?:\/\//i.test(url)) return { kind: 'url', url };
  return null;
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
