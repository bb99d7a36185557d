// The list-price data file (pkg/pricing/prices.ts): every entry valid, dated and sourced; every served provider type
// and preset either priced or named as unpriced with the reason.
import { describe, expect, it } from 'vitest';
import { PRICE_LIST, UNPRICED, catalogueKey } from '../../pkg/pricing/prices.ts';
import { ListPriceSchema } from '../../pkg/pricing/schema.ts';
import { presetNames, servedTypes } from '../../pkg/providers/descriptors.ts';

const entries = Object.entries(PRICE_LIST).flatMap(([k, list]) => list.map((e) => ({ key: k, e })));

describe('list-price data file', () => {
  it('holds entries for openai and anthropic at least', () => {
    expect(PRICE_LIST.openai?.length).toBeGreaterThanOrEqual(5);
    expect(PRICE_LIST.anthropic?.length).toBeGreaterThanOrEqual(4);
  });

  it('every entry passes the schema: prices ≥ 0, cached ≤ input, a YYYY-MM-DD date and an https source', () => {
    for (const { key, e } of entries) {
      const r = ListPriceSchema.safeParse(e);
      expect(r.success, `${key} ${e.model}: ${r.success ? '' : r.error.message}`).toBe(true);
    }
  });

  it('the schema refuses a cached price above input, a negative price, a missing date or a non-https source', () => {
    const ok = { model: 'm', input: 1, output: 2, checked: '2026-12-03', source: 'https://example.com/pricing' };
    expect(ListPriceSchema.safeParse(ok).success).toBe(true);
    expect(ListPriceSchema.safeParse({ ...ok, cachedInput: 1.5 }).success).toBe(false);
    expect(ListPriceSchema.safeParse({ ...ok, output: -1 }).success).toBe(false);
    expect(ListPriceSchema.safeParse({ ...ok, checked: undefined }).success).toBe(false);
    expect(ListPriceSchema.safeParse({ ...ok, checked: '2026-13-01' }).success).toBe(false);
    expect(ListPriceSchema.safeParse({ ...ok, source: 'http://example.com' }).success).toBe(false);
  });

  it('checked dates are not in the future of the file and not older than a year before it', () => {
    const dates = entries.map(({ e }) => e.checked).sort();
    const newest = dates.at(-1) as string;
    for (const d of dates) expect(Date.parse(newest) - Date.parse(d)).toBeLessThan(366 * 86_400_000);
  });

  it('cache prices sit where providers put them: Anthropic writes cost more than input, hits less', () => {
    for (const e of PRICE_LIST.anthropic ?? []) {
      expect(e.cacheWrite, e.model).toBeGreaterThan(e.input);
      expect(e.cacheWrite1h, e.model).toBeGreaterThan(e.cacheWrite as number);
      expect(e.cachedInput, e.model).toBeLessThan(e.input);
    }
  });

  it('Opus 4.5 and 4.1 match the rows of Anthropic\'s pricing page (input, 5m write, 1h write, hit, output)', () => {
    const row = (m: string): unknown[] => {
      const e = PRICE_LIST.anthropic?.find((x) => x.model === m);
      return [e?.input, e?.cacheWrite, e?.cacheWrite1h, e?.cachedInput, e?.output];
    };
    expect(row('claude-opus-4-5')).toEqual([5, 6.25, 10, 0.5, 25]);
    expect(row('claude-opus-4-1')).toEqual([15, 18.75, 30, 1.5, 75]);
  });

  it('names are unique within a catalogue (aliases included)', () => {
    for (const [key, list] of Object.entries(PRICE_LIST)) {
      const names = list.flatMap((e) => [e.model, ...(e.aliases ?? [])]);
      expect(new Set(names).size, key).toBe(names.length);
    }
  });

  it('every served provider type and preset is priced or named as unpriced with a reason, never both', () => {
    const keys = servedTypes().flatMap((t) => {
      const presets = presetNames(t);
      return presets.length === 0 ? [catalogueKey(t, undefined)] : presets.map((p) => catalogueKey(t, p));
    });
    expect(keys).toContain('openai-compatible/groq');
    for (const k of keys) {
      const priced = Object.hasOwn(PRICE_LIST, k);
      const unpriced = Object.hasOwn(UNPRICED, k);
      expect(priced !== unpriced, `${k}: priced ${priced}, unpriced ${unpriced}`).toBe(true);
      if (unpriced) expect((UNPRICED[k] ?? '').length).toBeGreaterThan(10);
    }
    for (const k of [...Object.keys(PRICE_LIST), ...Object.keys(UNPRICED)]) expect(keys, `${k} is no served type/preset`).toContain(k);
  });

  it('self-hosted presets have no list price', () => {
    for (const p of ['vllm', 'sglang', 'ollama']) {
      expect(UNPRICED[`openai-compatible/${p}`]).toMatch(/self-hosted/);
      expect(PRICE_LIST[`openai-compatible/${p}`]).toBeUndefined();
    }
  });

  it('catalogueKey: the type, or openai-compatible/<preset> with generic for none', () => {
    expect(catalogueKey('openai', undefined)).toBe('openai');
    expect(catalogueKey('openai-compatible', 'groq')).toBe('openai-compatible/groq');
    expect(catalogueKey('openai-compatible', undefined)).toBe('openai-compatible/generic');
  });
});
