// Canonical JSON (sorted keys, JSON.stringify semantics) and the table hash.
import { createHash } from 'node:crypto';

/**
 * Serialise a value as JSON with object keys sorted by code unit, so equal content gives equal text
 * whatever the insertion order. Follows JSON.stringify: undefined, functions and symbols are dropped
 * from objects (null in arrays), non-finite numbers become null. Never throws: bigints become strings
 * and a cycle is written as null.
 */
export function canonicalJSON(value: unknown): string {
  return write(value, new Set<object>()) ?? 'null';
}

function write(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      return value === null ? 'null' : writeObject(value, seen);
    default:
      return undefined;
  }
}

function writeObject(value: object, seen: Set<object>): string {
  if (seen.has(value)) return 'null';
  seen.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = `[${value.map((v: unknown) => write(v, seen) ?? 'null').join(',')}]`;
  } else {
    const parts: string[] = [];
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) {
      const text = write(record[key], seen);
      if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
    }
    out = `{${parts.join(',')}}`;
  }
  seen.delete(value);
  return out;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Build a record whose own keys are inserted in sorted order (stable pretty-printing); safe for "__proto__". */
export function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const list = [...entries].sort((a, b) => compareStrings(a[0], b[0]));
  return Object.fromEntries(list) as Record<string, T>;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
