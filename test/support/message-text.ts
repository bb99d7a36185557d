// Reading the fakes' request bodies: a JSON object check and the text of a message's content (a string or parts).

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a content value: the string itself, or the `text` of its parts joined. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: unknown) => (isObj(p) && typeof p.text === 'string' ? p.text : '')).join('');
}
