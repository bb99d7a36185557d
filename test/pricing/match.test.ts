// Model name → list-price entry (pkg/pricing/match.ts): exact names, dated snapshots, -latest, nothing else.
import { describe, expect, it } from 'vitest';
import { baseModelName, matchPrice } from '../../pkg/pricing/match.ts';
import type { ListPrice } from '../../pkg/pricing/prices.ts';

const e = (model: string, extra: Partial<ListPrice> = {}): ListPrice => ({ model, input: 1, output: 2, checked: '2026-12-03', source: 'https://example.com', ...extra });
const LIST: readonly ListPrice[] = [
  e('gpt-4o', { pricedApart: ['gpt-4o-2024-05-13'] }),
  e('gpt-4o-mini'),
  e('claude-sonnet-4-5'),
  e('claude-sonnet-4', { aliases: ['claude-sonnet-4-0'] }),
  e('claude-3-5-haiku'),
  e('openai/gpt-oss-120b'),
];
const name = (m: string): string | undefined => matchPrice(LIST, m)?.model;

describe('baseModelName', () => {
  it.each([
    ['gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gpt-4.1-2025-04-14', 'gpt-4.1'],
  ])('%s → %s', (model, base) => {
    expect(baseModelName(model)).toBe(base);
  });

  it.each([
    'gpt-4o-mini', 'gpt-4o-2024-13-01', 'gpt-4o-2024-00-10', 'claude-x-20251301', 'claude-x-20250132', 'model-1234567',
    '-2024-07-18', '-latest', 'gpt-4o-2024-07', 'llama-3.1-8b-instant',
  ])('%s has no base', (model) => {
    expect(baseModelName(model)).toBeNull();
  });
});

describe('matchPrice', () => {
  it('exact names and aliases match as they are', () => {
    expect(name('gpt-4o')).toBe('gpt-4o');
    expect(name('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(name('claude-sonnet-4-0')).toBe('claude-sonnet-4');
    expect(name('openai/gpt-oss-120b')).toBe('openai/gpt-oss-120b');
  });

  it('dated snapshots match their base entry (both date styles)', () => {
    expect(name('gpt-4o-mini-2024-07-18')).toBe('gpt-4o-mini');
    expect(name('gpt-4o-2024-08-06')).toBe('gpt-4o');
    expect(name('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(name('claude-sonnet-4-20250514')).toBe('claude-sonnet-4');
    expect(name('claude-3-5-haiku-latest')).toBe('claude-3-5-haiku');
  });

  it('a snapshot priced apart from its base gets no default', () => {
    expect(name('gpt-4o-2024-05-13')).toBeUndefined();
  });

  it('no prefix matching, no case folding, one suffix only', () => {
    expect(name('gpt-4o-mini-search-preview')).toBeUndefined();
    expect(name('gpt-4')).toBeUndefined();
    expect(name('GPT-4o')).toBeUndefined();
    expect(name('claude-sonnet-4-5-20250929-latest')).toBeUndefined();
    expect(name('gpt-oss-120b')).toBeUndefined();
    expect(name('ft:gpt-4o-mini-2024-07-18:org::abc')).toBeUndefined();
  });
});
