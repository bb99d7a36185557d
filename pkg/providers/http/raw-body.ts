// The client's original body bytes for a native passthrough (issue 7 point 8): forwarded unchanged when no field
// must change, so the upstream receives exactly what the client sent (whitespace and key order included) and the
// gateway skips a JSON.stringify of the whole body.
//
// Only when the bytes say nothing the parsed body does not: JSON.parse keeps the last of duplicate keys, and an
// upstream parser that keeps the first would read a different `model` or `stream` than the one we routed and
// billed (pkg/proxy/body/json-guard.ts: every component must read the same values). So a body with a duplicate key
// (its raw key count exceeds the parsed one) is re-serialised instead.
import type { IngressRequest } from '../../ingress/types.ts';
import { endOfString } from '../../json/scan.ts';

const QUOTE = 0x22;
const COLON = 0x3a;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Object keys in JSON text (strings followed by a colon), at every depth. */
export function rawKeyCount(buf: Uint8Array): number {
  let keys = 0;
  const n = buf.length;
  let i = buf.indexOf(QUOTE);
  while (i !== -1 && i < n) {
    const end = endOfString(buf, i + 1);
    if (end === -1) return keys;
    let j = end + 1;
    while (isSpace(buf[j])) j++;
    if (buf[j] === COLON) keys++;
    i = buf.indexOf(QUOTE, j);
  }
  return keys;
}

/** Object keys in a parsed JSON value, at every depth. */
export function parsedKeyCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let keys = 0;
  if (Array.isArray(value)) {
    for (const v of value as unknown[]) if (typeof v === 'object' && v !== null) keys += parsedKeyCount(v);
    return keys;
  }
  for (const k in value) {
    keys++;
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'object' && v !== null) keys += parsedKeyCount(v);
  }
  return keys;
}

/** The client's raw body when it may be forwarded as is (present, no duplicate keys), else null. */
export function forwardableRaw(req: IngressRequest): Uint8Array | null {
  const raw = req.rawBody;
  if (raw === undefined) return null;
  return rawKeyCount(raw) === parsedKeyCount(req.body) ? raw : null;
}
