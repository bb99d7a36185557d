// Cutting a recorded stream into pieces, for decoders that must give the same events at every split.

/** `bytes` cut at `cuts` (each taken modulo length + 1; repeats dropped, order sorted): empty pieces included. */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}
