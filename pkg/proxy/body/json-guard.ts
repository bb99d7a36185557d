// Guards between the raw body and anything that may recurse over it:
//  - A4: an explicit nesting limit checked by a byte scan *before* JSON.parse (a 4 MiB `[[[[…` is rejected after
//    65 bytes instead of being built as millions of nested arrays);
//  - A5: strict UTF-8 (TextDecoder fatal) and no lone surrogates smuggled in as `\uD800` escapes;
//  - A6: `__proto__` keys and `constructor.prototype` anywhere are refused;
//  - A16: keys that could redirect the upstream call (api_base, base_url, api_key, endpoint and their camelCase
//    spellings) are refused at any depth, with `param` set to the path.
// Duplicate keys: JSON.parse keeps the last value ("last wins"); we do not reject them. Everything downstream
// (validation, routing, the adapter) reads the same parsed object, so no component can see a different value.
import type { TextDecoder } from 'node:util';
import { GatewayError } from '../../errors/errors.ts';
import { endOfString } from '../../json/scan.ts';

const QUOTE = 0x22;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the JSON text nests objects/arrays deeper than `max`. Strings are skipped with native indexOf. */
export function exceedsDepth(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = endOfString(buf, i + 1);
      if (i === -1) return false; // unterminated: JSON.parse reports it
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** Keys refused anywhere in a body (A16), compared after lower-casing and removing `_` and `-`. */
const BANNED_NORMALISED = new Set(['apibase', 'baseurl', 'apikey', 'endpoint']);

function isBannedKey(key: string): boolean {
  if (key.length < 6 || key.length > 10) return false;
  return BANNED_NORMALISED.has(key.toLowerCase().replace(/[-_]/g, ''));
}

export interface GuardFinding {
  readonly code: 'banned_param' | 'invalid_utf8';
  readonly path: string;
}

/**
 * Walks a parsed body (already known to be at most `max` deep) for banned keys, prototype-poisoning keys and,
 * when `checkSurrogates` is set (the text contained a `\u` escape), strings that are not well-formed UTF-16.
 */
export function findForbidden(value: unknown, checkSurrogates: boolean): GuardFinding | null {
  const path: (string | number)[] = [];
  const code = walk(value, checkSurrogates, path);
  return code === null ? null : { code, path: formatPath(path) };
}

function walk(value: unknown, surrogates: boolean, path: (string | number)[]): GuardFinding['code'] | null {
  if (typeof value === 'string') return surrogates && !value.isWellFormed() ? 'invalid_utf8' : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'object' && typeof v !== 'string') continue;
      const found = walk(v, surrogates, path);
      if (found !== null) {
        path.unshift(i);
        return found;
      }
    }
    return null;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (key === '__proto__' || isBannedKey(key) || (key === 'constructor' && isObjectWithPrototype(v))) {
      path.unshift(key);
      return 'banned_param';
    }
    if (surrogates && !key.isWellFormed()) {
      path.unshift(key);
      return 'invalid_utf8';
    }
    if (typeof v !== 'object' && typeof v !== 'string') continue;
    const found = walk(v, surrogates, path);
    if (found !== null) {
      path.unshift(key);
      return found;
    }
  }
  return null;
}

function isObjectWithPrototype(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype');
}

/** ["messages", 0, "api_base"] → "messages[0].api_base"; capped so a hostile key cannot bloat the error. */
function formatPath(parts: readonly (string | number)[]): string {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out.length > 256 ? `${out.slice(0, 255)}…` : out;
}

/** Decodes strictly, checks depth, parses, and walks. Throws GatewayError (400) on any violation. */
export function parseJsonBody(buf: Buffer, decoder: TextDecoder, maxDepth: number): unknown {
  if (exceedsDepth(buf, maxDepth)) throw new GatewayError('json_too_deep');
  let text: string;
  try {
    text = decoder.decode(buf);
  } catch {
    throw new GatewayError('invalid_utf8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new GatewayError('invalid_json');
  }
  const finding = findForbidden(value, text.includes('\\u'));
  if (finding !== null) {
    throw new GatewayError(finding.code, { param: finding.path });
  }
  return value;
}
