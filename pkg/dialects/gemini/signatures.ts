// Carrying Gemini's function-call ids and thought signatures through clients that know nothing of them.
//
// Gemini 3 rejects a history whose function calls lost their `thoughtSignature` (400: "Function call … is missing a
// thought_signature"), and the canonical ToolUsePart has no signature field: OpenAI and Anthropic clients only echo a
// tool call's id. So the signature travels inside the id we give the client (the technique LiteLLM documents for
// Gemini 3), and a function call's own Gemini id, when the model set one, too:
//
//   fc_<gemini id>__ts_<signature>     a call Gemini gave an id to   (gemini id echoed on call and response)
//   call_<n>_<response id>__ts_<sig>   a call without one            (no id sent back)
//
// The signature is written base64url (RFC 4648 §5, no padding) so ids keep to [A-Za-z0-9_-], the alphabet Anthropic
// allows for tool_use ids; it is restored to standard base64 on the way back. Thought parts' signatures go into
// ThinkingPart.signature with a "gemini-ts:" prefix, so a signature another provider made (Claude's) is recognised as
// foreign and never sent to Gemini, which would answer 400 "Base64 decoding failed".
//
// Gemini 3 also documents a placeholder signature for function calls it did not produce (histories from another
// model or rebuilt by a client): SKIP_SIGNATURE is sent on the first function call of a model turn that has none.

const FC = 'fc_';
const SIG = '__ts_';
const THOUGHT = 'gemini-ts:';

/** The placeholder the Gemini thought-signature guide gives for calls without a real signature. */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

function toUrl(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromUrl(s: string): string {
  const std = s.replace(/-/g, '+').replace(/_/g, '/');
  return std + '='.repeat((4 - (std.length % 4)) % 4);
}

/** Keeps [A-Za-z0-9] of a response id (they are base64-ish), at most 24 characters. */
function idChars(s: string): string {
  return s.replace(/[^A-Za-z0-9]/g, '').slice(0, 24);
}

/**
 * The client-facing id of the `ordinal`-th function call of a response: its Gemini id when set, else one made from
 * the ordinal and the response id; with the call's thought signature appended when it has one.
 */
export function toolCallId(call: { readonly id?: string | undefined; readonly signature?: string | undefined }, ordinal: number, responseId: string): string {
  const base = call.id !== undefined && call.id !== '' ? `${FC}${call.id}` : `call_${ordinal}${responseId === '' ? '' : `_${idChars(responseId)}`}`;
  return call.signature === undefined || call.signature === '' ? base : `${base}${SIG}${toUrl(call.signature)}`;
}

export interface ParsedToolCallId {
  /** The Gemini function-call id to echo, when the call had one. */
  readonly geminiId?: string;
  /** The thought signature (standard base64), when the id carries one. */
  readonly signature?: string;
}

/** What an id we made carries; an id from elsewhere (another provider, a client) carries nothing. */
export function parseToolCallId(id: string): ParsedToolCallId {
  const at = id.indexOf(SIG);
  const base = at < 0 ? id : id.slice(0, at);
  const sig = at < 0 ? '' : id.slice(at + SIG.length);
  const out: { geminiId?: string; signature?: string } = {};
  if (base.startsWith(FC) && base.length > FC.length) out.geminiId = base.slice(FC.length);
  if (sig !== '' && /^[A-Za-z0-9_-]+$/.test(sig)) out.signature = fromUrl(sig);
  return out;
}

/** A thought part's signature as ThinkingPart.signature. */
export function thinkingSignature(signature: string): string {
  return `${THOUGHT}${signature}`;
}

/** The Gemini signature inside a ThinkingPart.signature we made, or undefined for another provider's. */
export function geminiThinkingSignature(signature: string | undefined): string | undefined {
  return signature !== undefined && signature.startsWith(THOUGHT) && signature.length > THOUGHT.length ? signature.slice(THOUGHT.length) : undefined;
}

/**
 * True for Gemini 3 and later (they validate thought signatures on function calls and take a thinking level): a
 * name with major version 3 or more, or a moving alias ("gemini-flash-latest"), which points at a current model.
 */
export function isGemini3OrLater(model: string): boolean {
  return majorVersion(model) >= 3 || /(?:^|\/)gemini-[a-z-]*latest$/.test(model);
}

/** The major version in a Gemini model name ("gemini-3-flash-preview" → 3, "models/gemini-2.5-pro" → 2); 0 when none. */
export function majorVersion(model: string): number {
  const m = /(?:^|\/)gemini-(\d+)/.exec(model);
  return m === null ? 0 : Number(m[1]);
}
