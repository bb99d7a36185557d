// Which bodies we parse: application/json only (case-insensitive, parameters allowed, optional whitespace before
// `;`). Everything else is 415 (A7). This is the single check: there is no second parser validation could miss.

const JSON_TYPE = 'application/json';

export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  // Fast path: the exact value most clients send.
  if (header === JSON_TYPE) return true;
  const semi = header.indexOf(';');
  const media = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  return media === JSON_TYPE;
}
