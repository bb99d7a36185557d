// Provider side: an Anthropic `message` (2xx body) → the canonical response, and the pieces the stream decoder
// shares (usage and stop reason mapping). Canonical inputTokens is the whole prompt: Anthropic's input_tokens plus
// cache_read_input_tokens plus cache_creation_input_tokens.
import type { CanonicalResponse, CanonicalUsage, StopReason } from '../../canonical/types.ts';
import { UpstreamFailureError } from '../../providers/types.ts';

type Obj = Readonly<Record<string, unknown>>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function invalid(message: string): never {
  throw new UpstreamFailureError({ kind: 'invalid', message });
}

/** Running usage totals; message_delta values overwrite (they are cumulative), absent ones keep the last. */
export interface UsageTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  thinking: number | undefined;
}

export function mergeUsage(t: UsageTotals, u: unknown): void {
  if (!isObj(u)) return;
  if (typeof u.input_tokens === 'number') t.input = u.input_tokens;
  if (typeof u.output_tokens === 'number') t.output = u.output_tokens;
  if (typeof u.cache_read_input_tokens === 'number') t.cacheRead = u.cache_read_input_tokens;
  if (typeof u.cache_creation_input_tokens === 'number') t.cacheWrite = u.cache_creation_input_tokens;
  const details = u.output_tokens_details;
  if (isObj(details) && typeof details.thinking_tokens === 'number') t.thinking = details.thinking_tokens;
}

export function canonicalUsage(t: UsageTotals): CanonicalUsage {
  return {
    inputTokens: t.input + t.cacheRead + t.cacheWrite,
    outputTokens: t.output,
    ...(t.cacheRead > 0 ? { cachedInputTokens: t.cacheRead } : {}),
    ...(t.cacheWrite > 0 ? { cacheWriteTokens: t.cacheWrite } : {}),
    ...(t.thinking !== undefined ? { reasoningTokens: t.thinking } : {}),
  };
}

/** Anthropic stop reasons → canonical; model_context_window_exceeded is a length stop; null/unknown → end_turn. */
export function canonicalStopReason(r: unknown): StopReason {
  switch (r) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
    case 'tool_use':
    case 'refusal':
    case 'pause_turn':
      return r;
    default:
      return 'end_turn';
  }
}

export function decodeResponse(body: unknown): CanonicalResponse {
  if (!isObj(body) || body.type !== 'message' || !Array.isArray(body.content)) invalid('The upstream answer is not an Anthropic message.');
  const content: CanonicalResponse['content'][number][] = [];
  for (const raw of body.content) {
    if (!isObj(raw)) invalid('A content block is not an object.');
    if (raw.type === 'text' && typeof raw.text === 'string') content.push({ type: 'text', text: raw.text });
    else if (raw.type === 'tool_use' && typeof raw.id === 'string' && typeof raw.name === 'string') {
      content.push({ type: 'tool_use', id: raw.id, name: raw.name, input: isObj(raw.input) ? raw.input : {} });
    } else if (raw.type === 'thinking' && typeof raw.thinking === 'string') {
      content.push({ type: 'thinking', text: raw.thinking, ...(typeof raw.signature === 'string' ? { signature: raw.signature } : {}) });
    } else if (raw.type === 'redacted_thinking' && typeof raw.data === 'string') content.push({ type: 'redacted_thinking', data: raw.data });
    // Other block types (server tool blocks, …) only answer server tools, which translated requests never carry.
  }
  const totals: UsageTotals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, thinking: undefined };
  mergeUsage(totals, body.usage);
  return {
    id: typeof body.id === 'string' ? body.id : '',
    model: typeof body.model === 'string' ? body.model : '',
    content,
    stopReason: canonicalStopReason(body.stop_reason),
    ...(typeof body.stop_sequence === 'string' ? { stopSequence: body.stop_sequence } : {}),
    usage: isObj(body.usage) ? canonicalUsage(totals) : null,
  };
}
