// Byte-level scanning of JSON text without parsing it, shared by the body guards (pkg/proxy/body/json-guard.ts) and
// the raw-body passthrough check (pkg/providers/http/raw-body.ts).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the quote closing a JSON string whose content starts at `from` (after its opening quote), or -1. */
export function endOfString(buf: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const q = buf.indexOf(QUOTE, i);
    if (q === -1) return -1;
    let backslashes = 0;
    for (let j = q - 1; j >= from && buf[j] === BACKSLASH; j--) backslashes++;
    if ((backslashes & 1) === 0) return q;
    i = q + 1;
  }
}
