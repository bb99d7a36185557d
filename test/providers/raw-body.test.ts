// The raw-body guard (pkg/providers/http/raw-body.ts): keys counted in JSON text equal keys in its parse exactly
// when there is no duplicate key, whatever the spacing and string contents (escaped quotes, colons, backslashes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardableRaw, parsedKeyCount, rawKeyCount } from '../../pkg/providers/http/raw-body.ts';
import type { IngressRequest } from '../../pkg/ingress/types.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('raw body key counts', () => {
  it('counts keys at every depth and ignores quotes, colons and backslashes inside strings', () => {
    const text = '{"a":"x\\":\\"y","b" : [ {"c\\\\":1}, "d:" ], "e":{"f":{"g":"\\\\"}}}';
    expect(rawKeyCount(bytes(text))).toBe(6);
    expect(parsedKeyCount(JSON.parse(text))).toBe(6);
  });

  it('raw equals parsed for any JSON without duplicates, at any indentation (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 3 }), (v, indent) => {
      const text = JSON.stringify(v, null, indent);
      expect(rawKeyCount(bytes(text))).toBe(parsedKeyCount(JSON.parse(text)));
    }), { numRuns: 300 });
  });

  it('a duplicate key at any depth makes the raw count larger, so the body is not forwarded as is', () => {
    const req = (text: string): IngressRequest => ({
      api: 'openai-chat', op: 'chat', body: JSON.parse(text) as Record<string, unknown>, model: 'm', stream: false, wantsUsage: false, forwardHeaders: {}, rawBody: bytes(text),
    });
    expect(forwardableRaw(req('{"model":"m","stream":false}'))).not.toBeNull();
    expect(forwardableRaw(req('{"model":"m","model":"m"}'))).toBeNull();
    expect(forwardableRaw(req('{"model":"m","x":[{"a":1,"a":2}]}'))).toBeNull();
    const { rawBody: _r, ...noRaw } = req('{"model":"m"}');
    expect(forwardableRaw(noRaw)).toBeNull();
  });
});
