// Provider side: a Cohere Chat v2 answer (2xx body) → the canonical response, and the pieces the stream decoder
// shares (usage, finish reasons, tool arguments).
//
// - Usage is what Cohere bills: `billed_units` input/output tokens. `tokens` also counts what Cohere adds to the
//   prompt itself (its preamble, special tokens), which Cohere does not charge for; it is used only when
//   `billed_units` is absent, and only then is `cached_tokens` reported as cached input (the cache hits it counts
//   are mostly that unbilled preamble, so they are not subtracted from billed input).
// - finish_reason COMPLETE → end_turn, MAX_TOKENS → max_tokens, STOP_SEQUENCE → stop_sequence (Cohere does not say
//   which sequence), TOOL_CALL → tool_use. ERROR and TIMEOUT mean generation failed: an UpstreamFailureError
//   (server, timeout) so the core fails over or reports it, never a truncated answer passed off as complete.
// - Content items keep their order (thinking → thinking parts, text → text parts), then `tool_plan` as text, then
//   the tool calls. Citations have no canonical form and are dropped.
import type { CanonicalResponse, CanonicalUsage, StopReason } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';
import type { UpstreamFailure } from '../../providers/types.ts';

type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalid(message: string, cause?: unknown): never {
  throw new UpstreamFailureError({ kind: 'invalid', message }, cause);
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

/** Cohere `usage` → canonical (billed units first, see the header comment); null when it carries no counts. */
export function canonicalUsage(u: unknown): CanonicalUsage | null {
  if (!isObj(u)) return null;
  const billed = isObj(u.billed_units) ? u.billed_units : undefined;
  const bIn = num(billed?.input_tokens);
  const bOut = num(billed?.output_tokens);
  if (bIn !== undefined || bOut !== undefined) return { inputTokens: bIn ?? 0, outputTokens: bOut ?? 0 };
  const tokens = isObj(u.tokens) ? u.tokens : undefined;
  const tIn = num(tokens?.input_tokens);
  const tOut = num(tokens?.output_tokens);
  if (tIn === undefined && tOut === undefined) return null;
  const input = tIn ?? 0;
  const cached = Math.min(num(u.cached_tokens) ?? 0, input);
  return { inputTokens: input, outputTokens: tOut ?? 0, ...(cached > 0 ? { cachedInputTokens: cached } : {}) };
}

export function canonicalStopReason(r: unknown): StopReason {
  switch (r) {
    case 'MAX_TOKENS':
      return 'max_tokens';
    case 'STOP_SEQUENCE':
      return 'stop_sequence';
    case 'TOOL_CALL':
      return 'tool_use';
    default:
      return 'end_turn'; // COMPLETE, and reasons added later
  }
}

const MAX_MESSAGE = 1024;

/** The failure a finish_reason ERROR / TIMEOUT stands for (null for the successful ones). */
export function finishFailure(reason: unknown, error?: unknown): UpstreamFailure | null {
  if (reason !== 'ERROR' && reason !== 'TIMEOUT') return null;
  const detail = typeof error === 'string' && error !== '' ? `: ${error.slice(0, MAX_MESSAGE)}` : '';
  return reason === 'TIMEOUT'
    ? { kind: 'timeout', upstreamCode: 'TIMEOUT', message: `The upstream provider timed out while generating${detail}.` }
    : { kind: 'server', upstreamCode: 'ERROR', message: `The upstream provider failed while generating${detail}.` };
}

/** Tool call arguments (JSON text) → an object; empty, "null" or "{}" → {}. Anything else that is not an object is garbage. */
export function parseArguments(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'string') return invalid('The upstream provider sent tool call arguments that are not a string.');
  if (v.trim() === '' || v.trim() === 'null') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch (err) {
    return invalid('The upstream provider sent tool call arguments that are not JSON.', err);
  }
  if (!isObj(parsed)) return invalid('The upstream provider sent tool call arguments that are not a JSON object.');
  return parsed;
}

export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isObj(body) || !isObj(body.message)) return invalid('The upstream answer is not a Cohere chat response.');
  const failure = finishFailure(body.finish_reason);
  if (failure !== null) throw new UpstreamFailureError(failure);
  const m = body.message;
  const content: CanonicalResponse['content'][number][] = [];
  if (m.content !== undefined && m.content !== null) {
    if (!Array.isArray(m.content)) return invalid('The upstream message content is not an array.');
    for (const raw of m.content as readonly unknown[]) {
      if (!isObj(raw)) return invalid('A content item is not an object.');
      if (raw.type === 'text' && typeof raw.text === 'string') content.push({ type: 'text', text: raw.text });
      else if (raw.type === 'thinking' && typeof raw.thinking === 'string') content.push({ type: 'thinking', text: raw.thinking });
    }
  }
  if (typeof m.tool_plan === 'string' && m.tool_plan !== '') content.push({ type: 'text', text: m.tool_plan });
  if (Array.isArray(m.tool_calls)) {
    for (const raw of m.tool_calls as readonly unknown[]) {
      if (!isObj(raw) || typeof raw.id !== 'string' || !isObj(raw.function) || typeof raw.function.name !== 'string') return invalid('A tool call is malformed.');
      content.push({ type: 'tool_use', id: raw.id, name: raw.function.name, input: parseArguments(raw.function.arguments) });
    }
  }
  return {
    id: typeof body.id === 'string' ? body.id : '',
    model: '',
    content,
    stopReason: canonicalStopReason(body.finish_reason),
    usage: canonicalUsage(body.usage),
  };
}
