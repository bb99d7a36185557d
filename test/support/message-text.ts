// Reading the fakes' request bodies: a JSON object check, the text of a message's content (a string or parts), the
// token estimate the fakes report (~4 characters a token) and sample arguments for a tool's JSON schema.

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a content value: the string itself, or the `text` of its parts joined. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Arguments for a tool call from its JSON schema's properties: 1 for numbers, true for booleans, 'Paris' for strings, else null. */
export function sampleInput(schema: unknown): Obj {
  const props = isObj(schema) && isObj(schema.properties) ? schema.properties : {};
  const out: Obj = {};
  for (const [k, p] of Object.entries(props)) {
    const t = isObj(p) ? p.type : undefined;
    out[k] = t === 'number' || t === 'integer' ? 1 : t === 'boolean' ? true : t === 'string' ? 'Paris' : null;
  }
  return out;
}
